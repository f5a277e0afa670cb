import ChainTypes
import StateTree
import Testing

/// Random seeded histories checked against the naive reference, on every node store.
@Suite("State tree against the naive reference")
struct StateTreePropertyTests {
    static let heights: UInt64 = 50
    static let universe = (0..<240).map { StateKey(namespace: Array("contract-\($0 % 3)".utf8), key: [UInt8($0), 0x5a]) }

    /// One random batch: distinct keys, about a quarter deletes (of present and absent keys alike).
    static func randomBatch(using generator: inout SeededGenerator) -> [StateChange] {
        let size = Int.random(in: 0...40, using: &generator)
        var keys = Set<Int>()
        while keys.count < size { keys.insert(Int.random(in: 0..<universe.count, using: &generator)) }
        return keys.sorted().map { index in
            if Int.random(in: 0..<4, using: &generator) == 0 { return .delete(universe[index]) }
            let length = Int.random(in: 0...24, using: &generator)
            return .put(universe[index], (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }.shuffled(using: &generator)
    }

    static func referenceRoot(_ map: [StateKey: [UInt8]]) -> Hash {
        ReferenceTree.root(of: Dictionary(uniqueKeysWithValues: map.map { ($0.key.hash, $0.value) }))
    }

    @Test(
        "roots match the reference after every height; past heights keep their values and proofs",
        arguments: TreeStoreKind.allCases, [UInt64(1), 2, 3])
    func randomHistories(kind: TreeStoreKind, seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        let harness = try TreeHarness(kind)
        var model: [StateKey: [UInt8]] = [:]
        var history: [UInt64: [StateKey: [UInt8]]] = [:]
        var roots: [UInt64: Hash] = [:]
        for version in 1...Self.heights {
            let batch = Self.randomBatch(using: &generator)
            for change in batch { model[change.key] = change.value }
            let update = try harness.apply(batch, version: version)
            let expected = Self.referenceRoot(model)
            #expect(update.rootHash == expected, "seed \(seed) version \(version)")
            #expect(try harness.rootHash(at: version) == expected)
            history[version] = model
            roots[version] = expected
            if version == Self.heights / 2 { try harness.reopen() }
        }
        for version in stride(from: UInt64(1), through: Self.heights, by: 7) {
            try checkVersion(harness, version: version, model: history[version] ?? [:], root: roots[version] ?? .zero)
        }
    }

    /// Every key of the universe reads back as the model says and proves so (presence or absence).
    func checkVersion(_ harness: TreeHarness, version: UInt64, model: [StateKey: [UInt8]], root: Hash) throws {
        for key in Self.universe {
            let expected = model[key]
            #expect(try harness.value(for: key, at: version) == expected)
            let (value, proof) = try harness.proof(for: key, at: version)
            #expect(value == expected)
            #expect(proof.verifies(key: key, value: expected, root: root), "version \(version) key \(key)")
            #expect(!proof.verifies(key: key, value: expected.map { $0 + [0] } ?? [], root: root))
        }
    }

    @Test("the batch order does not matter, and a batch equals its changes applied one version at a time")
    func batchEqualsSequence() throws {
        var generator = SeededGenerator(seed: 99)
        let batch = (0..<60).map { StateChange.put(Self.universe[$0], [UInt8($0)]) }
        let whole = try TreeHarness(.memoryTree)
        let shuffled = try TreeHarness(.memoryTree)
        let single = try TreeHarness(.memoryTree)
        let root = try whole.apply(batch, version: 1).rootHash
        #expect(try shuffled.apply(batch.shuffled(using: &generator), version: 1).rootHash == root)
        var last = Hash.zero
        for (index, change) in batch.enumerated() { last = try single.apply([change], version: UInt64(index + 1)).rootHash }
        #expect(last == root)
    }

    @Test(
        "keys sharing up to 255 leading bits are placed, proved and deleted correctly",
        arguments: TreeStoreKind.allCases)
    func deepKeys(kind: TreeStoreKind) throws {
        let base = [UInt8](repeating: 0xA5, count: 32)
        var keys: [StateKey] = []
        for bit in [255, 254, 200, 130, 64, 63, 5, 0] {
            var bytes = base
            bytes[bit / 8] ^= 0x80 >> UInt8(bit % 8)
            keys.append(StateKey(hash: Hash(bytes: bytes) ?? .zero))
        }
        keys.append(StateKey(hash: Hash(bytes: base) ?? .zero))
        let harness = try TreeHarness(kind)
        var model: [StateKey: [UInt8]] = [:]
        for (index, key) in keys.enumerated() { model[key] = [UInt8(index)] }
        try harness.apply(model.map { .put($0.key, $0.value) }, version: 1)
        #expect(try harness.rootHash(at: 1) == Self.referenceRoot(model))
        try checkKeys(harness, keys: keys, model: model, version: 1)
        // Deleting one of the two deepest keys lifts the other back up to the top.
        model[keys[0]] = nil
        try harness.apply([.delete(keys[0])], version: 2)
        #expect(try harness.rootHash(at: 2) == Self.referenceRoot(model))
        try checkKeys(harness, keys: keys, model: model, version: 2)
        // The base key and keys[0] differ only in the last bit: their proofs have one sibling per bit.
        #expect(try harness.proof(for: keys[keys.count - 1], at: 1).proof.siblings.count == 256)
        #expect(try harness.proof(for: keys[1], at: 1).proof.siblings.count == 255)
        for key in keys { model[key] = nil }
        try harness.apply(keys.map { .delete($0) }, version: 3)
        #expect(try harness.rootHash(at: 3) == TreeHasher.emptyHash)
        #expect(
            try harness.rootHash(at: 1)
                == ReferenceTree.root(Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element.hash, [UInt8($0.offset)]) })))
    }

    func checkKeys(_ harness: TreeHarness, keys: [StateKey], model: [StateKey: [UInt8]], version: UInt64) throws {
        let root = try harness.rootHash(at: version)
        for key in keys {
            let (value, proof) = try harness.proof(for: key, at: version)
            #expect(value == model[key])
            #expect(proof.verifies(key: key, value: model[key], root: root))
        }
    }
}

extension ReferenceTree {
    /// Shorthand used where a test already has hash-keyed values.
    static func root(_ map: [Hash: [UInt8]]) -> Hash { root(of: map) }
}

/// Stale-node bookkeeping is exact: pruning everything below the latest version leaves precisely the
/// nodes that version reaches, so no node leaks and no reachable node is deleted.
@Suite("Stale-node records")
struct StaleNodeTests {
    @Test(
        "after pruning to the latest version, the store holds exactly the nodes reachable from its root",
        arguments: [UInt64(11), 12, 13])
    func pruningLeavesExactlyTheLiveTree(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        var store = MemoryTreeStore()
        var latest: UInt64?
        for version in UInt64(1)...40 {
            let batch = StateTreePropertyTests.randomBatch(using: &generator)
            store.write(try SparseMerkleTree(reader: store).update(batch, version: version, previousVersion: latest))
            latest = version
            if version % 10 == 0 {
                store.prune(retaining: version)
                #expect(Set(store.nodes.keys) == Self.reachable(from: .root(version: version), in: store))
            }
        }
    }

    static func reachable(from key: NodeKey, in store: MemoryTreeStore) -> Set<NodeKey> {
        var result: Set<NodeKey> = [key]
        guard case .internal(let node)? = store.nodes[key] else { return result }
        for (nibble, child) in node.childPairs {
            result.formUnion(reachable(from: NodeKey(version: child.version, path: key.path.appending(nibble)), in: store))
        }
        return result
    }
}
