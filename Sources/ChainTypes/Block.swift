/// A block: header, transactions, and the commit certificate of the previous block.
public struct Block: Hashable, Sendable {
    public var header: BlockHeader
    public var transactions: [Transaction]
    /// The commit certificate of block `height − 1`; absent only at height 1 (PBFT-NOTES rule 21).
    public var lastCommit: CommitCertificate?

    public init(header: BlockHeader, transactions: [Transaction], lastCommit: CommitCertificate?) {
        self.header = header
        self.transactions = transactions
        self.lastCommit = lastCommit
    }

    public var hash: Hash { header.hash }
    public var height: UInt64 { header.height }

    /// The root a header must carry for these transactions: over each signed transaction, signature
    /// included (`Transaction.signedHash`), so the block hash commits to what executes.
    public static func transactionsRoot(of transactions: [Transaction]) -> Hash {
        MerkleRoot.of(transactions.map(\.signedHash))
    }

    /// The hash a header must carry for this last commit (zero when there is none).
    public static func lastCommitHash(of certificate: CommitCertificate?) -> Hash {
        certificate?.hash ?? .zero
    }

    /// Checks that the header commits to the body it travels with; signatures and state are checked elsewhere.
    ///
    /// `transactionHashes`, when the caller has already hashed the transactions' bodies, saves hashing them
    /// again; the root still covers each transaction's signature.
    public func checkStructure(transactionHashes: [Hash]? = nil) throws(BlockStructureError) {
        guard header.height >= 1 else { throw .heightZero }
        let root: Hash
        if let transactionHashes, transactionHashes.count == transactions.count {
            // The transactions are read in place (here and below): iterating them copied each one out, retaining
            // and releasing its arrays, for every transaction of every block a node executes (issue 18).
            root = transactions.withUnsafeBufferPointer { transactions in
                MerkleRoot.of(
                    transactionHashes.indices.map {
                        Transaction.signedHash(bodyHash: transactionHashes[$0], signature: transactions[$0].signature)
                    })
            }
        } else {
            root = Block.transactionsRoot(of: transactions)
        }
        guard root == header.transactionsRoot else { throw .transactionsRootMismatch }
        guard Block.lastCommitHash(of: lastCommit) == header.lastCommitHash else { throw .lastCommitHashMismatch }
        switch (header.height, lastCommit) {
        case (1, .some): throw .unexpectedLastCommit
        case (1, .none): break
        case (_, .none): throw .missingLastCommit
        case (let height, .some(let certificate)):
            guard certificate.height == height - 1, certificate.blockHash == header.parentHash else {
                throw .lastCommitForWrongBlock(height: certificate.height, blockHash: certificate.blockHash)
            }
        }
        let chainId = header.chainId
        if let index = transactions.withUnsafeBufferPointer({ transactions in
            transactions.indices.first { transactions[$0].body.chainId != chainId }
        }) {
            throw .transactionForOtherChain(transactions[index].hash, chainId: transactions[index].body.chainId)
        }
    }
}

/// Why a block's body does not match its header.
public enum BlockStructureError: Error, Equatable, Sendable {
    case heightZero
    case transactionsRootMismatch
    case lastCommitHashMismatch
    case unexpectedLastCommit
    case missingLastCommit
    case lastCommitForWrongBlock(height: UInt64, blockHash: Hash)
    case transactionForOtherChain(Hash, chainId: String)
}

extension Block: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(header)
        encoder.write(sequence: transactions)
        encoder.write(optional: lastCommit)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        header = try decoder.read()
        transactions = try decoder.readSequence(field: "block.transactions", limit: Limits.blockTransactionsMax)
        lastCommit = try decoder.readOptional()
    }
}
