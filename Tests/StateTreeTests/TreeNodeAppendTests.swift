import ChainTypes
import Testing

@testable import StateTree
@testable import Storage

/// The tree writer's fast encodings (issue 18): nodes and node keys assembled on the stack and appended in
/// one copy must be byte for byte what the canonical encoder writes, after whatever the buffer holds, and a
/// block's batch must be reserved for everything the writer adds.
@Suite("Tree node appends")
struct TreeNodeAppendTests {
    static func randomHash(_ generator: inout SeededGenerator) -> Hash {
        Hash.tagged(.stateNode, (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// An internal node over a random non-empty set of slots (one lone leaf is not a node), random kinds
    /// and versions spanning all eight bytes.
    static func randomInternal(_ generator: inout SeededGenerator) -> InternalNode? {
        let slots = (0..<16).filter { _ in Bool.random(using: &generator) }
        let pairs = slots.map { nibble in
            (
                nibble,
                ChildReference(
                    hash: randomHash(&generator), version: UInt64.random(in: 0...UInt64.max, using: &generator),
                    isLeaf: Bool.random(using: &generator))
            )
        }
        return InternalNode(children: pairs)
    }

    /// What `CanonicalEncoder` writes for `node`: the reference the fast path must match.
    static func encoded(_ node: TreeNode) -> [UInt8] {
        var encoder = CanonicalEncoder(reservingCapacity: 0)
        node.encode(to: &encoder)
        return encoder.bytes
    }

    @Test("a node appended in one copy is its canonical encoding, after what the buffer held", arguments: [1, 2, 3] as [UInt64])
    func nodesMatchTheEncoder(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var nodes: [TreeNode] = [.null]
        for _ in 0..<300 {
            if let node = Self.randomInternal(&generator) { nodes.append(.internal(node)) }
        }
        for count in [0, 1, 31, 32, 33, 300, StateTreeLimits.valueBytesMax] {
            let value = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            nodes.append(.leaf(LeafNode(key: StateKey(namespace: [7], key: [UInt8(count % 256)]), value: value)))
        }
        var buffer: [UInt8] = [0xAB, 0xCD]
        var expected = buffer
        for node in nodes {
            node.appendCanonicalBytes(to: &buffer)
            expected += Self.encoded(node)
            #expect(Self.encoded(node).count == node.encodedByteCount)
        }
        #expect(buffer == expected)
    }

    @Test("a node key appended in one copy is the version, the nibble count and the packed path, for every length")
    func nodeKeysMatchTheLayout() throws {
        var generator = SeededGenerator(seed: 11)
        var buffer: [UInt8] = [0x01]
        var expected = buffer
        for count in 0...StateTreeLimits.pathNibblesMax {
            let key = StateKey(hash: Self.randomHash(&generator))
            let version = UInt64.random(in: 0...UInt64.max, using: &generator)
            let nodeKey = NodeKey(version: version, path: NibblePath(key: key, count: count))
            nodeKey.append(to: &buffer)
            var layout = (0..<8).map { UInt8(truncatingIfNeeded: version >> UInt64(56 - 8 * $0)) } + [UInt8(count)]
            layout += key.hash.bytes.prefix((count + 1) / 2)
            if count % 2 == 1 { layout[layout.count - 1] &= 0xF0 }
            expected += layout
            #expect(nodeKey.encodedByteCount == layout.count)
            #expect(NodeKey(encodedBytes: layout[...]) == nodeKey)
        }
        #expect(buffer == expected)
    }

    /// The most capacity an array reserved for `count` elements can report: jemalloc, which the test binary
    /// links with the executables (ADR 0024), serves a large allocation from the next of four size classes per
    /// power of two, so the capacity can exceed the request by up to a quarter. Growth by doubling, which the
    /// test below guards against, exceeds it by far more.
    static func withSizeClass(_ count: Int) -> Int { count + count / 4 }

    /// A reservation that falls short makes the batch grow by doubling (capacity about twice what it holds);
    /// one that covers the writes leaves it within the stale lists' estimate and the allocator's rounding.
    @Test("writing an update reserves the batch once for what it adds, and hands back the update's nodes in order")
    func writingReservesTheBatch() throws {
        let store = MemoryKeyValueStore()
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        var previous: UInt64?
        // Enough keys for full internal nodes, displaced leaves and stale lists over 4,096 nodes.
        let rounds: [(version: UInt64, count: Int)] = [(1, 3_000), (2, 6_000), (3, 1)]
        for (version, count) in rounds {
            var changes: [StateChange] = []
            for index in 0..<count {
                let key: [UInt8] = [UInt8(index % 256), UInt8(index / 256), UInt8(truncatingIfNeeded: version)]
                changes.append(.put(StateKey(namespace: [3], key: key), [UInt8(index % 7)]))
            }
            let update = try tree.update(changes, version: version, previousVersion: previous)
            let expectedNodes = update.nodes.map { "\($0.key)=\($0.node.hash)" }
            // The storage form is each node's key, then its canonical bytes, in the list's order.
            var storageForm: [UInt8] = []
            var bounds: [Int] = []
            for (key, node) in update.nodes {
                storageForm += key.encodedBytes
                bounds.append(storageForm.count)
                storageForm += node.canonicalBytes
                bounds.append(storageForm.count)
            }
            #expect(update.encodedNodes == storageForm)
            #expect(update.encodedNodeBounds.flatMap { [$0.keyEnd, $0.end] } == bounds)
            var writer = KeyValueTreeWriter()
            let extra = (operations: 10, bytes: 1_000)
            let nodes = writer.write(taking: update, reservingAlso: extra)
            #expect(nodes.map { "\($0.key)=\($0.node.hash)" } == expectedNodes)
            let written = writer.batch.byteCount + extra.bytes
            #expect(writer.batch.bytes.capacity >= written)
            #expect(writer.batch.bytes.capacity <= Self.withSizeClass(written + 64 + 13 * 3 + 4_096))
            #expect(writer.batch.entries.capacity <= Self.withSizeClass(writer.batch.count + extra.operations + 3 + 512))
            try store.write(writer.batch, sync: false)
            previous = version
        }
    }
}
