import ChainTypes

/// Builds the writer's chain: structurally valid blocks with a few transactions and a certificate each.
///
/// Everything is derived from the height, so a restarted writer produces the same block it would have
/// produced before the kill. Signatures are well-formed placeholders: storage checks no cryptography.
enum CrashBlockBuilder {
    static let chainId = "sbp-crash-test"
    /// Transactions in each block.
    static let transactionsPerBlock = 3
    /// Votes in each certificate (a quorum of a four-validator set).
    static let votesPerCertificate = 3

    static let signature: RecoverableSignature = {
        do {
            return try RecoverableSignature(compact: [UInt8](repeating: 0x01, count: 64), recoveryId: 0)
        } catch {
            preconditionFailure("placeholder signature is not canonical: \(error)")
        }
    }()

    static func transactions(at height: UInt64) -> [Transaction] {
        (0..<UInt64(transactionsPerBlock)).map { index in
            let sender = Address(publicKeyDigest: Hash.sha256(Array("sender-\(index)".utf8)))
            let body = TransactionBody(
                chainId: chainId, sender: sender, nonce: height, kind: .call,
                payload: Array("height \(height) transaction \(index)".utf8), fuelLimit: 1_000, expiryHeight: height + 10)
            return Transaction(body: body, signature: signature)
        }
    }

    static func block(at height: UInt64, parentHash: Hash, lastCommit: CommitCertificate?) -> Block {
        let transactions = transactions(at: height)
        let header = BlockHeader(
            chainId: chainId, height: height, view: 0, timestampMs: 1_700_000_000_000 + height * 1_000,
            parentHash: parentHash, proposer: .zero,
            transactionsRoot: Block.transactionsRoot(of: transactions),
            lastCommitHash: Block.lastCommitHash(of: lastCommit),
            previousReceiptsRoot: MerkleRoot.empty, stateRoot: MerkleRoot.empty, validatorsHash: .zero)
        return Block(header: header, transactions: transactions, lastCommit: lastCommit)
    }

    static func certificate(for block: Block) throws(CanonicalDecodingError) -> CommitCertificate {
        let votes = (0..<UInt16(votesPerCertificate)).map { CommitVote(validatorIndex: $0, signature: signature) }
        return try CommitCertificate(height: block.height, view: block.header.view, blockHash: block.hash, votes: votes)
    }
}
