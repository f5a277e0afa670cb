import ChainTypes

/// What an internal node records about one child: its hash, the version that wrote it, and its kind.
///
/// The child's node key is `(version, parent path + nibble)`, so the parent need not store it; the hash
/// lets the parent be hashed, and proofs be built, without reading the child.
public struct ChildReference: Hashable, Sendable {
    public let hash: Hash
    public let version: UInt64
    public let isLeaf: Bool

    public init(hash: Hash, version: UInt64, isLeaf: Bool) {
        self.hash = hash
        self.version = version
        self.isLeaf = isLeaf
    }
}
