import ChainTypes
import Consensus
import PeerNetwork
import Testing

@testable import Node

@Suite("Node limits")
struct NodeLimitsTests {
    @Test("defaults are within their limits and a full network fits the validator set and the port range")
    func relationships() {
        #expect(NodeLimits.mempoolTransactionsMaxDefault <= NodeLimits.mempoolTransactionsMaxLimit)
        #expect(NodeLimits.mempoolBytesMaxDefault <= NodeLimits.mempoolBytesMaxLimit)
        #expect(NodeLimits.mempoolBytesMaxDefault >= Limits.transactionBytesMax, "a default mempool holds a largest transaction")
        #expect(NodeLimits.mempoolTransactionsPerSenderMaxDefault <= NodeLimits.mempoolTransactionsMaxDefault)
        #expect(
            NodeLimits.mempoolGossipMessageBytesMaxDefault >= MempoolGossip.messageBytesMin, "a gossip message holds a largest transaction")
        #expect(NodeLimits.mempoolGossipMessageBytesMaxDefault < PeerNetworkLimits.frameBytesMax, "a gossip message fits a peer frame")
        #expect(NodeLimits.mempoolGossipTransactionsPerMessageMax >= Limits.blockTransactionsMax, "one message can refill a block")
        #expect(NodeLimits.mempoolRegossipTransactionsMax <= NodeLimits.mempoolTransactionsMaxDefault)
        #expect(NodeLimits.mempoolRegossipIntervalMs > 0)
        #expect(NodeLimits.mempoolFutureNonceWindow >= 1)
        #expect(NodeLimits.mempoolFutureNonceWindow <= UInt64(NodeLimits.mempoolTransactionsPerSenderMaxDefault))
        #expect(NodeLimits.mempoolFutureTransactionsMaxDefault < NodeLimits.mempoolTransactionsMaxDefault, "ready transactions keep room")
        #expect(
            NodeLimits.mempoolFutureNonceTimeoutMs >= 4 * NodeLimits.mempoolRegossipIntervalMs,
            "a gap waits several re-gossip rounds before its queued nonces are evicted")
        #expect(NodeLimits.certificateValidityDaysDefault <= NodeLimits.certificateValidityDaysMax)
        #expect(NodeLimits.validatorsPerDepartmentMax <= Limits.validatorsMax)
        #expect(NodeLimits.departmentsMax <= Limits.genesisDepartmentsMax)
        #expect(NodeLimits.peersMax >= Limits.validatorsMax - 1, "a config can list every other validator")
        #expect(NodeLimits.p2pBasePortDefault + Limits.validatorsMax <= 65536)
        #expect(NodeLimits.rpcBasePortDefault + Limits.validatorsMax <= NodeLimits.p2pBasePortDefault, "default port ranges never overlap")
        #expect(NodeLimits.contractFileBytesMax <= Limits.transactionPayloadBytesMax)
    }

    /// The largest header and commit certificate (256 votes) the decoders accept, encoded.
    static func largestHeaderAndCertificateBytes() throws -> Int {
        let header = BlockHeader(
            chainId: String(repeating: "c", count: Limits.chainIdBytesMax), height: .max, view: .max, timestampMs: .max,
            parentHash: .zero, proposer: .zero, transactionsRoot: .zero, lastCommitHash: .zero, previousReceiptsRoot: .zero,
            stateRoot: .zero, validatorsHash: .zero)
        let signature = try RecoverableSignature(compact: [UInt8](repeating: 1, count: 64), recoveryId: 0)
        let certificate = try CommitCertificate(
            height: .max, view: .max, blockHash: .zero,
            votes: (0..<Limits.validatorsMax).map { CommitVote(validatorIndex: UInt16($0), signature: signature) })
        return header.canonicalBytes.count + certificate.canonicalBytes.count
    }

    /// Issue 13, defect 5: limits that must fit inside each other, checked together (DESIGN §1.6).
    @Test("byte budgets fit together: a block within blockBytesMax, a state-transfer reply within a frame")
    func byteBudgetRelationships() throws {
        let overhead = try Self.largestHeaderAndCertificateBytes()
        // A block: header, u32 transaction count, optional last commit; the transactions get the rest.
        #expect(overhead + 4 + 1 <= NodeLimits.proposalBytesReserve, "the reserve holds the largest header and certificate")
        #expect(NodeLimits.proposalBytesReserve < Limits.transactionBytesMax, "a block of the smallest legal budget holds a transaction")
        #expect(Limits.blockBytesMax < PeerNetworkLimits.frameBytesMax, "a largest block fits a frame")
        // A state-transfer reply: at least one block with its certificate, then blocks up to the budget.
        let largestCommittedBlock = Limits.blockBytesMax + overhead
        #expect(
            largestCommittedBlock + NodeLimits.fetchBlocksReplyOverheadBytes < PeerNetworkLimits.frameBytesMax,
            "a reply of one largest block fits a frame")
        // `BlockServer` adds a block past the first only within the budget: a reply is at most the larger.
        #expect(
            max(NodeLimits.fetchBlocksReplyBytesMax, largestCommittedBlock) + NodeLimits.fetchBlocksReplyOverheadBytes
                < PeerNetworkLimits.frameBytesMax,
            "every reply fits a frame")
        #expect(NodeLimits.fetchBlocksReplyBytesMax <= PeerNetworkLimits.sendQueueBytesMax / 4, "a reply leaves room in a send queue")
        #expect(ConsensusLimits.fetchBlocksMax >= 1)
        // The reply's own overhead: peer-message tag, consensus-message tag, u32 block count.
        let empty = PeerMessage.consensus(.blocks([])).canonicalBytes.count
        #expect(empty <= NodeLimits.fetchBlocksReplyOverheadBytes)
        // Intake: a peer's stage always admits one largest frame, and the driver's queue at least one.
        #expect(NodeLimits.intakePerPeerBytesMax >= PeerNetworkLimits.frameBytesMax)
        #expect(NodeLimits.inboxPerPeerMax >= 1 && NodeLimits.verificationsPerPeerMax >= 1 && NodeLimits.gossipPerPeerMax >= 1)
        #expect(NodeLimits.fetchBlocksBurstMax >= 1 && NodeLimits.fetchBlocksPerPeerPerSecond >= 1)
    }
}
