import ChainTypes
import Testing

@testable import StateTree
@testable import Storage

/// Node, node-key and path encodings round-trip, and their decoders reject what no writer writes.
@Suite("Tree encodings and limits")
struct TreeEncodingTests {
    static let child = ChildReference(hash: Hash.tagged(.stateNode, [1]), version: 3, isLeaf: false)
    static let leafChild = ChildReference(hash: Hash.tagged(.stateLeaf, [1]), version: 4, isLeaf: true)

    @Test("nodes round-trip through their canonical encoding")
    func nodesRoundTrip() throws {
        let internalNode = try #require(InternalNode(children: [(2, Self.child), (9, Self.leafChild)]))
        let leaf = LeafNode(key: StateKey(namespace: [1], key: [2]), value: [3, 4])
        for node in [TreeNode.null, .internal(internalNode), .leaf(leaf)] {
            #expect(try TreeNode(canonicalBytes: node.canonicalBytes) == node)
        }
        #expect(internalNode.child(at: 9) == Self.leafChild)
        #expect(internalNode.child(at: 3) == nil)
    }

    /// `TreeNode.canonicalBytes` sizes its buffer from `encodedByteCount` and writes the fields itself; the
    /// bytes must be the documented layout (docs/state-tree.md §Node layout), as the generic encoder writes it.
    @Test("a node's canonical bytes are the documented layout, of the length reserved for them")
    func canonicalBytesLayout() throws {
        let full = try #require(InternalNode(children: (0..<16).map { ($0, $0 % 2 == 0 ? Self.child : Self.leafChild) }))
        let pair = try #require(InternalNode(children: [(2, Self.child), (9, Self.leafChild)]))
        let nodes: [TreeNode] = [
            .null, .internal(pair), .internal(full), .leaf(LeafNode(key: StateKey(namespace: [1], key: [2]), value: [])),
            .leaf(LeafNode(key: StateKey(namespace: [1], key: [3]), value: [UInt8](repeating: 7, count: 300))),
        ]
        for node in nodes {
            var layout: [UInt8] = []
            switch node {
            case .null:
                layout = [0]
            case .internal(let internalNode):
                layout = [1] + internalNode.existence.littleEndianBytes + internalNode.leaves.littleEndianBytes
                for child in internalNode.children { layout += child.hash.bytes + child.version.littleEndianBytes }
            case .leaf(let leaf):
                layout = [2] + leaf.key.hash.bytes + UInt32(leaf.value.count).littleEndianBytes + leaf.value
            }
            var encoder = CanonicalEncoder()
            node.encode(to: &encoder)
            #expect(node.canonicalBytes == layout)
            #expect(encoder.bytes == layout)
            #expect(node.encodedByteCount == layout.count)
        }
        // A node key behind the store's tag is the tag, then its encoding.
        let key = NodeKey(version: 9, path: NibblePath(key: StateKey(namespace: [1], key: [2]), count: 5))
        #expect(TreeNodeKeys.node(key) == [0x01] + key.encodedBytes)
        #expect(key.encodedByteCount == key.encodedBytes.count)
    }

