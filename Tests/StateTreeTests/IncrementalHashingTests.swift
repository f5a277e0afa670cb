import ChainTypes
import Storage
import Testing

@testable import StateTree

/// Issue 18: a node rebuilt from the one it replaces rehashes only the ranges over changed slots and reuses
/// the others' hashes, which it keeps in memory. Whatever it reuses, it must be the node a full recompute
/// gives, bit for bit: its hash, every range hash a proof reads, and the tree's root.
@Suite("Incremental node hashing")
struct IncrementalHashingTests {
    /// The binary hash of the slots `low ..< low + width` of `pairs`, straight from docs/state-tree.md §3.
    static func naiveRangeHash(_ pairs: [(nibble: Int, child: ChildReference)], low: Int, width: Int) -> Hash {
        let inside = pairs.filter { $0.nibble >= low && $0.nibble < low + width }
        guard let first = inside.first else { return TreeHasher.emptyHash }
        if inside.count == 1 && (width == 1 || first.child.isLeaf) { return first.child.hash }
        let half = width / 2
        return TreeHasher.nodeHash(
            left: naiveRangeHash(pairs, low: low, width: half), right: naiveRangeHash(pairs, low: low + half, width: half))
    }

    /// Checks every range of `node` (whole, inner and single slots) against the naive recompute, and its kept
    /// hashes against a node built from scratch.
    static func expectFullyRehashed(_ node: InternalNode, _ context: Comment) {
        let pairs = node.childPairs
        var width = StateTreeLimits.childrenMax
        while width >= 1 {
            for low in stride(from: 0, to: StateTreeLimits.childrenMax, by: width) {
                #expect(node.rangeHash(low: low, width: width) == naiveRangeHash(pairs, low: low, width: width), context)
            }
            width /= 2
        }
        #expect(node.hash == naiveRangeHash(pairs, low: 0, width: StateTreeLimits.childrenMax), context)
        let scratch = InternalNode(children: pairs)
        #expect(node.keptRanges == scratch?.keptRanges && node.rangeHashes == scratch?.rangeHashes, context)
    }

    static func randomHash(using generator: inout SeededGenerator) -> Hash {
        Hash(bytes: (0..<Hash.byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }) ?? .zero
    }

    static func randomChild(using generator: inout SeededGenerator) -> ChildReference {
        ChildReference(hash: randomHash(using: &generator), version: 1, isLeaf: Bool.random(using: &generator))
    }

