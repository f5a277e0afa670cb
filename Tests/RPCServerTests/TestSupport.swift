import Logging
import RPCServer
import Synchronization

/// A logger that discards everything, so expected failures do not clutter test output.
let quietLogger = Logger(label: "sbp.rpc.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Parses JSON text written in a test; the literal is the test's own, so a failure is a bug in the test.
func json(_ text: String) -> JSONValue {
    do {
        return try JSONParser.parse(Array(text.utf8))
    } catch {
        preconditionFailure("test JSON does not parse: \(error)\n\(text)")
    }
}

/// An engine over a fresh fake backend.
struct EngineHarness {
    let backend = FakeBackend()
    let engine: RPCEngine

    /// `tx_sendAndWait` runs on virtual time: its polls and timeout do not depend on how soon a loaded
    /// machine resumes a sleeping task.
    init(batchRequestsMax: Int = RPCLimits.batchRequestsMaxDefault) {
        let time = VirtualTime()
        engine = RPCEngine(
            backend: backend, batchRequestsMax: batchRequestsMax,
            pollClock: PollClock(now: { time.elapsed.withLock { $0 } }, sleep: { try time.pause($0) }), logger: quietLogger)
    }

    /// Sends a body and parses the response; nil when the engine sends nothing.
    func send(_ body: String) async throws -> JSONValue? {
        try await send(bytes: Array(body.utf8))
    }

    func send(bytes: [UInt8]) async throws -> JSONValue? {
        guard let response = await engine.respond(to: bytes) else { return nil }
        return try JSONParser.parse(response)
    }
}

extension JSONValue {
    /// `error.code` of a response object.
    var errorCode: Int? {
        guard case .number(let number)? = self["error"]?["code"] else { return nil }
        return Int(number.text)
    }

    /// The elements of an array, or nil.
    var elements: [JSONValue]? {
        guard case .array(let elements) = self else { return nil }
        return elements
    }
}

/// Where two JSON values first differ (a path such as `$.result.header.height`), or nil when they are equal.
///
/// Golden failures report this instead of dumping two whole documents.
func firstDifference(_ expected: JSONValue, _ actual: JSONValue, at path: String = "$") -> String? {
    switch (expected, actual) {
    case (.object(let want), .object(let have)):
        for member in want.members {
            guard let other = have[member.key] else { return "\(path).\(member.key) is missing" }
            if let difference = firstDifference(member.value, other, at: path + "." + member.key) { return difference }
        }
        if let extra = have.keys.first(where: { want[$0] == nil }) { return "\(path).\(extra) is unexpected" }
        return nil
    case (.array(let want), .array(let have)):
        for (index, (a, b)) in zip(want, have).enumerated() {
            if let difference = firstDifference(a, b, at: "\(path)[\(index)]") { return difference }
        }
        return want.count == have.count ? nil : "\(path) has \(have.count) elements, expected \(want.count)"
    default:
        return expected == actual ? nil : "\(path): expected \(expected.serializedText), got \(actual.serializedText)"
    }
}

/// Time that moves only when a pause is taken (`PollClock` for tests).
final class VirtualTime: Sendable {
    let elapsed = Mutex<Duration>(.zero)

    func pause(_ duration: Duration) throws {
        try Task.checkCancellation()
        elapsed.withLock { $0 += duration }
    }
}
