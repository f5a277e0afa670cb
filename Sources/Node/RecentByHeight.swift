import ChainTypes
import Synchronization

/// What the RPC backend read last for each of the newest heights, shared by every caller.
///
/// Why: every subscription reads each new block as soon as it is finalized (`SubscriptionFeed`), and one
/// client may hold 64 connections of 16 subscriptions. Each read decoded the same stored data again:
/// - a `newHeads` subscription decoded the whole block, every transaction of it, for its header;
/// - an `events` subscription without contracts decoded every receipt of the block to filter them.
/// So one client's subscriptions cost a validator a thousand decodes of each block (docs/performance.md,
/// "Headers, transactions and events without whole blocks"). With this, the first reader of a height decodes it
/// and the others find it here.
///
/// Finalized data never changes (each height is executed and finalized once, PBFT-NOTES rule 6), so a slot
/// answers for its height until a later height takes the slot; a height is never answered with another's.
final class RecentByHeight<Value: Sendable>: Sendable {
    /// Slots, each for the heights equal to its index modulo this.
    let slotCount: Int
    private let slots: Mutex<[(height: UInt64, value: Value)?]>

    init(slotCount: Int) {
        precondition(slotCount >= 1, "at least one slot")
        self.slotCount = slotCount
        slots = Mutex([(height: UInt64, value: Value)?](repeating: nil, count: slotCount))
    }

    /// The value kept for `height`, or nil when its slot holds none or another height's.
    func value(at height: UInt64) -> Value? {
        slots.withLock { slots in
            guard let entry = slots[slot(of: height)], entry.height == height else { return nil }
            return entry.value
        }
    }

    /// The value kept for `height`, or else what `read` returns, kept in `height`'s slot when there is one.
    func value<Failure: Error>(at height: UInt64, orRead read: () throws(Failure) -> Value?) throws(Failure) -> Value? {
        if let kept = value(at: height) { return kept }
        guard let value = try read() else { return nil }
        keep(value, at: height)
        return value
    }

    /// Keeps `value` in `height`'s slot, in place of what the slot held.
    func keep(_ value: Value, at height: UInt64) {
        slots.withLock { $0[slot(of: height)] = (height, value) }
    }

    private func slot(of height: UInt64) -> Int {
        Int(height % UInt64(slotCount))
    }
}

extension RecentByHeight where Value == BlockHeader {
    /// Headers: more than a page of them (`RPCLimits.headersMax`), so a page of the newest heights stays whole.
    static func headers() -> RecentByHeight { RecentByHeight(slotCount: 256) }
}

extension RecentByHeight where Value == [Receipt] {
    /// Receipts of whole blocks, up to `Limits.blockTransactionsMax` each: the few newest blocks that
    /// subscriptions read as they are finalized.
    static func receipts() -> RecentByHeight { RecentByHeight(slotCount: 8) }
}
