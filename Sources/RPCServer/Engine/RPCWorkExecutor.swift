import Foundation
import Synchronization

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

    /// Starts `threads` threads named `name-N`.
    public init(threads: Int, admissionsMax: Int, name: String = "sbp-rpc-work") {
        precondition(threads >= 1 && admissionsMax >= 1, "an executor has at least one thread and one admission")
        self.admissionsMax = admissionsMax
        for index in 0..<threads {
            // Named from inside: on Linux a name set before `start()` does not reach the thread.
            Thread { [self] in
                Thread.current.name = "\(name)-\(index)"
                self.runJobs()
            }.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unownedJob = UnownedJob(job)
        condition.lock()
        guard !stopping else {
            condition.unlock()
            // After shutdown a late job (a request still being answered) runs on a thread of its own.
            Thread { [self] in unownedJob.runSynchronously(on: asUnownedTaskExecutor()) }.start()
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
