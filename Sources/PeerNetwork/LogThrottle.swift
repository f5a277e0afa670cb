import Logging
import Synchronization

/// Lets at most `linesMax` log lines of one kind through per `interval`, and says how many it held back when
/// the next one goes through.
///
/// Why: anyone who can reach a node's peer port can open connections that fail before they are verified
/// (no TLS, no certificate, one from another CA), and each failure wrote one or two lines. 1,500 such
/// connections from one Python loop in nine seconds wrote 552 KB of log on the node; at that rate a day of it
/// is about 5 GB, and a full disk halts a node. The lines still say what happened: the first ones of each
/// interval are written whole, and the next line written carries the count of those held back.
public final class LogThrottle: Sendable {
    public let linesMax: Int
    public let interval: Duration
    private let state: Mutex<State>

    private struct State {
        var intervalStart: ContinuousClock.Instant?
        var written = 0
        var heldBack = 0
    }

    public init(linesMax: Int, interval: Duration) {
        self.linesMax = max(1, linesMax)
        self.interval = interval
        state = Mutex(State())
    }

    /// Whether to write a line at `now`; when it is, `heldBack` is how many lines were not written since the
    /// last one that was (to put in the line's metadata).
    public func admit(at now: ContinuousClock.Instant = .now) -> (write: Bool, heldBack: Int) {
        state.withLock { state in
            if let start = state.intervalStart, now < start + interval {
                guard state.written < linesMax else {
                    state.heldBack += 1
                    return (false, 0)
                }
            } else {
                state.intervalStart = now
                state.written = 0
            }
            state.written += 1
            let heldBack = state.heldBack
            state.heldBack = 0
            return (true, heldBack)
        }
    }

    /// `metadata` with `heldBack`, the count of lines of this kind not written since the last one, when any were.
    public static func metadata(_ metadata: Logger.Metadata, heldBack: Int) -> Logger.Metadata {
        guard heldBack > 0 else { return metadata }
        return metadata.merging(["heldBack": "\(heldBack)"]) { first, _ in first }
    }
}
