import Dispatch
import Synchronization

/// Runs the synchronous RocksDB, file and verification work of a snapshot restore on a serial dispatch
/// queue of its own and awaits it, so a restore never holds a thread of the Swift cooperative pool.
///
/// State sync runs inside the node's async start-up, where the peer links' events, the fetch loop's timer
/// and (in `swift test`) every other test share a pool as wide as the machine has cores. Rebuilding the
/// tree of a large state takes tens of seconds (docs/performance.md); on the pool that would starve them.
/// The node's other disk work runs off the pool the same way: blocks on the driver thread, pruning on its
/// own thread, snapshot cutting and serving on dispatch queues, RPC reads on `RPCWorkExecutor`.
enum SnapshotRestoreWork {
    /// One serial queue for the process: a session's jobs run in the order they were asked for.
    static let queue: DispatchQueue = {
        let queue = DispatchQueue(label: "sbp.snapshot-restore", qos: .userInitiated)
        queue.setSpecific(key: marker, value: true)
        return queue
    }()
    private static let marker = DispatchSpecificKey<Bool>()

    /// Whether the calling code runs on the restore queue (never a thread of the cooperative pool).
    static var isCurrentThreadWorker: Bool { DispatchQueue.getSpecific(key: marker) == true }

    /// Runs `body` on the restore queue and returns its result.
    static func run<Value: Sendable, Failure: Error>(_ body: @escaping @Sendable () throws(Failure) -> Value) async throws(Failure) -> Value
    {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
            queue.async { continuation.resume(returning: Result(catching: body)) }
        }
        return try result.get()
    }
}
