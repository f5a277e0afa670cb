import Logging
import PeerNetwork
import Synchronization

/// A log handler for loggers whose lines clients can cause (the JSON-RPC server and the HTTP and WebSocket
/// libraries under it): of each message, at most `PeerNetworkLimits.unverifiedLogLinesPerMinute` lines a minute
/// are written, and the next one written carries `heldBack`, the count of those that were not.
///
/// Why: Hummingbird's WebSocket code logs `Error handling upgrade result` at error level for every malformed
/// upgrade, so 300 such requests from one client in three seconds wrote 600 lines on the node; the peer port's
/// lines were bounded the same way (`LogThrottle`). Lines of different messages do not share a quota.
struct ThrottledLogHandler: LogHandler {
    var base: any LogHandler
    let throttles: Throttles

    /// The loggers' quotas, by message. At most `messagesMax` messages are told apart; lines of further ones
    /// (a library that puts values in its messages) share one quota.
    final class Throttles: Sendable {
        static let messagesMax = 256
        private let byMessage = Mutex<[String: LogThrottle]>([:])
        private let others = Throttles.throttle()

        static func throttle() -> LogThrottle {
            LogThrottle(linesMax: PeerNetworkLimits.unverifiedLogLinesPerMinute, interval: .seconds(60))
        }

        func admit(_ message: String) -> (write: Bool, heldBack: Int) {
            let throttle = byMessage.withLock { throttles -> LogThrottle in
                if let known = throttles[message] { return known }
                guard throttles.count < Self.messagesMax else { return others }
                let new = Self.throttle()
                throttles[message] = new
                return new
            }
            return throttle.admit()
        }
    }

    /// `logger`, writing through its own handler within the quotas.
    static func wrapping(_ logger: Logger) -> Logger {
        var throttled = logger
        throttled.handler = ThrottledLogHandler(base: logger.handler, throttles: Throttles())
        return throttled
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        let admitted = throttles.admit(event.message.description)
        guard admitted.write else { return }
        var event = event
        if admitted.heldBack > 0 { event.metadata = LogThrottle.metadata(event.metadata ?? [:], heldBack: admitted.heldBack) }
        base.log(event: event)
    }
}
