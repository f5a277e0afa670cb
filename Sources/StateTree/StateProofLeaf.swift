import ChainTypes

/// The leaf a proof's path ends at: its key hash and value hash, enough to recompute its hash.
public struct StateProofLeaf: Hashable, Sendable {
    public let key: Hash
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
