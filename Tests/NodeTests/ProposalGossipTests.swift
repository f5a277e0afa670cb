import ChainTypes
import Foundation
import Logging
import Synchronization
import Testing

@testable import Node

/// Issue 18: a primary proposes only after the peer gossip it has received is admitted (`GossipBacklog`),
/// so its peers' transactions of the last block interval go into the next block instead of the one after.
@Suite("Proposals wait for received gossip")
struct ProposalGossipTests {
    /// Runs `proposals.proposal` on a thread of its own and reports the batch when it returns.
    final class ProposalRun: @unchecked Sendable {
        private let condition = NSCondition()
        private var batch: [Transaction]?

        init(_ proposals: MempoolProposals) {
            Thread {
                let batch = proposals.proposal(transactionsMax: 100, bytesMax: 1 << 20, fuelMax: .max)
                self.condition.lock()
                self.batch = batch
                self.condition.broadcast()
                self.condition.unlock()
            }.start()
        }

        /// The batch, once the proposal returned before `deadline`; nil when it is still waiting then.
        func result(before deadline: Date) -> [Transaction]? {
            condition.lock()
            defer { condition.unlock() }
            while batch == nil, condition.wait(until: deadline) {}
            return batch
        }
    }

    @Test("a proposal waits until the gossip received before it is admitted, and takes its transactions")
    func proposalTakesReceivedGossip() throws {
        let harness = try MempoolHarness()
        let backlog = GossipBacklog()
        let proposals = MempoolProposals(
            mempool: harness.mempool, logger: Logger(label: "test"), gossipBacklog: backlog, gossipWait: .seconds(60))
        let gossiped = harness.call(from: harness.senders[0])
        backlog.arrived()  // a peer's message is queued for admission as the primary comes to propose
        let run = ProposalRun(proposals)
        // Without the wait the proposal returns at once, empty; with it, it is still waiting here.
        #expect(run.result(before: Date(timeIntervalSinceNow: 0.2)) == nil, "the proposal did not wait for the queued gossip")
        #expect(harness.mempool.add(gossiped, origin: .peer) == .success(.added))
        backlog.finished()
        let batch = try #require(run.result(before: Date(timeIntervalSinceNow: 60)))
        #expect(batch.map(\.hash) == [gossiped.hash])
    }

    /// A pool holding one transaction of this node's own clients, and a gossip message queued that is never admitted.
    static func ownTransactionAndStuckGossip(wait: Duration) throws -> (
        proposals: MempoolProposals, backlog: GossipBacklog, own: Transaction
    ) {
        let harness = try MempoolHarness()
        let backlog = GossipBacklog()
        let proposals = MempoolProposals(mempool: harness.mempool, logger: Logger(label: "test"), gossipBacklog: backlog, gossipWait: wait)
        let own = harness.call(from: harness.senders[0])
        #expect(harness.mempool.add(own, origin: .local) == .success(.added))
        backlog.arrived()
        return (proposals, backlog, own)
    }

    @Test("the wait is bounded: gossip that is never admitted delays a proposal by at most the bound")
    func waitIsBounded() throws {
        let (proposals, backlog, own) = try Self.ownTransactionAndStuckGossip(wait: .milliseconds(50))
        let started = ContinuousClock.now
        let batch = proposals.proposal(transactionsMax: 100, bytesMax: 1 << 20, fuelMax: .max)
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(batch.map(\.hash) == [own.hash])
        #expect(backlog.waiting == 1)
    }

    @Test("a pool that already holds a full block does not wait")
    func fullPoolDoesNotWait() throws {
        let (proposals, _, own) = try Self.ownTransactionAndStuckGossip(wait: .seconds(60))
        let started = ContinuousClock.now
        let batch = proposals.proposal(transactionsMax: 1, bytesMax: 1 << 20, fuelMax: .max)
        #expect(ContinuousClock.now - started < .seconds(30), "waited for gossip with a full block in the pool")
        #expect(batch.map(\.hash) == [own.hash])
    }

    @Test("the intake counts every gossip message it queues as finished once handled, also one that closed the link")
    func intakeFinishesWhatItQueued() async throws {
        let harness = try MempoolHarness()
        let sink = PeerIntakeTests.RecordingSink(chainId: harness.chain.chainId)
        let intake = try PeerIntakeTests.intake(harness, sink: sink)
        let good = harness.call(from: harness.senders[0])
        var bad = harness.call(from: harness.senders[1])
        bad.signature = harness.senders[2].sign(bad.hash)
        let honest = PeerIntakeTests.RecordingLink("immd-1")
        let byzantine = PeerIntakeTests.RecordingLink("epd-1")
        for message in MempoolGossip().messages(for: [good]) { intake.enqueue(PeerIntakeTests.frame(.gossip(message)), from: honest) }
        for message in MempoolGossip().messages(for: [bad]) { intake.enqueue(PeerIntakeTests.frame(.gossip(message)), from: byzantine) }
        await intake.drained("immd-1")
        await intake.drained("epd-1")
        #expect(intake.gossipBacklog.waiting == 0)
        #expect(intake.gossipBacklog.awaitReceived(until: Date()))
        #expect(harness.mempool.count == 1)
    }
}
