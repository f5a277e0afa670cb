import Logging
import Synchronization

/// A logger whose lines a test reads back: the messages, in the order written.
public final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// A logger writing into this log at every level.
    public var logger: Logger {
        Logger(label: "test") { _ in Handler(log: self) }
    }

    /// The messages written so far.
    public var messages: [String] { lines.withLock { $0 } }

    public func removeAll() { lines.withLock { $0.removeAll() } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) { log.lines.withLock { $0.append("\(event.message)") } }
    }
}
