import ChainTypes

/// Builds a chain of structurally valid blocks and matching commit certificates for storage tests.
///
/// Signatures are well-formed placeholders (r = s = 32 bytes of 0x01 is a canonical low-S scalar pair):
/// storage never checks cryptography, only that the bytes round-trip and the chain links up.
struct TestChain {
    static let chainId = "sbp-storage-test"

    static let signature: RecoverableSignature = {
        do {
            return try RecoverableSignature(compact: [UInt8](repeating: 0x01, count: 64), recoveryId: 1)
        } catch {
            preconditionFailure("placeholder signature is not canonical: \(error)")
        }
    }()

    private(set) var height: UInt64 = 0
    private(set) var parentHash = Hash.zero
    private(set) var lastCommit: CommitCertificate?

    /// The next block with `transactionCount` transactions and its certificate; `advance` makes it the tip.
    func next(transactionCount: Int = 2, view: UInt64 = 0) -> (block: Block, certificate: CommitCertificate) {
        let block = TestChain.block(
            at: height + 1, parentHash: parentHash, lastCommit: lastCommit, transactionCount: transactionCount, view: view)
        return (block, TestChain.certificate(for: block))
    }

    /// Makes `block` and `certificate` the tip of the chain.
    mutating func advance(_ block: Block, _ certificate: CommitCertificate) {
        height = block.height
        parentHash = block.hash
        lastCommit = certificate
    }

    static func transaction(height: UInt64, index: Int) -> Transaction {
        let sender = Address(publicKeyDigest: Hash.sha256([UInt8(truncatingIfNeeded: index)]))
        let body = TransactionBody(
            chainId: chainId, sender: sender, nonce: height, kind: .call,
            payload: Array("tx \(index) at \(height)".utf8), fuelLimit: 10_000, expiryHeight: height + 100)
        return Transaction(body: body, signature: signature)
    }

    static func block(at height: UInt64, parentHash: Hash, lastCommit: CommitCertificate?, transactionCount: Int, view: UInt64 = 0) -> Block
    {
        let transactions = (0..<transactionCount).map { transaction(height: height, index: $0) }
        let header = BlockHeader(
            chainId: chainId, height: height, view: view, timestampMs: 1_000 * height, parentHash: parentHash,
            proposer: .zero, transactionsRoot: Block.transactionsRoot(of: transactions),
            lastCommitHash: Block.lastCommitHash(of: lastCommit), previousReceiptsRoot: MerkleRoot.empty,
            stateRoot: MerkleRoot.empty, validatorsHash: .zero)
        return Block(header: header, transactions: transactions, lastCommit: lastCommit)
    }

    static func certificate(for block: Block, height: UInt64? = nil, blockHash: Hash? = nil) -> CommitCertificate {
        let votes = (0..<UInt16(3)).map { CommitVote(validatorIndex: $0, signature: signature) }
        do {
            return try CommitCertificate(
                height: height ?? block.height, view: block.header.view, blockHash: blockHash ?? block.hash, votes: votes)
        } catch {
            preconditionFailure("votes are ascending: \(error)")
        }
    }
}
