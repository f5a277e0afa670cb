import ChainTypes

/// Hashes of parts of a state, computed from the leaves alone, for state snapshots (docs/adr/0017-state-sync.md).
///
/// A snapshot cuts the leaves of one tree version into subtrees by nibble path. A node that receives a
/// subtree's leaves recomputes its hash with `subtreeHash(_:bitDepth:)` and compares it with the hash the
/// verified manifest lists; `root(of:)` combines the listed hashes into the state root the certified
/// header carries. Both follow `hash(S, d)` of docs/state-tree.md §2 exactly, lifting included.
public enum SnapshotHashing {
    /// One leaf: its key hash and the hash of its value.
    public struct Leaf: Sendable {
        public let key: StateKey
        public let valueHash: Hash

        public init(key: StateKey, valueHash: Hash) {
            self.key = key
            self.valueHash = valueHash
        }
    }

    /// One listed subtree: the nibbles of its path (each 0…15), its hash and how many leaves it holds (≥ 1).
    public struct Part: Sendable, Equatable {
        public let nibbles: [UInt8]
        public let hash: Hash
        public let leafCount: UInt64

        public init(nibbles: [UInt8], hash: Hash, leafCount: UInt64) {
            self.nibbles = nibbles
            self.hash = hash
            self.leafCount = leafCount
        }

        func bit(at index: Int) -> Int { Int((nibbles[index / 4] >> UInt8(3 - index % 4)) & 1) }
    }

    /// `hash(S, bitDepth)` of docs/state-tree.md §2 for `leaves`, which must be sorted by key hash, distinct,
    /// and share their first `bitDepth` bits (the caller checks that; `bitDepth` ≤ 256).
    public static func subtreeHash(_ leaves: [Leaf], bitDepth: Int) -> Hash {
        return hash(leaves, leaves.startIndex, leaves.endIndex, bitDepth)
    }

    private static func hash(_ leaves: [Leaf], _ low: Int, _ high: Int, _ depth: Int) -> Hash {
        if low == high { return TreeHasher.emptyHash }
        if high - low == 1 { return TreeHasher.leafHash(key: leaves[low].key.hash, valueHash: leaves[low].valueHash) }
        // Distinct sorted keys of two or more differ before bit 256, so `depth` stays in range.
        var split = low
        while split < high && leaves[split].key.bit(at: depth) == 0 { split += 1 }
        let left = hash(leaves, low, split, depth + 1)
        let right = hash(leaves, split, high, depth + 1)
        return TreeHasher.nodeHash(left: left, right: right)
    }

    /// The root of the tree whose leaves are exactly those of `parts`, or nil when the parts are not a
    /// listing of disjoint subtrees (not strictly sorted, one path a prefix of another, an empty part,
    /// a path over 64 nibbles or a nibble over 15). No parts is the empty tree.
    public static func root(of parts: [Part]) -> Hash? {
        for part in parts {
            guard part.leafCount >= 1, part.nibbles.count <= StateTreeLimits.pathNibblesMax, part.nibbles.allSatisfy({ $0 < 16 }) else {
                return nil
            }
        }
        for (earlier, later) in zip(parts, parts.dropFirst()) {
            guard earlier.nibbles.lexicographicallyPrecedes(later.nibbles), !later.nibbles.starts(with: earlier.nibbles) else { return nil }
        }
        return combine(parts, parts.startIndex, parts.endIndex, 0)?.hash
    }

    private static func combine(
        _ parts: [Part], _ low: Int, _ high: Int, _ depth: Int
    ) -> (hash: Hash, count: UInt64)? {
        if low == high { return (TreeHasher.emptyHash, 0) }
        if high - low == 1 && parts[low].nibbles.count * 4 == depth { return (parts[low].hash, parts[low].leafCount) }
        // Sorted and prefix-free, so every part here has a path longer than `depth` bits.
        guard parts[low..<high].allSatisfy({ $0.nibbles.count * 4 > depth }) else { return nil }
        var split = low
        while split < high && parts[split].bit(at: depth) == 0 { split += 1 }
        guard let left = combine(parts, low, split, depth + 1), let right = combine(parts, split, high, depth + 1)
        else { return nil }
        let (count, overflow) = left.count.addingReportingOverflow(right.count)
        guard !overflow else { return nil }
        // One leaf below: it is lifted, so the subtree's hash is the leaf's (docs/state-tree.md §2).
        if count == 1 { return (left.count == 1 ? left.hash : right.hash, 1) }
        return (TreeHasher.nodeHash(left: left.hash, right: right.hash), count)
    }
}

