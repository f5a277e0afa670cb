import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A fixed set of threads that run the RPC backend's storage and contract-VM work (issue 14, defect 5).
///
/// The backend reads RocksDB and runs the query VM synchronously; on the Swift cooperative pool that work
/// would hold the threads the peer event loops and the node's other tasks need. Every backend call runs
/// with this executor as its task-executor preference (`RPCCallContext.ask`), so a flood of searches
/// queues here, `admissionsMax` calls at most, and anything beyond is refused at once with −32007.
public final class RPCWorkExecutor: TaskExecutor, @unchecked Sendable {
    /// Backend calls admitted (running or queued) at once; one more is refused as busy.
    public let admissionsMax: Int
    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var jobsStart = 0
    private var stopping = false
    private let admitted = Atomic<Int>(0)
    /// The threads of every executor, by pthread id: `isCurrentThreadWorker` reads it.
    private static let workerThreads = Mutex<Set<pthread_t>>([])
    /// The work threads whose niceness was raised: `isCurrentThreadLowered` reads it.
    private static let loweredThreads = Mutex<Set<pthread_t>>([])

    /// Whether the calling thread belongs to an RPC work executor (a work thread, or the thread a late job
    /// gets after shutdown): never a thread of the Swift cooperative pool.
    ///
    /// Identified by pthread id, not by name: a thread's name is whatever Foundation reports for it,
    /// and a check of where work ran must not depend on that.
    public static var isCurrentThreadWorker: Bool {
        let current = pthread_self()
        return workerThreads.withLock { $0.contains(current) }
    }

    /// Starts `threads` threads named `name-N`, each with the scheduling niceness `niceness` (0...19).
    ///
    /// A positive niceness makes the threads yield to the node's other threads when the cores are busy:
    /// on a machine with fewer cores than runnable threads, the replica driver (the consensus path, which
    /// executes and finalizes every block on one thread) then keeps its core while clients' admissions and
    /// reads wait (issue 18: one validator on two cores). With idle cores it changes nothing.
    public init(threads: Int, admissionsMax: Int, name: String = "sbp-rpc-work", niceness: Int32 = 0) {
        precondition(threads >= 1 && admissionsMax >= 1, "an executor has at least one thread and one admission")
        self.admissionsMax = admissionsMax
        for index in 0..<threads {
            // Named from inside: on Linux a name set before `start()` does not reach the thread.
            Thread { [self] in
                Thread.current.name = "\(name)-\(index)"
                let lowered = niceness > 0 && Self.lowerPriority(to: niceness)
                Self.asWorker(lowered: lowered) { self.runJobs() }
            }.start()
        }
    }

    /// The calling thread's scheduling niceness (Linux: per thread, id 0 is the calling thread; elsewhere 0).
    public static var currentThreadNiceness: Int32 {
        #if os(Linux)
            errno = 0
            let value = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
            return errno == 0 ? value : 0
        #else
            return 0
        #endif
    }

    /// Whether the calling thread is a work thread whose priority its executor lowered (`niceness` above 0):
    /// work that could spread over Dispatch's threads at full priority stays on it instead.
    public static var isCurrentThreadLowered: Bool {
        let current = pthread_self()
        return loweredThreads.withLock { $0.contains(current) }
    }

    /// Raises the calling thread's niceness to `niceness` (always permitted: it lowers the priority); false
    /// when it did not. On Linux the niceness is a thread's own and `setpriority` with id 0 sets the calling
    /// thread's; elsewhere nothing changes.
    private static func lowerPriority(to niceness: Int32) -> Bool {
        #if os(Linux)
            let target = min(19, niceness)
            guard currentThreadNiceness < target else { return true }
            return setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, target) == 0
        #else
            return false
        #endif
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        condition.lock()
        guard !stopping else {
            condition.unlock()
            // After shutdown a late job (a request still being answered) runs on a thread of its own.
            Thread { [self] in Self.asWorker { unownedJob.runSynchronously(on: asUnownedTaskExecutor()) } }.start()
            return
        }
        jobs.append(unownedJob)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads finish the queued jobs and exit; a job enqueued afterwards runs on a thread of its own.
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Takes an admission for one backend call; false when `admissionsMax` are in already.
    func admit() -> Bool {
        if admitted.add(1, ordering: .relaxed).newValue <= admissionsMax { return true }
        admitted.subtract(1, ordering: .relaxed)
        return false
    }

    func release() {
        admitted.subtract(1, ordering: .relaxed)
    }

    /// Runs `body` with the calling thread registered as a worker.
    private static func asWorker(lowered: Bool = false, _ body: () -> Void) {
        let current = pthread_self()
        workerThreads.withLock { _ = $0.insert(current) }
        if lowered { loweredThreads.withLock { _ = $0.insert(current) } }
        defer {
            workerThreads.withLock { _ = $0.remove(current) }
            loweredThreads.withLock { _ = $0.remove(current) }
        }
        body()
    }

    private func runJobs() {
        while let job = nextJob() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    private func nextJob() -> UnownedJob? {
        condition.lock()
        defer { condition.unlock() }
        while jobsStart == jobs.count {
            if stopping { return nil }
            condition.wait()
        }
        let job = jobs[jobsStart]
        jobsStart += 1
        if jobsStart > 256 && jobsStart * 2 > jobs.count {
            jobs.removeFirst(jobsStart)
            jobsStart = 0
        }
        return job
    }
}
