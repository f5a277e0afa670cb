import ChainTypes
import Synchronization

/// The headers of the heights read most recently, shared by every caller of `NodeRPCBackend.headers`.
///
/// Why: every `newHeads` subscription reads each new block's header as soon as it is finalized
/// (`SubscriptionFeed`), and one client may hold 64 connections of 16 subscriptions. Each read used to
/// decode the stored block, every transaction of it, so a client's subscriptions cost a validator a
/// thousand block decodes per block. With this, the first read of a height decodes its header alone
/// (`LedgerView.header(at:)`) and the others find it here.
///
/// A finalized header never changes (each height is executed and finalized once, PBFT-NOTES rule 6), so a slot answers
/// for its height until a later height takes the slot; a height is never answered with another's header.
final class RecentHeaders: Sendable {
    /// Slots, each for the heights equal to its index modulo this: more than a page of headers
    /// (`RPCLimits.headersMax`), so a page of the newest heights stays whole.
    static let slotCount = 256
    private let slots: Mutex<[BlockHeader?]>

    init() {
        slots = Mutex([BlockHeader?](repeating: nil, count: Self.slotCount))
    }

    /// The header stored for `height`, or nil when its slot holds none or another height's.
    func header(at height: UInt64) -> BlockHeader? {
        slots.withLock { slots in
            guard let header = slots[Self.slot(of: height)], header.height == height else { return nil }
            return header
        }
    }

    /// Keeps `header` in its height's slot, in place of what the slot held.
    func keep(_ header: BlockHeader) {
        slots.withLock { $0[Self.slot(of: header.height)] = header }
    }

    private static func slot(of height: UInt64) -> Int {
        Int(height % UInt64(slotCount))
    }
}