/// Builds the stored 16-ary nodes of one tree version from its leaves in key order, for a node restoring a
/// snapshot (docs/adr/0017-state-sync.md).
///
/// The layout is the one `SparseMerkleTree.update` maintains (docs/state-tree.md §3): an internal node at
/// every nibble path two or more keys share, a leaf at the shallowest path where its key is alone, a null
/// root for the empty tree. Every node gets `version`. Leaves are pulled one at a time, so memory is bounded
/// by the depth, not by the state.
public struct TreeBuilder {
    /// The next leaf in key-hash order, or nil at the end; must not repeat or go backwards.
    public typealias Source = () throws -> (key: StateKey, value: [UInt8])?

    /// Why the leaves cannot make a tree.
    public enum BuildError: Error, Equatable, Sendable {
        case unsorted(StateKey)
        case valueTooLarge(StateKey, bytes: Int)
    }

    enum Pending {
        case empty
        case leaf(StateKey, [UInt8])
        case `internal`(Hash)
    }

    let version: UInt64
    let emit: (NodeKey, TreeNode) throws -> Void
    var source: Source
    var lookahead: [(key: StateKey, value: [UInt8])] = []
    var exhausted = false
    var last: StateKey?

    /// Builds version `version` from `source`, handing each node to `emit`, and returns the root hash.
    public static func build(
        version: UInt64, source: @escaping Source, emit: @escaping (NodeKey, TreeNode) throws -> Void
    ) throws -> Hash {
        var builder = TreeBuilder(version: version, emit: emit, source: source)
        let pending = try builder.peek(0) == nil ? Pending.empty : try builder.build(depth: 0)
        switch pending {
        case .empty:
            try emit(.root(version: version), .null)
            return TreeHasher.emptyHash
        case .leaf(let key, let value):
            let leaf = LeafNode(key: key, value: value)
            try emit(.root(version: version), .leaf(leaf))
            return leaf.hash
        case .internal(let hash):
            return hash
        }
    }

    mutating func peek(_ offset: Int) throws -> StateKey? {
        while lookahead.count <= offset && !exhausted {
            guard let next = try source() else {
                exhausted = true
                break
            }
            if let last, !(last < next.key) { throw BuildError.unsorted(next.key) }
            guard next.value.count <= StateTreeLimits.valueBytesMax else {
                throw BuildError.valueTooLarge(next.key, bytes: next.value.count)
            }
            last = next.key
            lookahead.append(next)
        }
        return offset < lookahead.count ? lookahead[offset].key : nil
    }

    /// The subtree of the upcoming keys that share the next key's first `depth` nibbles; its internal
    /// nodes are emitted, a lone leaf is handed up (it may be lifted further).
    mutating func build(depth: Int) throws -> Pending {
        guard let first = try peek(0) else { return .empty }
        guard let second = try peek(1), sharesNibbles(first, second, depth) else {
            let leaf = lookahead.removeFirst()
            return .leaf(leaf.key, leaf.value)
        }
        var children: [(nibble: Int, pending: Pending)] = []
        while let next = try peek(0), next.commonPrefixBits(with: first) >= depth * 4 {
            children.append((next.nibble(at: depth), try build(depth: depth + 1)))
        }
        if children.count == 1, case .leaf = children[0].pending { return children[0].pending }
        let path = NibblePath(key: first, count: depth)
        var references: [(nibble: Int, child: ChildReference)] = []
        for (nibble, pending) in children {
            switch pending {
            case .empty: continue
            case .leaf(let key, let value):
                let leaf = LeafNode(key: key, value: value)
                try emit(NodeKey(version: version, path: path.appending(nibble)), .leaf(leaf))
                references.append((nibble, ChildReference(hash: leaf.hash, version: version, isLeaf: true)))
            case .internal(let hash):
                references.append((nibble, ChildReference(hash: hash, version: version, isLeaf: false)))
            }
        }
        guard let node = InternalNode(children: references) else { throw BuildError.unsorted(first) }
        try emit(NodeKey(version: version, path: path), .internal(node))
        return .internal(node.hash)
    }

    /// Whether `a` and `b` share their first `depth` nibbles (so they sit in one subtree at that depth).
    func sharesNibbles(_ a: StateKey, _ b: StateKey, _ depth: Int) -> Bool {
        a.commonPrefixBits(with: b) >= depth * 4
    }
}
