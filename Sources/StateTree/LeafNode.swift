import ChainTypes

/// A stored key and its value: the only kind of node that carries data.
///
/// Jellyfish places a leaf at the shallowest position its key does not share with any other key, so a
/// subtree holding one key is that leaf alone. The value is kept in the leaf so a past version's value
/// reads back from that version's nodes; its hash is computed once, when the leaf is made or decoded.
public struct LeafNode: Hashable, Sendable {
    /// The key the leaf stores.
    public let key: StateKey
    /// The value, at most `StateTreeLimits.valueBytesMax` bytes.
    public let value: [UInt8]
    /// `tagged("sbp/state-value", value)`.
    public let valueHash: Hash
    /// `tagged("sbp/state-leaf", key ‖ valueHash)`.
    public let hash: Hash

    /// Precondition: `value` is within `StateTreeLimits.valueBytesMax` (callers check with a typed error).
    public init(key: StateKey, value: [UInt8]) {
        precondition(value.count <= StateTreeLimits.valueBytesMax, "value above valueBytesMax")
        self.key = key
        self.value = value
        self.valueHash = TreeHasher.valueHash(value)
        self.hash = TreeHasher.leafHash(key: key.hash, valueHash: valueHash)
    }

    public static func == (lhs: LeafNode, rhs: LeafNode) -> Bool { lhs.key == rhs.key && lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(key); hasher.combine(value) }
}
