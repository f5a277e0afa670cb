import ChainTypes
import StateTree
import Storage
import StorageRocksDB
import Testing

/// What only the key-value-backed node store shows: durability, pruning, atomic blocks, damaged bytes.
@Suite("Key-value tree store")
struct KeyValueTreeStoreTests {
    static func changes(version: UInt64, count: Int = 30) -> [StateChange] {
        (0..<count).map { index in
            let key = StateKey(namespace: [7], key: [UInt8(index), UInt8(version % 3)])
            return index % 7 == 3 ? .delete(key) : .put(key, [UInt8(truncatingIfNeeded: version), UInt8(index)])
        }
    }

    @Test("a closed and reopened RocksDB store keeps every version, and updates continue from it")
    func reopenKeepsVersions() throws {
        let rocks = try TreeHarness(.keyValueRocksDB)
        let memory = try TreeHarness(.memoryTree)
        for version in UInt64(1)...10 {
            try rocks.apply(Self.changes(version: version), version: version)
            try memory.apply(Self.changes(version: version), version: version)
        }
        try rocks.reopen()
        for version in UInt64(1)...10 {
            #expect(try rocks.rootHash(at: version) == memory.rootHash(at: version))
            for change in Self.changes(version: version) {
                #expect(try rocks.value(for: change.key, at: version) == memory.value(for: change.key, at: version))
            }
        }
        try rocks.apply(Self.changes(version: 11), version: 11)
        try memory.apply(Self.changes(version: 11), version: 11)
        #expect(try rocks.rootHash(at: 11) == memory.rootHash(at: 11))
    }

    @Test(
        "pruning removes versions below the retained one and keeps every later version whole",
        arguments: TreeStoreKind.allCases)
    func pruningKeepsRetainedVersions(kind: TreeStoreKind) throws {
        let harness = try TreeHarness(kind)
        var roots: [UInt64: Hash] = [:]
        var models: [UInt64: [StateKey: [UInt8]]] = [:]
        var model: [StateKey: [UInt8]] = [:]
        for version in UInt64(1)...20 {
            let batch = Self.changes(version: version, count: 10 + Int(version))
            for change in batch { model[change.key] = change.value }
            roots[version] = try harness.apply(batch, version: version).rootHash
            models[version] = model
        }
        try harness.prune(retaining: 12)
        #expect(throws: StateTreeError.missingVersion(5)) { try harness.rootHash(at: 5) }
        for version in UInt64(12)...20 {
            let root = try harness.rootHash(at: version)
            #expect(root == roots[version])
            for index in 0..<40 {
                let key = StateKey(namespace: [7], key: [UInt8(index), UInt8(version % 3)])
                let (value, proof) = try harness.proof(for: key, at: version)
                #expect(value == models[version]?[key])
                #expect(proof.verifies(key: key, value: value, root: root))
            }
        }
        if let store = harness.store {
            // One stale list per version, and only those of versions above the retained one are left.
            #expect(try store.scan(prefix: [0x02], in: .treeNodes).isEmpty)
            let lists = try store.scan(prefix: [0x03], in: .treeNodes)
            #expect(lists.map { $0.key[1...8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } } == Array(13...20))
        }
    }

