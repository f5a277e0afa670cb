import Foundation

/// Runs blocking work (waiting for a child process, reading its pipes, a fault-injection pause) on a
/// thread of its own and awaits its result.
///
/// Every test of `swift test` shares one Swift cooperative pool, as wide as the machine has cores (two
/// here). A synchronous test that waits on a child process holds one of those threads for its whole run;
/// two of them starve every other test, whose `Task.sleep` and continuations then cannot resume: that is
/// how `tx_sendAndWait keeps polling until the receipt appears` ran out of its 30 s on a loaded machine.
/// Blocking waits therefore go through this function, never straight into an async or test function.
public func withBlockingWork<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = "sbp-test-blocking-work"
        thread.start()
    }
}

extension HelperExecutable {
    /// `run(_:arguments:)` on a thread of its own (`withBlockingWork`).
    public static func runOffPool(_ executable: URL, arguments: [String]) async throws -> String {
        try await withBlockingWork { try run(executable, arguments: arguments) }
    }
}
