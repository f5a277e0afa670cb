import ChainTypes

/// The state tree's hash functions, with their domain tags (`docs/state-tree.md` §Hashing).
///
/// Each equals `Hash.tagged(domain, data)` for the documented `data`; the tag prefix is built once so a
/// node hash costs one buffer and one SHA-256 call over contiguous bytes.
public enum TreeHasher {
    /// The hash of an empty subtree, at any depth: `tagged("sbp/state-empty", [])`.
    public static let emptyHash = Hash.tagged(.stateEmpty, [])

    private static let valuePrefix = prefix(.stateValue)
    private static let leafPrefix = prefix(.stateLeaf)
    private static let nodePrefix = prefix(.stateNode)

    private static func prefix(_ domain: HashDomain) -> [UInt8] {
        let tag = Array(domain.rawValue.utf8)
        return [UInt8(tag.count)] + tag
    }

    /// `tagged("sbp/state-value", value)`.
    public static func valueHash(_ value: [UInt8]) -> Hash {
        Hash.sha256(parts: [valuePrefix, value])
    }

    /// `tagged("sbp/state-leaf", keyHash ‖ valueHash)`.
    public static func leafHash(key: Hash, valueHash: Hash) -> Hash {
        pair(leafPrefix, key, valueHash)
    }

    /// `tagged("sbp/state-node", left ‖ right)`: a binary internal node with two subtrees.
    public static func nodeHash(left: Hash, right: Hash) -> Hash {
        pair(nodePrefix, left, right)
    }

    /// `nodeHash(left:right:)` reusing `scratch` as the hash input buffer, so hashing a whole
    /// 16-ary node (up to 15 node hashes) allocates once instead of once per hash.
    static func nodeHash(left: Hash, right: Hash, scratch: inout [UInt8]) -> Hash {
        pair(nodePrefix, left, right, scratch: &scratch)
    }

    /// A buffer with room for one node hash input.
    static func makeScratch() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(nodePrefix.count + 2 * Hash.byteCount)
        return buffer
    }

    @inline(__always) private static func pair(_ prefix: [UInt8], _ first: Hash, _ second: Hash) -> Hash {
        var buffer = makeScratch()
        return pair(prefix, first, second, scratch: &buffer)
    }

    @inline(__always) private static func pair(_ prefix: [UInt8], _ first: Hash, _ second: Hash, scratch: inout [UInt8]) -> Hash {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: prefix)
        first.append(to: &scratch)
        second.append(to: &scratch)
        return Hash.sha256(scratch)
    }
}
