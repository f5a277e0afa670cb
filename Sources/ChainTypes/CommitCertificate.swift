/// One validator's signed COMMIT for a block, as carried in a commit certificate.
public struct CommitVote: Hashable, Sendable {
    /// The validator's position in the validator set in force at the block's height.
    public var validatorIndex: UInt16
    public var signature: RecoverableSignature

    public init(validatorIndex: UInt16, signature: RecoverableSignature) {
        self.validatorIndex = validatorIndex
        self.signature = signature
    }

    /// The digest a validator signs in `⟨COMMIT, v, h, d⟩` (PBFT §4.2; `docs/protocol.md` §Consensus messages).
    ///
    /// It is the consensus-message digest of (chain id, type COMMIT, view, height, block hash), so a
    /// certificate is exactly a set of COMMIT messages that anyone can re-check.
    public static func signingDigest(chainId: String, view: UInt64, height: UInt64, blockHash: Hash) -> Hash {
        var encoder = CanonicalEncoder()
        encoder.write(text: chainId)
        encoder.write(ConsensusMessageType.commit.rawValue)
        encoder.write(view)
        encoder.write(height)
        encoder.write(blockHash)
        return Hash.tagged(.consensusMessage, encoder.bytes)
    }
}

/// Type tags of signed consensus messages; the tag is part of every signed digest.
public enum ConsensusMessageType: UInt8, Sendable, CaseIterable {
    case prePrepare = 1
    case prepare = 2
    case commit = 3
    case checkpoint = 4
    case viewChange = 5
    case newView = 6
}

/// The proof that a block was committed: a quorum of signed COMMITs for (view, height, block hash).
///
/// Stored with the block and carried in the next block (PBFT-NOTES rules 5 and 21). Votes are in strictly
/// ascending validator index, so a certificate has one encoding and no validator counts twice.
public struct CommitCertificate: Hashable, Sendable {
    public var height: UInt64
    public var view: UInt64
    public var blockHash: Hash
    public var votes: [CommitVote]

    /// Throws unless votes are in strictly ascending validator order.
    public init(height: UInt64, view: UInt64, blockHash: Hash, votes: [CommitVote]) throws(CanonicalDecodingError) {
        for (previous, next) in zip(votes, votes.dropFirst()) where previous.validatorIndex >= next.validatorIndex {
            throw .invalidValue(field: "certificate.votes", reason: "validator indices must be strictly ascending")
        }
        self.height = height
        self.view = view
        self.blockHash = blockHash
        self.votes = votes
    }

    public var hash: Hash { Hash.tagged(.commitCertificate, self) }

    /// The digest every vote in this certificate signs.
    public func signingDigest(chainId: String) -> Hash {
        CommitVote.signingDigest(chainId: chainId, view: view, height: height, blockHash: blockHash)
    }
}

extension CommitVote: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(validatorIndex)
        encoder.write(signature)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        validatorIndex = try decoder.readUInt16()
        signature = try decoder.read()
    }
}

extension CommitCertificate: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(height)
        encoder.write(view)
        encoder.write(blockHash)
        encoder.write(sequence: votes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let height = try decoder.readUInt64()
        let view = try decoder.readUInt64()
        let blockHash: Hash = try decoder.read()
        let votes: [CommitVote] = try decoder.readSequence(field: "certificate.votes", limit: Limits.validatorsMax)
        try self.init(height: height, view: view, blockHash: blockHash, votes: votes)
    }
}
