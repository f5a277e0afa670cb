/// Binary Merkle roots over ordered lists of hashes (transactions and receipts of a block).
///
/// The shape is RFC 6962's: the left subtree holds the largest power of two strictly less than n leaves,
/// leaves and inner nodes are hashed under different domain tags, and no leaf is ever duplicated, so two
/// different lists never share a root (the flaw behind Bitcoin's CVE-2012-2459).
public enum MerkleRoot {
    /// The root of an empty list.
    public static let empty = Hash.tagged(.merkleEmpty, [])

    public static func of(_ leaves: [Hash]) -> Hash {
        guard !leaves.isEmpty else { return empty }
        var level = leaves.map { leaf in
            var hasher = TaggedHasher(.merkleLeaf)
            hasher.update(leaf)
            return hasher.finalize()
        }
        return root(of: &level[...])
    }

    private static func root(of level: inout ArraySlice<Hash>) -> Hash {
        if level.count == 1 { return level[level.startIndex] }
        var split = 1
        while split * 2 < level.count { split *= 2 }
        var left = level.prefix(split)
        var right = level.dropFirst(split)
        let l = root(of: &left)
        let r = root(of: &right)
        var hasher = TaggedHasher(.merkleNode)
        hasher.update(l)
        hasher.update(r)
        return hasher.finalize()
    }
}
