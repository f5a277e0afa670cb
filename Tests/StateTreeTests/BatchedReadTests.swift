import ChainTypes
import Storage
import Synchronization
import Testing

@testable import StateTree

/// Issue 18: a block's update reads the nodes it needs a level at a time (`TreeReader.nodes(at:)`, one
/// RocksDB MultiGet per level) instead of one read each. The reads must be the same nodes, checked the
/// same way, each read once, and the update the same.
@Suite("Batched node reads")
struct BatchedReadTests {
    /// A reader that records how the tree asked for nodes: one at a time, or in batches.
    final class RecordingReader: TreeReader {
        let nodesByKey: [NodeKey: TreeNode]
        let batched: Bool
        private let calls = Mutex<(single: [NodeKey], batches: [[NodeKey]])>(([], []))

        /// With `batched` false it reads a batch one node at a time, as the protocol's default does;
        /// `replacing` stands in for the store's nodes (nil: the node is gone).
        init(_ store: MemoryTreeStore, batched: Bool, replacing: [NodeKey: TreeNode?] = [:]) {
            var nodes = store.nodes
            for (key, node) in replacing { nodes[key] = node }
            self.nodesByKey = nodes
            self.batched = batched
        }

        var singleReads: [NodeKey] { calls.withLock { $0.single } }
        var batches: [[NodeKey]] { calls.withLock { $0.batches } }

        func node(at key: NodeKey) throws(StateTreeError) -> TreeNode? {
            calls.withLock { $0.single.append(key) }
            return nodesByKey[key]
        }

        func nodes(at keys: [NodeKey]) throws(StateTreeError) -> [TreeNode?] {
            guard batched else {
                var nodes: [TreeNode?] = []
                for key in keys { nodes.append(try node(at: key)) }
                return nodes
            }
            calls.withLock { $0.batches.append(keys) }
            return keys.map { nodesByKey[$0] }
        }
    }

    /// The tree error `body` throws, or nil.
    static func failure<Result>(_ body: () throws -> Result) -> StateTreeError? {
        do {
            _ = try body()
            return nil
        } catch let error as StateTreeError {
            return error
        } catch {
            Issue.record("not a tree error: \(error)")
            return nil
        }
    }

    static func key(_ index: Int) -> StateKey { StateKey(namespace: Array("batched".utf8), key: [UInt8(index >> 8), UInt8(index & 0xff)]) }

    /// A tree of 3,000 keys at version 1.
    static func populated() throws -> MemoryTreeStore {
        var store = MemoryTreeStore()
        let puts = (0..<3_000).map { StateChange.put(key($0), [UInt8(truncatingIfNeeded: $0), 1]) }
        store.write(try SparseMerkleTree(reader: store).update(puts, version: 1, previousVersion: nil))
        return store
    }

    @Test("an update reads each node it needs once, one batch per level below the root, and builds the same version")
    func updateReadsPerLevel() throws {
        let store = try Self.populated()
        // New keys (most land where a leaf sits), updates of present keys, and a delete of an absent key.
        let changes =
            (3_000..<3_400).map { StateChange.put(Self.key($0), [2]) } + (0..<3_000).filter { $0 % 10 == 0 }.map { .put(Self.key($0), [3]) }
            + [.delete(Self.key(9_999))]
        let single = RecordingReader(store, batched: false)
        let expected = try SparseMerkleTree(reader: single).update(changes, version: 2, previousVersion: 1)
        let batched = RecordingReader(store, batched: true)
        let update = try SparseMerkleTree(reader: batched).update(changes, version: 2, previousVersion: 1)

        #expect(update.rootHash == expected.rootHash)
        #expect(update.nodes.map(\.key) == expected.nodes.map(\.key) && update.nodes.map(\.node) == expected.nodes.map(\.node))
        #expect(update.staleNodes == expected.staleNodes)
        #expect(batched.singleReads == [.root(version: 1)], "only the root is read alone")
        let read = batched.batches.flatMap { $0 }
        #expect(Set(read).count == read.count, "no node is read twice")
        #expect(Set(read) == Set(single.singleReads.dropFirst()), "the batches read exactly the nodes single reads did")
        let depths = batched.batches.map { Set($0.map(\.path.count)) }
        #expect(depths == depths.indices.map { Set([$0 + 1]) }, "one batch per level, top down")
        #expect(batched.batches.count < 8 && read.count > 400)
    }

