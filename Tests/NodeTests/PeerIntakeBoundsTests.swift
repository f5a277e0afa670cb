import ChainTypes
import Consensus
import Keys
import PeerNetwork
import Testing

@testable import Node

/// Issue 13, defects 5 and 9: the node's intake is bounded and fair per peer, state transfer is served
/// within a byte budget and a per-peer rate, and proposals are held to the chain's block bytes.
@Suite("Peer intake bounds")
struct PeerIntakeBoundsTests {
    // MARK: Driver inbox (defect 9)

    @Test("a peer flooding the driver's inbox fills only its own queue; other peers' messages still get in")
    func floodingPeerCannotCrowdOutOthers() {
        var inbox = DriverInbox<String>(perPeerMax: 4, perPeerBytesMax: 1_000, localMax: 2)
        for index in 0..<100 { _ = inbox.append("flood-\(index)", from: "byzantine", bytes: 10) }
        #expect(inbox.droppedCount == 96)
        let outcome1 = inbox.append("prepare", from: "honest-1", bytes: 10)
        #expect(outcome1)
        let outcome2 = inbox.append("commit", from: "honest-2", bytes: 10)
        #expect(outcome2)
        let outcome3 = inbox.append("tick", from: nil)
        #expect(outcome3)
        let taken = inbox.takeAll()
        #expect(taken.first == "tick", "the node's own events come first")
        #expect(taken.contains("prepare") && taken.contains("commit"))
        // Round-robin: the honest peers' messages are not queued behind the flood.
        #expect(taken.firstIndex(of: "prepare")! < 4 && taken.firstIndex(of: "commit")! < 4)
        #expect(inbox.isEmpty)
        // Once drained, the flooding peer may queue again.
        let outcome4 = inbox.append("flood-again", from: "byzantine", bytes: 10)
        #expect(outcome4)
    }

    @Test("a peer's queue is bounded by bytes too, but one message of any size fits an empty queue")
    func inboxBytes() {
        var inbox = DriverInbox<Int>(perPeerMax: 100, perPeerBytesMax: 100, localMax: 1)
        let outcome5 = inbox.append(1, from: "p", bytes: 500)
        #expect(outcome5, "a largest message is never refused for size alone")
        let outcome6 = inbox.append(2, from: "p", bytes: 1)
        #expect(!outcome6)
        let taken = inbox.takeAll()
        #expect(taken == [1])
        let outcome7 = inbox.append(3, from: "p", bytes: 60)
        #expect(outcome7)
        let outcome8 = inbox.append(4, from: "p", bytes: 60)
        #expect(!outcome8)
        let outcome9 = inbox.append(5, from: "p", bytes: 40)
        #expect(outcome9)
        let local = inbox.append(6, from: nil)
        let localFull = inbox.append(7, from: nil)
        #expect(local && !localFull, "the node's own queue is bounded as well")
    }

    @Test("an intake stage's budget is per peer: one peer spending its own leaves the others theirs")
    func peerBudget() {
        let budget = PeerBudget(countMax: 2, bytesMax: 100)
        #expect(budget.reserve("byzantine", bytes: 1_000), "one item of any size fits an empty budget")
        #expect(!budget.reserve("byzantine", bytes: 1))
        #expect(budget.reserve("honest", bytes: 60))
        #expect(budget.reserve("honest", bytes: 40))
        #expect(!budget.reserve("honest", bytes: 1), "count bound")
        budget.release("byzantine", bytes: 1_000)
        #expect(budget.count(of: "byzantine") == 0)
        #expect(budget.reserve("byzantine", bytes: 10) && budget.reserve("byzantine", bytes: 10))
        budget.release("honest", bytes: 60)
        #expect(!budget.reserve("honest", bytes: 61), "bytes bound")
        #expect(budget.reserve("honest", bytes: 60))
    }

    // MARK: Serving state transfer (defects 5 and 9)

