import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A launched child process whose exit is awaited without polling: the one way SBP waits for a process.
///
/// Foundation's `Process.waitUntilExit()` on Linux runs the calling thread's run loop in 50 ms slices until
/// the child is gone: twenty wake-ups a second at best, and a spinning core on a thread whose run loop
/// has no source (the `sbp devnet` supervisor was measured at 93% of one core). Foundation itself reaps
/// the child on its own thread and then calls `terminationHandler`, so this type installs that handler
/// before the launch and wakes every waiter from it: an `async` waiter by resuming its continuation (no
/// thread is held, the Swift cooperative pool stays free), a blocking waiter by signalling its semaphore.
/// A waiter with a timeout is woken by a Dispatch timer instead when the child outlives it.
public final class ChildProcess: Sendable {
    /// How a child process ended.
    public struct Exit: Sendable, Equatable, CustomStringConvertible {
        /// The exit status, or the signal number when `reason` is `.uncaughtSignal`.
        public var status: Int32
        public var reason: Process.TerminationReason

        public init(status: Int32, reason: Process.TerminationReason) {
            self.status = status
            self.reason = reason
        }

        /// Exited by itself with status 0.
        public var succeeded: Bool { reason == .exit && status == 0 }

        public var description: String {
            reason == .exit ? "exited with status \(status)" : "killed by signal \(status)"
        }
    }

    /// The launched process (its pipes, arguments and, once it has exited, its status).
    public let process: Process
    /// The child's pid, valid until `exit` reports it gone.
    public let processIdentifier: Int32
    private let watch: ExitWatch

    /// Launches `process`, configured and not yet started, and watches for its exit.
    ///
    /// The termination handler belongs to this type: Foundation never calls a handler set after the
    /// child has exited, so it must be in place before `run()`.
    public init(launching process: Process) throws {
        precondition(process.terminationHandler == nil, "ChildProcess installs the process's termination handler itself")
        let watch = ExitWatch()
        process.terminationHandler = { process in
            watch.finish(Exit(status: process.terminationStatus, reason: process.terminationReason))
        }
        do {
            try process.run()
        } catch {
            process.terminationHandler = nil
            throw error
        }
        self.process = process
        self.processIdentifier = process.processIdentifier
        self.watch = watch
    }

    /// How the child ended, or nil while it runs (never waits).
    public var exitIfEnded: Exit? { watch.exit }

    /// Whether the child has not been seen to exit yet.
    public var isRunning: Bool { watch.exit == nil }

    /// Sends `signal` to the child unless it has already been seen to exit (its pid may then be reused).
    ///
    /// Between Foundation's reaping of the child and its termination handler there is a window of
    /// microseconds in which the pid is free but the exit not yet recorded; a pid is not reused that fast
    /// in practice, and nothing better is possible without owning the `waitpid` that Foundation performs.
    public func send(_ signal: Int32) {
        watch.whileRunning { _ = kill(processIdentifier, signal) }
    }

    /// Suspends until the child exits; holds no thread meanwhile.
    ///
    /// Task cancellation does not end this wait (the child decides when it ends): a caller that must give
    /// up uses `exit(within:)`, then signals the child.
    public func exit() async -> Exit {
        await withCheckedContinuation { continuation in
            watch.add(timeout: nil) { exit in
                guard let exit else { preconditionFailure("a waiter without a timeout is woken only by the exit") }
                continuation.resume(returning: exit)
            }
        }
    }

    /// Suspends until the child exits or `timeout` passes, whichever comes first; nil on the timeout.
    public func exit(within timeout: Duration) async -> Exit? {
        await withCheckedContinuation { continuation in
            watch.add(timeout: timeout) { continuation.resume(returning: $0) }
        }
    }

    /// Blocks the calling thread until the child exits.
    ///
    /// For synchronous code on a thread of its own or the main thread only: from an `async` context
    /// use `exit()`, which does not take a thread of the cooperative pool away from other tasks.
    public func waitForExit() -> Exit {
        guard let exit = waitForExit(timeout: nil) else { preconditionFailure("an untimed wait ends only with the exit") }
        return exit
    }

    /// Blocks the calling thread until the child exits or `timeout` passes; nil on the timeout.
    public func waitForExit(within timeout: Duration) -> Exit? {
        waitForExit(timeout: timeout)
    }

    private func waitForExit(timeout: Duration?) -> Exit? {
        let woken = DispatchSemaphore(value: 0)
        let result = ResultSlot()
        watch.add(timeout: timeout) { exit in
            result.value.withLock { $0 = exit }
            woken.signal()
        }
        woken.wait()
        return result.value.withLock { $0 }
    }
}

/// The exit of one child and the waiters to wake when it comes; each waiter is called exactly once.
private final class ExitWatch: Sendable {
    private struct State {
        var exit: ChildProcess.Exit?
        var nextWaiter = 0
        var waiters: [Int: @Sendable (ChildProcess.Exit?) -> Void] = [:]
    }

    private let state = Mutex(State())

    var exit: ChildProcess.Exit? { state.withLock { $0.exit } }

    /// Runs `body` under the lock while no exit has been recorded.
    func whileRunning(_ body: () -> Void) {
        state.withLock { state in
            if state.exit == nil { body() }
        }
    }

    /// Records the exit and wakes every waiter (outside the lock).
    func finish(_ exit: ChildProcess.Exit) {
        let waiters = state.withLock { state in
            state.exit = exit
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter(exit) }
    }

    /// Calls `waiter` with the exit when it comes, at once if it has, or with nil after `timeout`.
    func add(timeout: Duration?, _ waiter: @escaping @Sendable (ChildProcess.Exit?) -> Void) {
        let registered: Int? = state.withLock { state in
            guard state.exit == nil else { return nil }
            let id = state.nextWaiter
            state.nextWaiter += 1
            state.waiters[id] = waiter
            return id
        }
        guard let id = registered else {
            waiter(exit)
            return
        }
        guard let timeout else { return }
        let (whole, overflow) = timeout.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let nanoseconds = overflow ? Int64.max : whole.addingReportingOverflow(timeout.components.attoseconds / 1_000_000_000).partialValue
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: max(0, nanoseconds)))) { [self] in
            let expired = state.withLock { $0.waiters.removeValue(forKey: id) }
            expired?(nil)
        }
    }
}

/// Carries a blocking waiter's result from the waking thread to the waiting one.
private final class ResultSlot: Sendable {
    let value = Mutex<ChildProcess.Exit?>(nil)
}