    /// Issue 18, deliver 6: block execution reads the tree through `TreeNodeCache`. A node key is written once,
    /// so the cache may answer for the store; it must answer exactly what the store held.
    @Test("a cached reader answers from the nodes it was given or read, exactly as the store would")
    func cachedReader() throws {
        let store = MemoryKeyValueStore()
        defer { store.close() }
        let plain = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let first = try plain.update(Self.changes(version: 1), version: 1, previousVersion: nil)
        var writer = KeyValueTreeWriter()
        writer.write(first)
        try store.write(writer.batch, sync: false)
        let second = try plain.update(Self.changes(version: 2), version: 2, previousVersion: 1)

        // The cache holds version 1's internal nodes as finalization gives them; the store then loses them.
        let cache = TreeNodeCache()
        cache.insert(first.nodes)
        let internalNodes = first.nodes.filter { if case .internal = $0.node { true } else { false } }
        #expect(!internalNodes.isEmpty)
        #expect(cache.count == internalNodes.count)  // leaves carry the values and are not kept
        var wipe = WriteBatch()
        for (key, _) in internalNodes { wipe.delete([UInt8(0x01)] + key.encodedBytes, in: .treeNodes) }
        try store.write(wipe, sync: false)
        #expect(throws: StateTreeError.missingVersion(1)) { try plain.rootHash(at: 1) }

        let cached = SparseMerkleTree(reader: KeyValueTreeReader(store: store, cache: cache))
        #expect(try cached.rootHash(at: 1) == first.rootHash)
        for change in Self.changes(version: 1) { #expect(try cached.value(for: change.key, at: 1) == change.value) }
        let again = try cached.update(Self.changes(version: 2), version: 2, previousVersion: 1)
        #expect(again.rootHash == second.rootHash)
        #expect(again.nodes.map(\.key) == second.nodes.map(\.key))
        #expect(again.staleNodes == second.staleNodes)

        // One version per path, the newest: it answers only that exact key, and an older node never replaces it.
        let root = try #require(first.nodes.first { $0.key.path == .root })
        let newer = NodeKey(version: 7, path: .root)
        cache.insert([(key: newer, node: root.node)])
        #expect(cache.node(at: newer) == root.node)
        #expect(cache.node(at: root.key) == nil)
        cache.insert([root])
        #expect(cache.node(at: root.key) == nil)
        #expect(cache.node(at: newer) == root.node)

        // The byte budget bounds it (pinned share and two generations); the newest nodes stay.
        let small = TreeNodeCache(byteBudget: 2 * TreeNodeCache.estimatedBytes(root.node))
        small.insert(internalNodes)
        #expect(small.count < internalNodes.count)
        let last = try #require(internalNodes.last)
        #expect(small.node(at: last.key) == last.node)
    }

    /// Issue 18, deliver 3: the upper levels are read by every block at random, each node rarely; a cache
    /// that evicts by recency dropped them before their turn came. They are pinned, and a started node reads
    /// them at once (`warm`), so its first blocks find them in memory.
    @Test("warming pins the tree's upper levels, which churn in the deeper levels never evicts")
    func warmedLevelsStayPinned() throws {
        let store = MemoryKeyValueStore()
        defer { store.close() }
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let changes = (0..<3_000).map { StateChange.put(StateKey(namespace: [9], key: [UInt8($0 >> 8), UInt8($0 & 0xff)]), [1]) }
        let update = try tree.update(changes, version: 1, previousVersion: nil)
        var writer = KeyValueTreeWriter()
        writer.write(update)
        try store.write(writer.batch, sync: false)

        // Room for the top two levels, full, in half the budget: depth 0 and 1 are always pinned; warming
        // reads one level more (depth 2), of which the rest of the pinned share keeps what fits.
        let levels = 2
        let cache = TreeNodeCache(byteBudget: 2 * TreeNodeCache.fullLevelsBytes(levels))
        #expect(cache.pinnedDepth == levels)
        let internalNodes = update.nodes.filter { if case .internal = $0.node { true } else { false } }
        let always = internalNodes.filter { $0.key.path.count < levels }
        let warmed = internalNodes.filter { $0.key.path.count <= levels }
        #expect(always.count == 17)
        #expect(cache.warm(root: .root(version: 1), reader: KeyValueTreeReader(store: store)) == warmed.count)
        #expect(cache.pinnedCount > always.count)
        #expect(cache.count <= warmed.count)

        // Deeper nodes of later versions pass through the generations many times over their budget.
        let deeper = internalNodes.filter { $0.key.path.count > levels }
        #expect(!deeper.isEmpty)
        for version in UInt64(2)...40 {
            cache.insert(deeper.map { (key: NodeKey(version: version, path: $0.key.path), node: $0.node) })
        }
        for (key, node) in always { #expect(cache.node(at: key) == node, "depth \(key.path.count) was evicted") }
        let pinnedDeeper = warmed.filter { $0.key.path.count == levels && cache.node(at: $0.key) != nil }
        #expect(pinnedDeeper.count == cache.pinnedCount - always.count)
    }

    @Test("the levels always pinned are those that fit, full, in half the budget")
    func pinnedDepthFollowsBudget() {
        #expect(TreeNodeCache.pinnedDepth(byteBudget: 1) == 0)
        #expect(TreeNodeCache.pinnedDepth(byteBudget: 2 * TreeNodeCache.fullLevelsBytes(1)) == 1)
        #expect(TreeNodeCache.pinnedDepth(byteBudget: 128 << 20) == 4)
        // The node's default share (half of 512 MiB): the five levels a million licences fill.
        #expect(TreeNodeCache.pinnedDepth(byteBudget: 256 << 20) == 5)
        #expect(TreeNodeCache.pinnedDepth(byteBudget: Int.max) < StateTreeLimits.pathNibblesMax)
    }

    /// The cache's budget follows the node's memory budget, so a million licences' upper levels fit.
    @Test("the tree node cache takes its share of storage.memory_bytes")
    func cacheBudget() {
        #expect(TreeNodeCache(byteBudget: 0).byteBudget == 1)
        #expect(TreeNodeCache(byteBudget: 256 << 20).byteBudget == 256 << 20)
    }

    /// The writer encodes keys and nodes straight into the batch's buffer (issue 18); the stored format must
    /// stay the nodes' canonical encodings under `0x01` ‖ node key (docs/storage.md), which populated stores hold.
    @Test("the writer stores each node's canonical encoding under 0x01 followed by its node key, in the update's order")
    func writerKeepsTheStoredFormat() throws {
        let store = MemoryKeyValueStore()
        defer { store.close() }
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let first = try tree.update(Self.changes(version: 1), version: 1, previousVersion: nil)
        var writer = KeyValueTreeWriter(batch: WriteBatch())
        writer.batch.put([0xee], for: [0x20, 1], in: .indexes)
        writer.write(first)
        let expected: [WriteBatch.Operation] =
            [.put(key: [0x20, 1], value: [0xee], family: .indexes)]
            + first.nodes.map { .put(key: [0x01] + $0.key.encodedBytes, value: $0.node.canonicalBytes, family: .treeNodes) }
        #expect(first.nodes.count > 10)
        #expect(Array(writer.batch.operations.prefix(expected.count)) == expected)
    }

    @Test("tree writes ride in the block's atomic batch: both land, or a rejected block drops both")
    func treeWritesJoinTheBlockBatch() throws {
        let store = MemoryKeyValueStore()
        defer { store.close() }
        let blocks = BlockStore(store: store)
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let update = try tree.update(Self.changes(version: 1), version: 1, previousVersion: nil)
        var writer = KeyValueTreeWriter()
        writer.write(update)
        #expect(
            writer.batch.operations.allSatisfy {
                if case .put(_, _, .treeNodes) = $0 { return true } else { return false }
            })

        let wrongHeight = Self.block(height: 2, parentHash: .zero)
        #expect(throws: BlockStoreError.self) {
            try blocks.append(wrongHeight, certificate: Self.certificate(for: wrongHeight), additionalWrites: writer.batch)
        }
        #expect(throws: StateTreeError.missingVersion(1)) { try tree.rootHash(at: 1) }

        let block = Self.block(height: 1, parentHash: .zero)
        try blocks.append(block, certificate: Self.certificate(for: block), additionalWrites: writer.batch)
        #expect(try tree.rootHash(at: 1) == update.rootHash)
    }

