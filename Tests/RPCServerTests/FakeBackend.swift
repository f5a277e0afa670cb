import ChainTypes
import RPCServer

/// An in-memory backend with fixed chain data, for driving the engine and the server in tests.
///
/// It holds blocks 1...3 (block 1 pruned when `lowestRetainedHeight` is 2), one committed receipt, and
/// answers submissions with `submissionOutcome`; everything it was sent is recorded for assertions.
actor FakeBackend: RPCBackend {
    var status = Fixtures.status
    var ready = true
    var blocks: [UInt64: Block] = [1: Fixtures.block(height: 1), 2: Fixtures.block(height: 2), 3: Fixtures.block(height: 3)]
    var lowestRetainedHeight: UInt64 = 1
    var receipts: [Hash: CommittedReceipt] = [Fixtures.receipt.receipt.transactionHash: Fixtures.receipt]
    var submissionOutcome = TransactionSubmission.accepted
    /// When set, every call fails with `.internalFailure` carrying this detail.
    var failure: String?
    private(set) var submitted: [Transaction] = []

    func setReady(_ value: Bool) { ready = value }
    func setFailure(_ detail: String?) { failure = detail }
    func setSubmissionOutcome(_ outcome: TransactionSubmission) { submissionOutcome = outcome }
    func setLowestRetainedHeight(_ height: UInt64) { lowestRetainedHeight = height }
    func setStatus(_ value: NodeStatus) { status = value }

    func nodeStatus() async throws(RPCBackendError) -> NodeStatus {
        if let failure { throw .internalFailure(failure) }
        return status
    }

    func isReady() async -> Bool { ready }

    func submitTransaction(_ transaction: Transaction) async throws(RPCBackendError) -> TransactionSubmission {
        if let failure { throw .internalFailure(failure) }
        submitted.append(transaction)
        return submissionOutcome
    }

    func receipt(forTransaction hash: Hash) async throws(RPCBackendError) -> CommittedReceipt? {
        if let failure { throw .internalFailure(failure) }
        return receipts[hash]
    }

    func block(atHeight height: UInt64) async throws(RPCBackendError) -> Block {
        if let failure { throw .internalFailure(failure) }
        let latest = blocks.keys.max() ?? 0
        guard height <= latest else { throw .unknownBlock(height: height, latestHeight: latest) }
        guard height >= lowestRetainedHeight, let block = blocks[height] else {
            throw .pruned(height: height, lowestRetainedHeight: lowestRetainedHeight)
        }
        return block
    }
}

/// Deterministic chain values: every byte is derived from a small seed, so golden files never change.
enum Fixtures {
    static let chainId = "sbp-test"

    static func hash(_ seed: UInt8) -> Hash { Hash(bytes: [UInt8](repeating: seed, count: 32))! }
    static func address(_ seed: UInt8) -> Address { Address(bytes: [UInt8](repeating: seed, count: 20))! }

    /// A signature in canonical form (r and s in range, low S); it signs nothing, the fake never checks it.
    static func signature(_ seed: UInt8) -> RecoverableSignature {
        try! RecoverableSignature(compact: [UInt8](repeating: seed, count: 32) + [UInt8](repeating: 0x22, count: 32), recoveryId: 1)
    }

    static func transaction(nonce: UInt64, payload: [UInt8] = [0xca, 0xfe], fuelLimit: UInt64 = 50_000) -> Transaction {
        let body = TransactionBody(
            chainId: chainId, sender: address(0xa1), nonce: nonce, kind: .call, payload: payload, fuelLimit: fuelLimit,
            expiryHeight: 1_000)
        return Transaction(body: body, signature: signature(0x11))
    }

    static func block(height: UInt64) -> Block {
        let transactions = (0..<UInt64(2)).map { transaction(nonce: height * 10 + $0) }
        let lastCommit: CommitCertificate? =
            height == 1
            ? nil
            : try! CommitCertificate(
                height: height - 1, view: 0, blockHash: hash(UInt8(height - 1)),
                votes: [
                    CommitVote(validatorIndex: 0, signature: signature(0x31)), CommitVote(validatorIndex: 2, signature: signature(0x32)),
                ])
        let header = BlockHeader(
            chainId: chainId, height: height, view: 0, timestampMs: 1_700_000_000_000 + height * 1_000,
            parentHash: height == 1 ? .zero : hash(UInt8(height - 1)), proposer: address(0xb0 + UInt8(height)),
            transactionsRoot: Block.transactionsRoot(of: transactions), lastCommitHash: Block.lastCommitHash(of: lastCommit),
            previousReceiptsRoot: hash(0xe0), stateRoot: hash(0xf0), validatorsHash: hash(0xd0))
        return Block(header: header, transactions: transactions, lastCommit: lastCommit)
    }

    static let status = NodeStatus(
        chainId: chainId, nodeId: "td-node-1", latestHeight: 3, latestHash: hash(0x03), view: 2, peersConnected: 3, syncing: false)

    /// The receipt of block 2's first transaction: a success with one event and return data.
    static let receipt = CommittedReceipt(
        receipt: Receipt(
            transactionHash: block(height: 2).transactions[0].hash, status: .success, fuelUsed: 12_345, errorMessage: "",
            events: [Event(contract: address(0xc1), topic: "LicenceIssued", data: [0x01, 0x02, 0x03])], returnData: [0x2a]),
        height: 2, index: 0, blockHash: block(height: 2).hash)
}
