import Foundation

/// How often the tests look at another process's state while waiting for it to change.
let pollInterval: Duration = .milliseconds(200)

/// Polls `probe` until it returns a value, or throws `PollTimeout` once `timeout` has passed.
///
/// This is the only way the integration tests wait: they observe the node processes through JSON-RPC (or
/// their log files) with a deadline, and never treat a fixed sleep as a sign that something happened.
func eventually<Value: Sendable>(
    _ what: @autoclosure () -> String, within timeout: Duration, _ probe: () async throws -> Value?
) async throws -> Value {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else { throw PollTimeout(what: what(), timeout: timeout) }
        try await Task.sleep(for: pollInterval)  // polling other processes' state, bounded by the deadline
    }
}

/// The `Bool` form of `eventually`.
func eventually(_ what: @autoclosure () -> String, within timeout: Duration, _ condition: () async throws -> Bool) async throws {
    _ = try await eventually(what(), within: timeout) { try await condition() ? true : nil }
}

/// A condition that did not come true in time.
struct PollTimeout: Error, CustomStringConvertible {
    let what: String
    let timeout: Duration
    var description: String { "timed out after \(timeout): \(what)" }
}