    @Test("damaged or missing nodes are typed errors, never a crash or a wrong answer")
    func damagedNodesAreErrors() throws {
        let store = MemoryKeyValueStore()
        defer { store.close() }
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let update = try tree.update(Self.changes(version: 1), version: 1, previousVersion: nil)
        var writer = KeyValueTreeWriter()
        writer.write(update)
        try store.write(writer.batch, sync: false)
        let key = Self.changes(version: 1)[0].key

        guard let child = update.nodes.first(where: { $0.key.path.count == 1 }) else {
            Issue.record("a 26-key tree has nodes below the root")
            return
        }
        let childKey = [UInt8(0x01)] + child.key.encodedBytes
        let original = try #require(try store.get(childKey, in: .treeNodes))
        var damaged = WriteBatch()
        // Byte 5 lies in the first child's hash (internal node) or in the key hash (leaf): the node's hash
        // changes, so the parent's recorded hash catches it.
        var flipped = original
        flipped[5] ^= 1
        damaged.put(flipped, for: childKey, in: .treeNodes)
        try store.write(damaged, sync: false)
        let keysThroughChild = (0..<30).map { StateKey(namespace: [7], key: [UInt8($0), 1]) }
            .filter { $0.nibble(at: 0) == child.key.path.nibble(at: 0) }
        for key in keysThroughChild {
            #expect(throws: StateTreeError.self) { try tree.value(for: key, at: 1) }
            #expect(throws: StateTreeError.self) { try tree.proof(for: key, at: 1) }
        }

        var deleted = WriteBatch()
        deleted.delete(childKey, in: .treeNodes)
        try store.write(deleted, sync: false)
        if let key = keysThroughChild.first {
            #expect(throws: StateTreeError.missingNode(child.key)) { try tree.proof(for: key, at: 1) }
        }

        var garbage = WriteBatch()
        garbage.put([9, 9, 9], for: [0x01] + NodeKey.root(version: 1).encodedBytes, in: .treeNodes)
        try store.write(garbage, sync: false)
        #expect(throws: StateTreeError.corruptNode(.root(version: 1), reason: "unknown TreeNode tag 9")) {
            try tree.value(for: key, at: 1)
        }
    }

    @Test("a hash-consistent chain of internal nodes deeper than 64 nibbles is reported as corrupt, not a crash")
    func overlyDeepNodesAreErrors() throws {
        let store = MemoryKeyValueStore()
        defer { store.close() }
        let key = StateKey(namespace: [3], key: [4])
        let leaf = ChildReference(hash: Hash.tagged(.stateLeaf, [5]), version: 1, isLeaf: true)
        var node = try #require(InternalNode(children: [(0, leaf), (1, leaf)]))
        var batch = WriteBatch()
        for depth in stride(from: StateTreeLimits.pathNibblesMax, through: 0, by: -1) {
            let nodeKey = NodeKey(version: 1, path: NibblePath(key: key, count: depth))
            batch.put(TreeNode.internal(node).canonicalBytes, for: [0x01] + nodeKey.encodedBytes, in: .treeNodes)
            if depth > 0 {
                let child = ChildReference(hash: node.hash, version: 1, isLeaf: false)
                node = try #require(InternalNode(children: [(key.nibble(at: depth - 1), child)]))
            }
        }
        try store.write(batch, sync: false)
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let deepest = NodeKey(version: 1, path: NibblePath(key: key, count: StateTreeLimits.pathNibblesMax))
        let expected = StateTreeError.corruptNode(deepest, reason: "an internal node below the deepest nibble")
        #expect(throws: expected) { try tree.value(for: key, at: 1) }
        #expect(throws: expected) { try tree.proof(for: key, at: 1) }
        #expect(throws: expected) { try tree.update([.put(key, [1])], version: 2, previousVersion: 1) }
    }

    static func block(height: UInt64, parentHash: Hash) -> Block {
        let header = BlockHeader(
            chainId: "sbp-statetree-test", height: height, view: 0, timestampMs: height, parentHash: parentHash,
            proposer: .zero, transactionsRoot: Block.transactionsRoot(of: []), lastCommitHash: Block.lastCommitHash(of: nil),
            previousReceiptsRoot: MerkleRoot.empty, stateRoot: MerkleRoot.empty, validatorsHash: .zero)
        return Block(header: header, transactions: [], lastCommit: nil)
    }

    static func certificate(for block: Block) throws -> CommitCertificate {
        let signature = try RecoverableSignature(compact: [UInt8](repeating: 0x01, count: 64), recoveryId: 1)
        return try CommitCertificate(
            height: block.height, view: 0, blockHash: block.hash,
            votes: (0..<UInt16(3)).map { CommitVote(validatorIndex: $0, signature: signature) })
    }
}