    @Test("node decoders reject unknown tags, impossible bitmaps, lone leaves, oversized values and trailing bytes")
    func malformedNodesAreRejected() throws {
        #expect(throws: CanonicalDecodingError.unknownVariant(type: "TreeNode", tag: 3)) { try TreeNode(canonicalBytes: [3]) }
        #expect(throws: CanonicalDecodingError.trailingBytes(count: 1)) { try TreeNode(canonicalBytes: [0, 0]) }
        #expect(throws: CanonicalDecodingError.invalidValue(field: "internal node", reason: "no children")) {
            try TreeNode(canonicalBytes: [1, 0, 0, 0, 0])
        }
        #expect(throws: CanonicalDecodingError.invalidValue(field: "internal node", reason: "a leaf bit is set for an empty slot")) {
            try TreeNode(canonicalBytes: [1, 1, 0, 2, 0] + [UInt8](repeating: 0, count: 40))
        }
        let lone = try #require(InternalNode(children: [(0, Self.leafChild)]))
        #expect(throws: CanonicalDecodingError.invalidValue(field: "internal node", reason: "a single leaf child must replace its parent"))
        {
            try TreeNode(canonicalBytes: TreeNode.internal(lone).canonicalBytes)
        }
        var oversized = CanonicalEncoder()
        oversized.write(UInt8(2))
        oversized.write(Hash.zero)
        oversized.write(UInt32(StateTreeLimits.valueBytesMax + 1))
        #expect(
            throws: CanonicalDecodingError.lengthExceedsLimit(
                field: "leaf value", length: StateTreeLimits.valueBytesMax + 1, limit: StateTreeLimits.valueBytesMax)
        ) { try TreeNode(canonicalBytes: oversized.bytes) }
        #expect(InternalNode(children: [(3, Self.child), (3, Self.child)]) == nil)
        #expect(InternalNode(children: []) == nil)
    }

    @Test("node keys encode version first, then the packed path, and decode back", arguments: [0, 1, 2, 7, 63, 64])
    func nodeKeysRoundTrip(nibbles: Int) throws {
        let key = NodeKey(version: 0x0102_0304_0506_0708, path: NibblePath(key: StateKey(namespace: [1], key: [2]), count: nibbles))
        let bytes = key.encodedBytes
        #expect(bytes.count == 9 + (nibbles + 1) / 2)
        #expect(Array(bytes.prefix(9)) == [1, 2, 3, 4, 5, 6, 7, 8, UInt8(nibbles)])
        #expect(NodeKey(encodedBytes: bytes[...]) == key)
    }

    @Test("path decoding rejects a non-zero padding nibble, a wrong byte count and too many nibbles")
    func malformedPathsAreRejected() {
        #expect(NibblePath(nibbles: 1, packed: [0x10][...]) != nil)
        #expect(NibblePath(nibbles: 1, packed: [0x11][...]) == nil)
        #expect(NibblePath(nibbles: 2, packed: [0x11, 0x00][...]) == nil)
        #expect(NibblePath(nibbles: 65, packed: [UInt8](repeating: 0, count: 33)[...]) == nil)
        #expect(NodeKey(encodedBytes: [0, 0, 0][...]) == nil)
    }

    @Test("paths taken from a key keep its leading nibbles and extend one nibble at a time")
    func pathsFollowKeys() {
        let key = StateKey(namespace: [5], key: [6])
        var path = NibblePath.root
        for index in 0..<StateTreeLimits.pathNibblesMax {
            path = path.appending(key.nibble(at: index))
            #expect(path == NibblePath(key: key, count: index + 1))
        }
        #expect(key.commonPrefixBits(with: key) == StateTreeLimits.keyBitsMax)
    }

    @Test("limits agree: a sibling per key bit, a nibble per four bits, one child per nibble value")
    func limitsAreConsistent() {
        #expect(StateTreeLimits.proofSiblingsMax == StateTreeLimits.keyBitsMax)
        #expect(StateTreeLimits.keyBitsMax == Hash.byteCount * 8)
        #expect(StateTreeLimits.pathNibblesMax * 4 == StateTreeLimits.keyBitsMax)
        #expect(StateTreeLimits.childrenMax == 16)
        #expect(StateTreeLimits.pathNibblesMax <= Int(UInt8.max))
        #expect(StateTreeLimits.batchChangesMax >= Limits.blockTransactionsMax)
    }

    @Test("updates reject duplicate keys, oversized values and batches, and versions that do not increase")
    func badUpdatesAreRejected() throws {
        var store = MemoryTreeStore()
        let key = StateKey(namespace: [1], key: [1])
        let tree = SparseMerkleTree(reader: store)
        #expect(throws: StateTreeError.duplicateKey(key)) {
            try tree.update([.put(key, [1]), .delete(key)], version: 1, previousVersion: nil)
        }
        let big = [UInt8](repeating: 0, count: StateTreeLimits.valueBytesMax + 1)
        #expect(throws: StateTreeError.valueTooLarge(key: key, bytes: big.count, limit: StateTreeLimits.valueBytesMax)) {
            try tree.update([.put(key, big)], version: 1, previousVersion: nil)
        }
        let tooMany = [StateChange](repeating: .delete(key), count: StateTreeLimits.batchChangesMax + 1)
        #expect(throws: StateTreeError.batchTooLarge(changes: tooMany.count, limit: StateTreeLimits.batchChangesMax)) {
            try tree.update(tooMany, version: 1, previousVersion: nil)
        }
        store.write(try tree.update([.put(key, [1])], version: 5, previousVersion: nil))
        let later = SparseMerkleTree(reader: store)
        #expect(throws: StateTreeError.versionNotIncreasing(version: 5, previous: 5)) {
            try later.update([], version: 5, previousVersion: 5)
        }
        #expect(throws: StateTreeError.missingVersion(4)) { try later.update([], version: 6, previousVersion: 4) }
        #expect(try later.value(for: key, at: 5) == [1])
    }
}

extension FixedWidthInteger {
    /// The integer's bytes, least significant first: the canonical encoding of integers.
    fileprivate var littleEndianBytes: [UInt8] { (0..<Self.bitWidth / 8).map { UInt8(truncatingIfNeeded: self >> ($0 * 8)) } }
}