    @Test("a delete that leaves a lone leaf reads that leaf alone, once; the rest still by level")
    func deletesReadRisingLeaves() throws {
        let store = try Self.populated()
        let changes = (0..<3_000).filter { $0 % 3 != 0 }.map { StateChange.delete(Self.key($0)) }
        let single = RecordingReader(store, batched: false)
        let expected = try SparseMerkleTree(reader: single).update(changes, version: 2, previousVersion: 1)
        let batched = RecordingReader(store, batched: true)
        let update = try SparseMerkleTree(reader: batched).update(changes, version: 2, previousVersion: 1)

        #expect(update.rootHash == expected.rootHash && update.nodes.map(\.key) == expected.nodes.map(\.key))
        #expect(update.staleNodes == expected.staleNodes)
        let rising = batched.singleReads.dropFirst()
        #expect(!rising.isEmpty)
        #expect(rising.allSatisfy { if case .leaf = store.nodes[$0] { true } else { false } })
        let read = batched.batches.flatMap { $0 } + rising
        #expect(Set(read).count == read.count, "no node is read twice")
        #expect(Set(read) == Set(single.singleReads.dropFirst()))
    }

    @Test("a batched read checks every node against its parent: a missing or damaged node fails the update")
    func batchedReadsAreChecked() throws {
        let store = try Self.populated()
        let changes = (3_000..<3_100).map { StateChange.put(Self.key($0), [2]) }
        let read = RecordingReader(store, batched: true)
        _ = try SparseMerkleTree(reader: read).update(changes, version: 2, previousVersion: 1)
        let deepest = try #require(read.batches.last?.first)
        let sibling = try #require(
            store.nodes.first { $0.key != deepest && $0.key.version == 1 && $0.key.path.count == deepest.path.count })

        let missing = RecordingReader(store, batched: true, replacing: [deepest: nil])
        #expect(throws: StateTreeError.missingNode(deepest)) {
            try SparseMerkleTree(reader: missing).update(changes, version: 2, previousVersion: 1)
        }
        let damaged = RecordingReader(store, batched: true, replacing: [deepest: sibling.value])
        let error = Self.failure { try SparseMerkleTree(reader: damaged).update(changes, version: 2, previousVersion: 1) }
        guard case .corruptNode(let key, _) = error else {
            Issue.record("expected a corrupt node, got \(String(describing: error))")
            return
        }
        #expect(key == deepest)
    }

    /// The key-value reader answers a batch from its cache first, then one `get(keys:in:)`; node for node it
    /// must be what `node(at:)` gives, and a node that does not decode fails the batch with the error the
    /// first such node gives alone.
    @Test(
        "a key-value reader's batch returns what single reads return: nodes, missing ones, and the first damaged one's error",
        arguments: [TreeStoreKind.keyValueMemory, .keyValueRocksDB], [false, true])
    func keyValueBatchMatchesSingleReads(kind: TreeStoreKind, cached: Bool) throws {
        let harness = try TreeHarness(kind)
        let store = try #require(harness.store)
        let first = try harness.apply((0..<300).map { StateChange.put(Self.key($0), [UInt8(truncatingIfNeeded: $0)]) }, version: 1)
        let cache = cached ? TreeNodeCache() : nil
        cache?.insert(first.nodes.filter { $0.key.path.count < 2 })
        let reader = KeyValueTreeReader(store: store, cache: cache)
        let absent = NodeKey(version: 9, path: .root)
        let keys = first.nodes.map(\.key).reversed() + [absent, .root(version: 1), absent]
        let nodes = try reader.nodes(at: keys)
        #expect(nodes == (try keys.map { try reader.node(at: $0) }))
        #expect(nodes.compactMap { $0 }.count == first.nodes.count + 1)
        if let cache {
            let internalNodes = first.nodes.filter { if case .internal = $0.node { true } else { false } }
            #expect(cache.count == internalNodes.count, "the internal nodes read are kept, leaves not")
        }

        let leaves = first.nodes.filter { if case .leaf = $0.node { true } else { false } }.map(\.key)
        var garbage = WriteBatch()
        garbage.put([9, 9, 9], for: [0x01] + leaves[1].encodedBytes, in: .treeNodes)
        garbage.put([2], for: [0x01] + leaves[2].encodedBytes, in: .treeNodes)
        try store.write(garbage, sync: false)
        let firstError = Self.failure { try reader.node(at: leaves[1]) }
        let secondError = Self.failure { try reader.node(at: leaves[2]) }
        #expect(firstError != nil && secondError != nil && firstError != secondError)
        #expect(Self.failure { try reader.nodes(at: [leaves[0], absent, leaves[1], leaves[2]]) } == firstError)
        #expect(Self.failure { try reader.nodes(at: [leaves[2], leaves[1]]) } == secondError)
    }
}
