/// A block header: what the commit certificate of the block signs (through the block hash).
///
/// `stateRoot` and `previousReceiptsRoot` describe the block *before* this one (the Tendermint "app hash"
/// model, DESIGN §4): the primary proposes height h once h−1 is executed, and the certificate of h+1
/// therefore certifies the state after h. `lastCommitHash` binds the carried certificate of h−1
/// (PBFT-NOTES rule 21), so the chain is self-certifying from genesis.
public struct BlockHeader: Hashable, Sendable {
    public var chainId: String
    public var height: UInt64
    /// The PBFT view in which the block was proposed.
    public var view: UInt64
    /// Milliseconds since the Unix epoch, chosen by the primary, strictly above the parent's (rule 23).
    public var timestampMs: UInt64
    public var parentHash: Hash
    /// The address of the proposing validator's consensus key.
    public var proposer: Address
    public var transactionsRoot: Hash
    public var lastCommitHash: Hash
    public var previousReceiptsRoot: Hash
    public var stateRoot: Hash
    /// The hash of the validator set in force at this height.
    public var validatorsHash: Hash

    public init(
        chainId: String, height: UInt64, view: UInt64, timestampMs: UInt64, parentHash: Hash, proposer: Address,
        transactionsRoot: Hash, lastCommitHash: Hash, previousReceiptsRoot: Hash, stateRoot: Hash, validatorsHash: Hash
    ) {
        self.chainId = chainId
        self.height = height
        self.view = view
        self.timestampMs = timestampMs
        self.parentHash = parentHash
        self.proposer = proposer
        self.transactionsRoot = transactionsRoot
        self.lastCommitHash = lastCommitHash
        self.previousReceiptsRoot = previousReceiptsRoot
        self.stateRoot = stateRoot
        self.validatorsHash = validatorsHash
    }

    /// The block hash.
    public var hash: Hash { Hash.tagged(.blockHeader, self) }
}

extension BlockHeader: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: chainId)
        encoder.write(height)
        encoder.write(view)
        encoder.write(timestampMs)
        encoder.write(parentHash)
        encoder.write(proposer)
        encoder.write(transactionsRoot)
        encoder.write(lastCommitHash)
        encoder.write(previousReceiptsRoot)
        encoder.write(stateRoot)
        encoder.write(validatorsHash)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        chainId = try decoder.readText(field: "header.chainId", limit: Limits.chainIdBytesMax)
        height = try decoder.readUInt64()
        view = try decoder.readUInt64()
        timestampMs = try decoder.readUInt64()
        parentHash = try decoder.read()
        proposer = try decoder.read()
        transactionsRoot = try decoder.read()
        lastCommitHash = try decoder.read()
        previousReceiptsRoot = try decoder.read()
        stateRoot = try decoder.read()
        validatorsHash = try decoder.read()
    }
}
