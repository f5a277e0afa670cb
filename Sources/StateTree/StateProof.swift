import ChainTypes

/// A proof that a key has a value, or has none, in the tree with a given root hash.
///
/// The path from the root follows the key's bits until it reaches an empty subtree or a single leaf;
/// `siblings` holds the hash of the other side at each step, root first. Verification needs only
/// SHA-256 and `verify`, no storage, so a browser or a phone can check a record against a root that a
/// commit certificate signs (DESIGN §4, `docs/state-tree.md` §Proofs).
public struct StateProof: Hashable, Sendable {
    /// Sibling hashes from the root down: `siblings[i]` is the subtree beside the path at bit `i`.
    public let siblings: [Hash]
    /// The leaf where the path ends; nil when it ends at an empty subtree.
    public let leaf: StateProofLeaf?

    public init(siblings: [Hash], leaf: StateProofLeaf?) {
        self.siblings = siblings
        self.leaf = leaf
    }

    /// Whether this proof shows that `key` has `value` (nil: that `key` is absent) under `root`.
    public func verifies(key: StateKey, value: [UInt8]?, root: Hash) -> Bool {
        Self.verify(proof: self, key: key, value: value, root: root)
    }

    /// Checks `proof` for `key` against `root`: with a value, that the key holds exactly that value;
    /// with nil, that the key is absent (the path ends empty, or at another key's leaf on the same path).
    public static func verify(proof: StateProof, key: StateKey, value: [UInt8]?, root: Hash) -> Bool {
        let depth = proof.siblings.count
        guard depth <= StateTreeLimits.proofSiblingsMax else { return false }
        var current: Hash
        switch (proof.leaf, value) {
        case (let leaf?, let value?):
            guard leaf.key == key.hash, leaf.valueHash == TreeHasher.valueHash(value) else { return false }
            current = TreeHasher.leafHash(key: leaf.key, valueHash: leaf.valueHash)
        case (let leaf?, nil):
            let other = StateKey(hash: leaf.key)
            guard other != key, other.commonPrefixBits(with: key) >= depth else { return false }
            current = TreeHasher.leafHash(key: leaf.key, valueHash: leaf.valueHash)
        case (nil, nil):
            current = TreeHasher.emptyHash
        case (nil, _?):
            return false
        }
        for bit in stride(from: depth - 1, through: 0, by: -1) {
            let sibling = proof.siblings[bit]
            current =
                key.bit(at: bit) == 0
                ? TreeHasher.nodeHash(left: current, right: sibling)
                : TreeHasher.nodeHash(left: sibling, right: current)
        }
        return current == root
    }
}

extension StateProof: CanonicalCodable {
    /// Layout: `u32` sibling count, the siblings (32 bytes each), then an optional leaf (tag, 64 bytes).
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(sequence: siblings)
        encoder.write(optional: leaf)
    }

    /// Rejects more than `proofSiblingsMax` siblings and a last sibling that is the empty hash, which
    /// no honest prover emits (the path would have stopped one level higher), so each proof has one
    /// encoding.
    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        siblings = try decoder.readSequence(of: Hash.self, field: "proof siblings", limit: StateTreeLimits.proofSiblingsMax)
        leaf = try decoder.readOptional(StateProofLeaf.self)
        if siblings.last == TreeHasher.emptyHash {
            throw .invalidValue(field: "proof siblings", reason: "the last sibling is the empty hash")
        }
    }
}
