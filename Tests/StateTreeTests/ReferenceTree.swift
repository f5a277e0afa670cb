import ChainTypes

/// The naive reference: the root of a key-value map, recomputed from scratch by the definition in
/// `docs/state-tree.md`, written without any of the tree's code (only `Hash.tagged`).
///
/// A subtree with no keys hashes to the empty constant, a subtree with one key is that key's leaf, and
/// any other subtree is a node over its left (bit 0) and right (bit 1) halves.
enum ReferenceTree {
    static func root(of map: [Hash: [UInt8]]) -> Hash {
        let entries = map.sorted { $0.key < $1.key }.map { (key: $0.key.bytes, value: $0.value) }
        return hash(entries[...], depth: 0)
    }

    static func leafHash(key: [UInt8], value: [UInt8]) -> Hash {
        Hash.tagged(.stateLeaf, key + Hash.tagged(.stateValue, value).bytes)
    }

    private static func hash(_ entries: ArraySlice<(key: [UInt8], value: [UInt8])>, depth: Int) -> Hash {
        if entries.isEmpty { return Hash.tagged(.stateEmpty, []) }
        if entries.count == 1, let only = entries.first { return leafHash(key: only.key, value: only.value) }
        let split = entries.firstIndex { ($0.key[depth / 8] >> (7 - UInt8(depth % 8))) & 1 == 1 } ?? entries.endIndex
        let left = hash(entries[..<split], depth: depth + 1)
        let right = hash(entries[split...], depth: depth + 1)
        return Hash.tagged(.stateNode, left.bytes + right.bytes)
    }
}
