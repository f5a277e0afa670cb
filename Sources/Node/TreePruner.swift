import Foundation
import Ledger
import Logging
import Synchronization

/// Deletes state tree versions older than the latest N in the background (`storage.history = "recent N"`).
///
/// A thread of its own, woken after each finalized block, so pruning never runs on the driver thread
/// (consensus keeps its latency) nor on the Swift cooperative pool (RocksDB writes block). Each
/// `Ledger.pruneStep` is one bounded, atomic batch; the thread checks for a stop between steps, so a
/// shutdown waits for one step at most, and a crash at any point loses nothing a kept version needs.
final class TreePruner: @unchecked Sendable {
    private let ledger: Ledger
    private let versions: UInt64
    private let logger: Logger
    private let condition = NSCondition()
    /// Guarded by `condition`: a block was finalized since the last round (true at start: a backlog).
    private var isDue = true
    private var isStopping = false
    private var isFinished = false
    /// Rounds that ran to completion (nothing left to delete), for `waitForRounds`.
    private var roundsCompleted = 0
    private var thread: Thread?
    /// The oldest height whose state the node keeps, after the last step (`/metrics`).
    let oldestStateHeight = Atomic<UInt64>(0)

    /// Stale nodes one step deletes at most.
    private let nodesPerStep: Int
    /// Called on the pruning thread after each step (fault injection: `NodeFaults.pruning`).
    private let afterStep: (@Sendable (_ nodesDeleted: Int, _ isComplete: Bool) -> Void)?

    init(
        ledger: Ledger, versions: UInt64, logger: Logger, nodesPerStep: Int = LedgerLimits.pruneRecordsPerStep,
        afterStep: (@Sendable (Int, Bool) -> Void)? = nil
    ) {
        self.ledger = ledger
        self.versions = versions
        self.logger = logger
        self.nodesPerStep = min(max(1, nodesPerStep), LedgerLimits.pruneRecordsPerStep)
        self.afterStep = afterStep
    }

    /// Starts the pruning thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "sbp-tree-pruner"
        condition.lock()
        self.thread = thread
        condition.unlock()
        thread.start()
    }

    /// Wakes the pruner: a finalized block made more nodes stale.
    func blockFinalized() {
        condition.lock()
        isDue = true
        condition.signal()
        condition.unlock()
    }

    /// Stops after the current step; returns once the thread has finished (at once if it never started).
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        isStopping = true
        condition.broadcast()
        while thread != nil && !isFinished { condition.wait() }
    }

    /// Waits until `count` rounds have completed or `timeout` passed; whether they have (tests, shutdown logs).
    func waitForRounds(_ count: Int, timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while roundsCompleted < count {
            guard condition.wait(until: deadline) else { return roundsCompleted >= count }
        }
        return true
    }

    /// Waits until a round is due; false when stopping.
    private func nextRound() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !isDue && !isStopping { condition.wait() }
        isDue = false
        return !isStopping
    }

    private var stopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return isStopping
    }

    private func run() {
        defer {
            condition.lock()
            isFinished = true
            condition.broadcast()
            condition.unlock()
        }
        var caughtUp = false
        while nextRound() {
            var deleted = 0
            while !stopping {
                do {
                    let progress = try ledger.pruneStep(keepingVersions: versions, nodesMax: nodesPerStep)
                    deleted += progress.nodesDeleted
                    oldestStateHeight.store(progress.oldestStateHeight, ordering: .relaxed)
                    afterStep?(progress.nodesDeleted, progress.isComplete)
                    if progress.isComplete {
                        if !caughtUp {
                            // The first round since start ends the backlog (a node that switched to pruning, or
                            // one stopped or killed in the middle of a round): worth a line in the log.
                            caughtUp = true
                            if deleted > 0 {
                                logger.info(
                                    "state tree pruning caught up",
                                    metadata: ["nodes": "\(deleted)", "oldestStateHeight": "\(progress.oldestStateHeight)"])
                            }
                        }
                        condition.lock()
                        roundsCompleted += 1
                        condition.broadcast()
                        condition.unlock()
                        break
                    }
                } catch {
                    // Retried after the next block; the store stays consistent whatever step failed.
                    logger.error("cannot prune the state tree", metadata: ["error": "\(error)"])
                    break
                }
            }
            if deleted > 0 {
                logger.debug(
                    "pruned the state tree",
                    metadata: ["nodes": "\(deleted)", "oldestStateHeight": "\(oldestStateHeight.load(ordering: .relaxed))"])
            }
        }
    }
}
