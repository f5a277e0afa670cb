import ChainTypes

/// The 256-bit position of a value in the state tree: the tagged hash of a contract namespace and a key.
///
/// Hashing spreads keys uniformly over the tree, so its depth stays near log16 of the number of keys
/// whatever names contracts choose, and a namespace can never reach into another's keys
/// (`docs/state-tree.md` §Hashing). Walking the tree reads nibbles and bits from the hash's words with
/// shifts, without allocating.
public struct StateKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The key's bits, most significant first: bit 0 chooses the root's left or right subtree.
    public let hash: Hash

    /// The key of `key` inside the namespace `namespace` (normally a contract's address bytes).
    ///
    /// Both parts are length-prefixed (canonical `bytes`), so `("ab", "c")` and `("a", "bc")` differ.
    /// Hashed piece by piece (`TaggedHasher`): the bytes are those of the two canonical encodings, without
    /// building them, since every transaction builds several keys.
    public init(namespace: [UInt8], key: [UInt8]) {
        var hasher = TaggedHasher(.stateKey)
        hasher.update(lengthPrefixed: namespace)
        hasher.update(lengthPrefixed: key)
        self.init(hash: hasher.finalize())
    }

    /// Wraps an already computed key hash (from a proof or from storage).
    public init(hash: Hash) {
        self.hash = hash
    }

    @inlinable func word(_ index: Int) -> UInt64 { hash.word(index) }

    /// The nibble at `index` (0 ..< 64), most significant first.
    @inlinable public func nibble(at index: Int) -> Int {
        precondition(index >= 0 && index < StateTreeLimits.pathNibblesMax, "nibble index out of range")
        return Int(truncatingIfNeeded: (word(index / 16) >> UInt64(60 - 4 * (index % 16))) & 0xF)
    }

    /// The bit at `index` (0 ..< 256), most significant first: 0 goes left, 1 goes right.
    @inlinable public func bit(at index: Int) -> Int {
        precondition(index >= 0 && index < StateTreeLimits.keyBitsMax, "bit index out of range")
        return Int(truncatingIfNeeded: (word(index / 64) >> UInt64(63 - index % 64)) & 1)
    }

    /// The number of leading bits this key shares with `other` (256 when they are equal).
    public func commonPrefixBits(with other: StateKey) -> Int {
        for index in 0..<4 {
            let difference = word(index) ^ other.word(index)
            if difference != 0 { return index * 64 + difference.leadingZeroBitCount }
        }
        return StateTreeLimits.keyBitsMax
    }

    public static func == (lhs: StateKey, rhs: StateKey) -> Bool { lhs.hash == rhs.hash }
    public func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    public static func < (lhs: StateKey, rhs: StateKey) -> Bool { lhs.hash < rhs.hash }
    public var description: String { hash.description }
}
