import ChainTypes

/// The state tree's hash functions, with their domain tags (`docs/state-tree.md` §Hashing).
///
/// Each equals `Hash.tagged(domain, data)` for the documented `data`. The hasher that has taken a domain's
/// tag is built once and copied for each hash (a value of about a hundred bytes), so a node hash costs
/// no allocation and no byte buffer, only the SHA-256 of its 80 bytes (issue 18).
public enum TreeHasher {
    /// The hash of an empty subtree, at any depth: `tagged("sbp/state-empty", [])`.
    public static let emptyHash = Hash.tagged(.stateEmpty, [])

    private static let valueHasher = TaggedHasher(.stateValue)
    private static let leafHasher = TaggedHasher(.stateLeaf)
    private static let nodeHasher = TaggedHasher(.stateNode)

    /// `tagged("sbp/state-value", value)`.
    public static func valueHash(_ value: [UInt8]) -> Hash {
        var hasher = valueHasher
        hasher.update(value)
        return hasher.finalize()
    }

    /// `tagged("sbp/state-leaf", keyHash ‖ valueHash)`.
    public static func leafHash(key: Hash, valueHash: Hash) -> Hash {
        pair(leafHasher, key, valueHash)
    }

    /// `tagged("sbp/state-node", left ‖ right)`: a binary internal node with two subtrees.
    public static func nodeHash(left: Hash, right: Hash) -> Hash {
        pair(nodeHasher, left, right)
    }

    @inline(__always) private static func pair(_ tagged: TaggedHasher, _ first: Hash, _ second: Hash) -> Hash {
        var hasher = tagged
        hasher.update(first)
        hasher.update(second)
        return hasher.finalize()
    }
}
