import ChainTypes
import StateTree
import Storage
import Testing

/// Storage format 3 (ADR 0019): a version's stale nodes are recorded as lists, not one record per node;
/// pruning still deletes exactly what no retained version reaches, across stores that hold both kinds.
@Suite("Stale node lists")
struct StaleListTests {
    static func changes(version: UInt64, count: Int) -> [StateChange] {
        (0..<count).map { index in
            let key = StateKey(namespace: [9], key: [UInt8(index % 256), UInt8(index / 256), UInt8(version % 2)])
            return .put(key, [UInt8(truncatingIfNeeded: version), UInt8(truncatingIfNeeded: index)])
        }
    }

    static func version(ofList key: [UInt8]) -> UInt64 { key[1...8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }

    /// Every `0x01` node key the versions in `versions` reach from their roots.
    static func reachable(_ store: any KeyValueReader, versions: ClosedRange<UInt64>) throws -> Set<[UInt8]> {
        var keys: Set<[UInt8]> = []
        let reader = KeyValueTreeReader(store: store)
        for version in versions {
            var pending = [NodeKey.root(version: version)]
            while let key = pending.popLast() {
                guard keys.insert([0x01] + key.encodedBytes).inserted, let node = try reader.node(at: key) else { continue }
                if case .internal(let internalNode) = node {
                    for (nibble, child) in internalNode.childPairs {
                        pending.append(NodeKey(version: child.version, path: key.path.appending(nibble)))
                    }
                }
            }
        }
        return keys
    }

    @Test("an update writes its stale nodes as one list per version, in chunks of 4,096, and records format 3 in the same batch")
    func listsPerVersion() throws {
        let store = MemoryKeyValueStore()
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let first = try tree.update(Self.changes(version: 1, count: 5_000), version: 1, previousVersion: nil)
        var writer = KeyValueTreeWriter()
        writer.write(first)
        #expect(try store.get(StorageFormat.key, in: .metadata) == nil)
        try store.write(writer.batch, sync: false)
        #expect(try store.scan(prefix: [0x03], in: .treeNodes).isEmpty, "nothing was stale at the first version")

        // Version 2 rewrites every leaf of version 1 (new values), so more than 4,096 nodes go stale.
        let changes = Self.changes(version: 1, count: 5_000).map { StateChange(key: $0.key, value: [2]) }
        let second = try tree.update(changes, version: 2, previousVersion: 1)
        #expect(second.staleNodes.count > 5_000)
        writer = KeyValueTreeWriter()
        writer.write(second)
        try store.write(writer.batch, sync: false)
        #expect(try store.get(StorageFormat.key, in: .metadata) == StorageFormat.encode(StorageFormat.staleLists))
        #expect(try store.scan(prefix: [0x02], in: .treeNodes).isEmpty)
        let lists = try store.scan(prefix: [0x03], in: .treeNodes)
        #expect(lists.count == (second.staleNodes.count + 4_095) / 4_096)
        #expect(lists.allSatisfy { Self.version(ofList: $0.key) == 2 })
        #expect(lists.map { Array($0.key[9...]) } == (0..<lists.count).map { [0, 0, 0, UInt8($0)] })
    }

    @Test(
        "pruning in steps of any size deletes exactly the nodes no kept version reaches, from older per-node records and lists alike",
        arguments: [1, 3, 7, 1_000])
    func pruningAcrossBothKinds(nodesMax: Int) throws {
        let store = MemoryKeyValueStore()
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        var roots: [UInt64: Hash] = [:]
        for version in UInt64(1)...12 {
            let update = try tree.update(
                Self.changes(version: version, count: 40), version: version, previousVersion: version > 1 ? version - 1 : nil)
            var writer = KeyValueTreeWriter()
            writer.write(update)
            var batch = writer.batch
            if version <= 6 {
                // Written as a format-2 build did: a record per stale node, no list.
                batch = WriteBatch()
                for (key, node) in update.nodes { batch.put(node.canonicalBytes, for: [0x01] + key.encodedBytes, in: .treeNodes) }
                for record in update.staleNodes {
                    batch.put([], for: [0x02] + Self.bigEndian(record.staleSinceVersion) + record.nodeKey.encodedBytes, in: .treeNodes)
                }
            }
            try store.write(batch, sync: false)
            roots[version] = update.rootHash
        }
        #expect(try !store.scan(prefix: [0x02], in: .treeNodes).isEmpty)
        #expect(try !store.scan(prefix: [0x03], in: .treeNodes).isEmpty)

        var cursor: [UInt8]?
        var steps = 0
        while true {
            var writer = KeyValueTreeWriter()
            let pruned = try writer.prune(retaining: 9, reading: store, recordsMax: nodesMax, after: cursor)
            try store.write(writer.batch, sync: false)
            if let last = writer.lastPrunedRecord { cursor = last }
            steps += 1
            #expect(pruned <= nodesMax)
            if pruned < nodesMax { break }
        }
        let stored = Set(try store.keys(prefix: [0x01], in: .treeNodes))
        #expect(stored == (try Self.reachable(store, versions: 9...12)))
        for version in UInt64(9)...12 {
            #expect(try tree.rootHash(at: version) == roots[version])
            for change in Self.changes(version: version, count: 40) {
                #expect(try tree.value(for: change.key, at: version) == change.value)
            }
        }
        #expect(try store.scan(prefix: [0x02], in: .treeNodes).isEmpty)
        #expect(try store.scan(prefix: [0x03], in: .treeNodes).map { Self.version(ofList: $0.key) } == [10, 11, 12])
        if nodesMax == 1 { #expect(steps > 12, "a list longer than a step is cut and finished in later steps") }
    }

    @Test("a stale list that does not decode is reported as corruption, not skipped")
    func damagedList() throws {
        let store = MemoryKeyValueStore()
        var batch = WriteBatch()
        let key: [UInt8] = [0x03] + Self.bigEndian(4) + [0, 0, 0, 0]
        for value: [UInt8] in [[3, 1, 2, 3], [20] + [UInt8](repeating: 0, count: 9), [9, 0, 0, 0, 0, 0, 0, 0, 1, 70]] {
            batch.put(value, for: key, in: .treeNodes)
            try store.write(batch, sync: false)
            var writer = KeyValueTreeWriter()
            let error = #expect(throws: StorageError.self) { try writer.prune(retaining: 9, reading: store, recordsMax: 100) }
            #expect("\(error.map { "\($0)" } ?? "")".contains("does not decode"))
        }
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) } }
}
