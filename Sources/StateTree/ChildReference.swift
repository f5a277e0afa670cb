import ChainTypes

/// What an internal node records about one child: its hash, the version that wrote it, and its kind.
///
/// The child's node key is `(version, parent path + nibble)`, so the parent need not store it; the hash
/// lets the parent be hashed, and proofs be built, without reading the child.
public struct ChildReference: Hashable, Sendable {
    /// The child's hash (a leaf hash, or an internal node's binary hash).
    public let hash: Hash
    /// The version that wrote the child, which with the path gives its node key.
    public let version: UInt64
    /// Whether the child is a leaf; hashing lifts a lone leaf, so the parent must know without reading it.
    public let isLeaf: Bool

    public init(hash: Hash, version: UInt64, isLeaf: Bool) {
        self.hash = hash
        self.version = version
        self.isLeaf = isLeaf
    }
}