    @Test("fetchBlocks requests are answered at most at the per-peer rate, each peer on its own bucket")
    func fetchRate() {
        var rate = FetchRate<String>(perSecond: 2, burstMax: 3)
        let start: UInt64 = 1_000
        let answered = (0..<10).filter { _ in rate.allows("byzantine", atMs: start) }.count
        #expect(answered == 3, "a burst, then nothing")
        let outcome10 = rate.allows("honest", atMs: start)
        #expect(outcome10, "another peer has its own bucket")
        let outcome11 = rate.allows("byzantine", atMs: start + 100)
        #expect(!outcome11)
        let outcome12 = rate.allows("byzantine", atMs: start + 500)
        #expect(outcome12, "refilled at 2 per second")
        let outcome13 = rate.allows("byzantine", atMs: start + 500)
        #expect(!outcome13)
        let later = start + 86_400_000
        let afterADay = (0..<10).filter { _ in rate.allows("byzantine", atMs: later) }.count
        #expect(afterADay == 3, "never more than the burst")
    }

    /// A committed block at `height` whose transactions take about `transactionBytes` bytes.
    static func committed(height: UInt64, transactionBytes: Int) throws -> CommittedBlock {
        let key = try PrivateKey(bytes: [UInt8](repeating: 7, count: 31) + [1])
        var transactions: [Transaction] = []
        var bytes = 0
        while bytes < transactionBytes {
            let payload = [UInt8](repeating: 1, count: min(Limits.transactionPayloadBytesMax, transactionBytes - bytes))
            let body = TransactionBody(
                chainId: "sbp-test", sender: key.address, nonce: UInt64(transactions.count), kind: .call, payload: payload, fuelLimit: 1,
                expiryHeight: 10)
            let transaction = try Transaction(signing: body, with: key)
            transactions.append(transaction)
            bytes += transaction.encodedByteCount
        }
        let header = BlockHeader(
            chainId: "sbp-test", height: height, view: 0, timestampMs: height, parentHash: .zero, proposer: key.address,
            transactionsRoot: Block.transactionsRoot(of: transactions), lastCommitHash: .zero, previousReceiptsRoot: .zero,
            stateRoot: .zero,
            validatorsHash: .zero)
        let block = Block(header: header, transactions: transactions, lastCommit: nil)
        let certificate = try CommitCertificate(
            height: height, view: 0, blockHash: block.hash, votes: [CommitVote(validatorIndex: 0, signature: key.sign(block.hash))])
        return CommittedBlock(block: block, certificate: certificate)
    }

    @Test("a state-transfer reply stops adding blocks at its byte budget, and always carries one block (defect 5)")
    func replyBoundedByBytes() throws {
        let chain = try (1...10).map { try Self.committed(height: UInt64($0), transactionBytes: 300_000) }
        func read(_ height: UInt64) -> CommittedBlock? { height <= 10 ? chain[Int(height) - 1] : nil }
        let server = BlockServer(blocksMax: ConsensusLimits.fetchBlocksMax, bytesMax: 1_000_000)
        let reply = server.reply(from: 2, read: read)
        #expect(reply.map(\.block.height) == [2, 3, 4])
        let size = reply.reduce(0) { $0 + BlockServer.encodedByteCount(of: $1) }
        #expect(size <= 1_000_000)
        // The computed size is the encoding's.
        #expect(BlockServer.encodedByteCount(of: chain[0]) == chain[0].canonicalBytes.count)
        // A block larger than the budget still goes, alone.
        #expect(BlockServer(blocksMax: 32, bytesMax: 1_000).reply(from: 5, read: read).map(\.block.height) == [5])
        #expect(BlockServer().reply(from: 11, read: read).isEmpty)
        #expect(BlockServer().reply(from: 0, read: read).isEmpty)
        #expect(BlockServer(blocksMax: 2, bytesMax: .max).reply(from: 1, read: read).count == 2)
    }

    // MARK: Block bytes on proposals (defect 5)

    @Test("replicas refuse a proposal whose transactions exceed blockBytesMax less the header reserve")
    func proposalBlockBytes() throws {
        let transactions = try Self.committed(height: 1, transactionBytes: 600_000).block.transactions
        let bytes = transactions.reduce(0) { $0 + $1.encodedByteCount }
        let fits = LedgerScreen(chainId: "sbp-test", blockBytesMax: { bytes + NodeLimits.proposalBytesReserve })
        #expect(fits.fitsBlockBytes(transactions))
        let tooSmall = LedgerScreen(chainId: "sbp-test", blockBytesMax: { bytes + NodeLimits.proposalBytesReserve - 1 })
        #expect(!tooSmall.fitsBlockBytes(transactions))
        #expect(!tooSmall.accepts(transactions))
        let unreadable = LedgerScreen(chainId: "sbp-test", blockBytesMax: { nil })
        #expect(!unreadable.accepts(transactions))
    }
}
