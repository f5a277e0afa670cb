import ChainTypes
import Keys

/// Builds a valid chain of signed blocks for the block-write benchmark, one block at a time.
///
/// Each block extends the previous one (parent hash, height), carries the previous block's commit
/// certificate, and gets a certificate of `votesPerCertificate` COMMIT votes signed by real validator
/// keys, so `BlockStore.append` accepts it and the stored bytes have realistic sizes.
struct BenchChain {
    /// Votes per certificate: a quorum (2f + 1) of a four-validator set.
    static let votesPerCertificate = 3
    /// Distinct senders the transactions rotate through.
    static let sendersCount = 16

    private let validators = (0..<votesPerCertificate).map { _ in PrivateKey() }
    private let senders = (0..<sendersCount).map { _ in PrivateKey() }
    private var nonces = [UInt64](repeating: 0, count: sendersCount)
    private var height: UInt64 = 0
    private var parentHash = Hash.zero
    private var lastCommit: CommitCertificate?

    /// The next block with `transactionsCount` freshly signed transactions, and its commit certificate.
    mutating func nextBlock(transactionsCount: Int) throws -> (Block, CommitCertificate) {
        height += 1
        var transactions: [Transaction] = []
        transactions.reserveCapacity(transactionsCount)
        for index in 0..<transactionsCount {
            let sender = index % senders.count
            nonces[sender] += 1
            transactions.append(try CallTransaction.signed(by: senders[sender], nonce: nonces[sender]))
        }
        let header = BlockHeader(
            chainId: CallTransaction.chainId, height: height, view: 0, timestampMs: 1_800_000_000_000 + height * 1_000,
            parentHash: parentHash, proposer: validators[0].address,
            transactionsRoot: Block.transactionsRoot(of: transactions),
            lastCommitHash: Block.lastCommitHash(of: lastCommit),
            previousReceiptsRoot: MerkleRoot.empty, stateRoot: MerkleRoot.empty, validatorsHash: .zero)
        let block = Block(header: header, transactions: transactions, lastCommit: lastCommit)
        try block.checkStructure()
        let certificate = try certificate(for: block)
        parentHash = block.hash
        lastCommit = certificate
        return (block, certificate)
    }

    private func certificate(for block: Block) throws -> CommitCertificate {
        let digest = CommitVote.signingDigest(
            chainId: CallTransaction.chainId, view: block.header.view, height: block.height, blockHash: block.hash)
        let votes = validators.enumerated().map { index, key in
            CommitVote(validatorIndex: UInt16(index), signature: key.sign(digest))
        }
        return try CommitCertificate(height: block.height, view: block.header.view, blockHash: block.hash, votes: votes)
    }
}
