import ChainTypes
import StateTree
import Testing

/// The state-snapshot primitives (docs/adr/0017-state-sync.md) agree with the tree they stand for: subtree
/// hashes of any cut combine to the root, and the tree rebuilt from the leaves is the one updates make.
struct SnapshotHashingTests {
    static func leaves(count: Int, seed: UInt64) -> [(key: StateKey, value: [UInt8])] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let key = StateKey(namespace: Array("snap".utf8), key: Array("\(index)-\(generator.next())".utf8))
            return (key, Array(repeating: UInt8(truncatingIfNeeded: index), count: Int(generator.next() % 40)))
        }.sorted { $0.key < $1.key }
    }

    @Test(
        "the rebuilt tree has exactly the nodes and root an update from empty makes, for sizes 0 to 300", arguments: [0, 1, 2, 3, 17, 300])
    func rebuiltTreeMatchesUpdates(count: Int) throws {
        let leaves = Self.leaves(count: count, seed: UInt64(count))
        var updated = MemoryTreeStore()
        let update = try SparseMerkleTree(reader: updated).update(leaves.map { .put($0.key, $0.value) }, version: 9, previousVersion: nil)
        updated.write(update)
        var rebuilt: [NodeKey: TreeNode] = [:]
        var next = 0
        let root = try TreeBuilder.build(
            version: 9,
            source: {
                defer { next += 1 }
                return next < leaves.count ? leaves[next] : nil
            },
            emit: { key, node in rebuilt[key] = node })
        #expect(root == update.rootHash)
        #expect(rebuilt == updated.nodes)
        // Any cut into subtrees combines to the same root.
        for depth in [0, 1, 2] {
            var parts: [SnapshotHashing.Part] = []
            var start = 0
            while start < leaves.count {
                let prefix = (0..<depth).map { UInt8(leaves[start].key.nibble(at: $0)) }
                var end = start
                while end < leaves.count && (0..<depth).allSatisfy({ UInt8(leaves[end].key.nibble(at: $0)) == prefix[$0] }) { end += 1 }
                let group = leaves[start..<end].map { SnapshotHashing.Leaf(key: $0.key, valueHash: TreeHasher.valueHash($0.value)) }
                parts.append(
                    SnapshotHashing.Part(
                        nibbles: prefix, hash: SnapshotHashing.subtreeHash(group, bitDepth: depth * 4), leafCount: UInt64(group.count)))
                start = end
            }
            #expect(SnapshotHashing.root(of: parts) == update.rootHash, "cut at depth \(depth)")
        }
    }

    @Test("overlapping, unsorted or empty parts are not a listing")
    func badListingsAreRefused() {
        let hash = Hash.sha256([1])
        #expect(
            SnapshotHashing.root(of: [.init(nibbles: [1], hash: hash, leafCount: 2), .init(nibbles: [1, 2], hash: hash, leafCount: 2)])
                == nil)
        #expect(
            SnapshotHashing.root(of: [.init(nibbles: [2], hash: hash, leafCount: 2), .init(nibbles: [1], hash: hash, leafCount: 2)]) == nil)
        #expect(SnapshotHashing.root(of: [.init(nibbles: [2], hash: hash, leafCount: 0)]) == nil)
        #expect(SnapshotHashing.root(of: [.init(nibbles: [16], hash: hash, leafCount: 1)]) == nil)
        #expect(SnapshotHashing.root(of: []) == TreeHasher.emptyHash)
    }

    @Test("leaves out of order are refused by the builder")
    func unsortedLeavesAreRefused() {
        let leaves = Self.leaves(count: 3, seed: 5).reversed().map { $0 }
        var next = 0
        #expect(throws: TreeBuilder.BuildError.self) {
            _ = try TreeBuilder.build(
                version: 1,
                source: {
                    defer { next += 1 }
                    return next < leaves.count ? leaves[next] : nil
                },
                emit: { _, _ in })
        }
    }
}
