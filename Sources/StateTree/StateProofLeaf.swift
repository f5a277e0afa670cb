import ChainTypes

/// The leaf a proof's path ends at: its key hash and value hash, enough to recompute its hash.
public struct StateProofLeaf: Hashable, Sendable {
    /// The leaf's key hash: the proven key for inclusion, another key on its path for exclusion.
    public let key: Hash
    /// `tagged("sbp/state-value", value)` of the leaf's value.
    public let valueHash: Hash

    public init(key: Hash, valueHash: Hash) {
        self.key = key
        self.valueHash = valueHash
    }
}

extension StateProofLeaf: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(key)
        encoder.write(valueHash)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        key = try decoder.read()
        valueHash = try decoder.read()
    }
}
