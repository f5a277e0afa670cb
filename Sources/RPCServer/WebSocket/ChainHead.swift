import Synchronization

/// The height of the latest finalized block as the node announces it, and a way to wait for the next one.
///
/// The node calls `advance(to:)` after each finalized block (from any thread, without awaiting); WebSocket
/// subscriptions and `tx_sendAndWait` wait on it instead of polling. It only wakes readers: they read the
/// committed data itself from the backend by cursor, so a missed or merged announcement loses nothing.
public final class ChainHead: Sendable {
    private let state: Mutex<State>

    public init(height: UInt64 = 0) {
        state = Mutex(State(height: height))
    }

    /// The highest height announced so far.
    public var height: UInt64 { state.withLock { $0.height } }

    /// Whether the node has announced at least one block since this value was made.
    public var isAnnounced: Bool { state.withLock { $0.announced } }

    /// Records that block `height` is finalized and wakes every waiter below it; lower heights are ignored.
    public func advance(to height: UInt64) {
        let woken = state.withLock { state -> [CheckedContinuation<UInt64?, Never>] in
            state.announced = true
            guard height > state.height else { return [] }
            state.height = height
            let due = state.waiters.filter { $0.value.after < height }
            for id in due.keys { state.waiters.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume(returning: height) }
    }

    /// Returns the announced height once it is above `height`; nil if the task is cancelled first.
    public func wait(after height: UInt64) async -> UInt64? {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<UInt64?, Never>) in
                let immediate: UInt64?? = state.withLock { state in
                    if Task.isCancelled { return .some(nil) }
                    if state.height > height { return .some(state.height) }
                    state.waiters[id] = Waiter(after: height, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: nil)
        }
    }

    /// Waits for a height above `height` for at most `timeout`; nil when the time ran out or the task was cancelled.
    public func wait(after height: UInt64, timeout: Duration) async -> UInt64? {
        await withTaskGroup(of: UInt64?.self) { group in
            group.addTask { await self.wait(after: height) }
            group.addTask {
                try? await Task.sleep(for: timeout)  // a deadline, not synchronization
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    private struct Waiter {
        let after: UInt64
        let continuation: CheckedContinuation<UInt64?, Never>
    }

    private struct State: ~Copyable {
        var height: UInt64
        var announced = false
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiterID: UInt64 = 0
    }
}