    /// Random nodes, each rebuilt from a random edit of itself: children replaced, removed, added, turned
    /// from leaf to internal node (and back) under the same hash, or left alone.
    @Test("a node rebuilt from any previous node equals the node built from scratch", arguments: [UInt64(1), 2, 3, 4])
    func rebuiltNodesEqualScratch(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        var reusedHashes = 0
        for round in 0..<500 {
            var slots: [ChildReference?] = (0..<StateTreeLimits.childrenMax).map { _ in
                Int.random(in: 0..<3, using: &generator) == 0 ? nil : Self.randomChild(using: &generator)
            }
            if slots.allSatisfy({ $0 == nil }) { slots[0] = Self.randomChild(using: &generator) }
            let previous = try #require(InternalNode(children: Self.pairs(slots)))
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                let nibble = Int.random(in: 0..<StateTreeLimits.childrenMax, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: slots[nibble] = nil
                case 1: slots[nibble] = Self.randomChild(using: &generator)
                case 2: slots[nibble] = slots[nibble].map { ChildReference(hash: $0.hash, version: 2, isLeaf: !$0.isLeaf) }
                default: slots[nibble] = slots[nibble].map { ChildReference(hash: $0.hash, version: 2, isLeaf: $0.isLeaf) }
                }
            }
            let pairs = Self.pairs(slots)
            guard !pairs.isEmpty else { continue }
            let node = try #require(InternalNode(children: pairs, reusing: previous))
            Self.expectFullyRehashed(node, "seed \(seed) round \(round)")
            let fromScratch = InternalNode.hashRanges(existence: node.existence, leaves: node.leaves, children: node.children, reusing: nil)
            let incremental = InternalNode.hashRanges(
                existence: node.existence, leaves: node.leaves, children: node.children, reusing: previous)
            reusedHashes += fromScratch.hashCount - incremental.hashCount
        }
        #expect(reusedHashes > 1_000, "the rebuilt nodes reused kept hashes")
    }

    static func pairs(_ slots: [ChildReference?]) -> [(nibble: Int, child: ChildReference)] {
        slots.enumerated().compactMap { nibble, child in child.map { (nibble, $0) } }
    }

    /// Key hashes that share prefixes of random lengths with earlier ones, so that the tree has deep paths,
    /// internal nodes with a single internal child and full nodes alike.
    static func clusteredKeys(count: Int, using generator: inout SeededGenerator) -> [StateKey] {
        var keys: [StateKey] = []
        while keys.count < count {
            var bytes = (0..<Hash.byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let base = keys.randomElement(using: &generator), Bool.random(using: &generator) {
                let shared = Int.random(in: 1...6, using: &generator)
                for index in 0..<shared { bytes[index] = base.hash.bytes[index] }
                bytes[shared - 1] ^= UInt8(1) << UInt8.random(in: 0...7, using: &generator)
            }
            keys.append(StateKey(hash: Hash(bytes: bytes) ?? .zero))
        }
        return keys
    }

    /// Random histories over clustered keys: batches of puts and deletes that fill slots, empty them, make
    /// lone leaves rise and nodes dissolve, and turn leaves into internal nodes. Every internal node an update
    /// writes equals a full recompute, and every root the naive reference.
    @Test("incrementally hashed trees have the roots and node hashes of a full recompute", arguments: [UInt64(5), 6, 7])
    func incrementalTreesEqualReference(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let keys = Self.clusteredKeys(count: 400, using: &generator)
        var store = MemoryTreeStore()
        var model: [StateKey: [UInt8]] = [:]
        var latest: UInt64?
        var replacedNodes = 0
        for version in UInt64(1)...40 {
            let deleteShare = version % 10 < 6 ? 4 : 2  // some stretches shrink the tree, others grow it
            var batch: [StateKey: StateChange] = [:]
            for _ in 0..<Int.random(in: 1...80, using: &generator) {
                let key = keys[Int.random(in: 0..<keys.count, using: &generator)]
                batch[key] =
                    Int.random(in: 0..<deleteShare, using: &generator) == 0
                    ? .delete(key) : .put(key, [UInt8.random(in: 0...255, using: &generator)])
            }
            for change in batch.values { model[change.key] = change.value }
            let update = try SparseMerkleTree(reader: store).update(Array(batch.values), version: version, previousVersion: latest)
            let replaced = Set(update.staleNodes.map(\.nodeKey.path))
            for case (let key, .internal(let node)) in update.nodes {
                Self.expectFullyRehashed(node, "seed \(seed) version \(version) \(key)")
                if replaced.contains(key.path) { replacedNodes += 1 }
            }
            #expect(
                update.rootHash == ReferenceTree.root(of: Dictionary(uniqueKeysWithValues: model.map { ($0.key.hash, $0.value) })),
                "seed \(seed) version \(version)")
            store.write(update)
            latest = version
        }
        #expect(replacedNodes > 100, "updates rebuilt nodes from the ones they replace")
    }

    /// The saving, counted: a full node of internal children rebuilt with some children changed rehashes only
    /// the ranges above them (4 for one child, against 15 from scratch).
    @Test(
        "a full node rebuilt with a few changed children hashes only the ranges above them",
        arguments: [([Int](), 0), ([5], 4), ([4, 5], 4), ([0, 15], 7), ([0, 4, 8, 12], 11)])
    func changedChildrenCost(changed: [Int], expectedHashes: Int) throws {
        let full = (0..<StateTreeLimits.childrenMax).map { nibble in
            (nibble: nibble, child: ChildReference(hash: Hash.tagged(.stateNode, [UInt8(nibble)]), version: 1, isLeaf: nibble % 3 == 0))
        }
        let previous = try #require(InternalNode(children: full))
        var edited = full
        for nibble in changed {
            edited[nibble].child = ChildReference(hash: Hash.tagged(.stateLeaf, [UInt8(nibble)]), version: 2, isLeaf: nibble % 3 == 0)
        }
        let existence = previous.existence
        let leaves = previous.leaves
        let children = edited.map(\.child)
        #expect(InternalNode.hashRanges(existence: existence, leaves: leaves, children: children, reusing: nil).hashCount == 15)
        let rebuilt = InternalNode.hashRanges(existence: existence, leaves: leaves, children: children, reusing: previous)
        #expect(rebuilt.hashCount == expectedHashes)
        #expect(rebuilt.hash == Self.naiveRangeHash(edited, low: 0, width: StateTreeLimits.childrenMax))
        #expect(previous.keptRangeHashCount == InternalNode.keptRangeHashCountMax)
    }

    /// The tree node cache's budget counts the range hashes nodes keep, so a node's memory stays bounded.
    @Test("the cache's estimate of a node counts the range hashes it keeps")
    func cacheCountsKeptHashes() throws {
        let leaf = ChildReference(hash: Hash.tagged(.stateLeaf, [1]), version: 1, isLeaf: true)
        let inner = ChildReference(hash: Hash.tagged(.stateNode, [1]), version: 1, isLeaf: false)
        let twoLeaves = try #require(InternalNode(children: [(0, leaf), (8, leaf)]))
        #expect(twoLeaves.keptRangeHashCount == 0)  // each half holds a lone leaf: nothing costs a hash below the node
        let full = try #require(InternalNode(children: (0..<16).map { ($0, inner) }))
        #expect(full.keptRangeHashCount == 14)
        let payloadBytes = 16 * MemoryLayout<ChildReference>.stride + 14 * Hash.byteCount
        #expect(TreeNodeCache.estimatedBytes(.internal(full)) >= payloadBytes)
        #expect(TreeNodeCache.fullLevelsBytes(1) == TreeNodeCache.estimatedBytes(.internal(full)))
    }
}
