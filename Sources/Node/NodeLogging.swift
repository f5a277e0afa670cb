import Foundation
import Logging

/// Structured logs for the node: swift-log with one line per event, as text or JSON (DESIGN §7).
public enum NodeLogging {
    /// A logger writing to standard error in `format` at `level`, without touching the process-wide
    /// `LoggingSystem` (tests run several nodes in one process).
    public static func logger(label: String, format: NodeConfiguration.LogFormat, level: NodeConfiguration.LogLevel, node: String)
        -> Logger
    {
        var logger: Logger
        switch format {
        case .text: logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        case .json: logger = Logger(label: label) { JSONLogHandler(label: $0) }
        }
        logger.logLevel = Logger.Level(rawValue: level.rawValue) ?? .info
        logger[metadataKey: "node"] = "\(node)"
        return logger
    }
}

/// Writes each log event as one JSON object per line: time, level, label, message, metadata, source.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata.merging(event.metadata ?? [:]) { $1 }
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        var object: [String: Any] = [
            "time": ISO8601DateFormatter().string(from: Date()), "level": "\(event.level)", "label": label,
            "message": "\(event.message)", "source": event.source,
        ]
        for (key, value) in fields { object[key] = "\(value)" }
        guard var line = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardError.write(line)
    }
}
