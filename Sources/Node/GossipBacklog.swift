import Foundation

/// Peer gossip messages received and not yet admitted, which a primary about to propose waits for (bounded).
///
/// Peer gossip is admitted only between blocks (`Ledger.awaitBlockInProgress`), so at the moment a primary
/// finishes a block its peers' transactions of the last block interval are still queued, and the proposal
/// it makes at once held only what its own clients sent: the others' transactions waited one more block
/// (issue 18: with clients sending small batches to every node, three quarters of the transactions of a
/// four-validator network). The primary now waits until the gossip it had received when it came to propose
/// is admitted, at most `NodeLimits.proposalGossipWaitMs`: data already on the node, not a timer.
final class GossipBacklog: @unchecked Sendable {
    private let condition = NSCondition()
    private var received: UInt64 = 0
    private var admitted: UInt64 = 0

    init() {}

    /// A gossip message was queued for admission.
    func arrived() {
        condition.lock()
        received &+= 1
        condition.unlock()
    }

    /// A queued gossip message was admitted (or given up on).
    func finished() {
        condition.lock()
        admitted &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Messages queued and not yet admitted.
    var waiting: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return received &- admitted
    }

    /// Returns once as many messages were admitted as had been received when it was called, or at `deadline`;
    /// true when they were. Messages from different peers are admitted in parallel, so this counts rather than
    /// tracks each message.
    @discardableResult
    func awaitReceived(until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let target = received
        while admitted < target {
            if !condition.wait(until: deadline) { return admitted >= target }
        }
        return true
    }
}
