import Storage
import Testing

/// The `KeyValueStore` contract, checked against every implementation.
@Suite("KeyValueStore conformance")
struct KeyValueStoreConformanceTests {
    @Test("get returns what put wrote; delete removes it; deleting a missing key is not an error", arguments: StoreKind.allCases)
    func getPutDelete(kind: StoreKind) throws {
        try withStore(kind) { store in
            #expect(try store.get([1, 2, 3], in: .metadata) == nil)
            var batch = WriteBatch()
            batch.put([9, 9], for: [1, 2, 3], in: .metadata)
            batch.put([], for: [4], in: .metadata)
            try store.write(batch, sync: true)
            #expect(try store.get([1, 2, 3], in: .metadata) == [9, 9])
            #expect(try store.get([4], in: .metadata) == [], "an empty value is present, not absent")

            var deletes = WriteBatch()
            deletes.delete([1, 2, 3], in: .metadata)
            deletes.delete([7, 7, 7], in: .metadata)
            try store.write(deletes, sync: false)
            #expect(try store.get([1, 2, 3], in: .metadata) == nil)
            #expect(try store.get([4], in: .metadata) == [])
        }
    }

    @Test("a later write to a key wins, across batches and within one batch", arguments: StoreKind.allCases)
    func overwrite(kind: StoreKind) throws {
        try withStore(kind) { store in
            try store.write(batch(puts: [([1], [1])]), sync: false)
            try store.write(batch(puts: [([1], [2])]), sync: false)
            #expect(try store.get([1], in: .blocks) == [2])

            var batch = WriteBatch()
            batch.put([3], for: [2], in: .blocks)
            batch.put([4], for: [2], in: .blocks)
            batch.put([5], for: [3], in: .blocks)
            batch.delete([3], in: .blocks)
            batch.delete([4], in: .blocks)
            batch.put([6], for: [4], in: .blocks)
            try store.write(batch, sync: false)
            #expect(try store.get([2], in: .blocks) == [4])
            #expect(try store.get([3], in: .blocks) == nil)
            #expect(try store.get([4], in: .blocks) == [6])
        }
    }

    @Test("a batch that breaks a limit writes nothing, in any family", arguments: StoreKind.allCases)
    func rejectedBatchWritesNothing(kind: StoreKind) throws {
        try withStore(kind) { store in
            try store.write(batch(puts: [([1], [1])]), sync: true)
            let before = try contents(of: store)
            var batch = WriteBatch()
            batch.put([2], for: [1], in: .blocks)
            batch.put([2], for: [2], in: .indexes)
            batch.put([2], for: [UInt8](repeating: 0xaa, count: StorageLimits.keyBytesMax + 1), in: .metadata)
            #expect(throws: StorageError.self) { try store.write(batch, sync: true) }
            #expect(try contents(of: store) == before)
        }
    }

    /// Issue 18: the ledger writes a block's large batch and the block store's entries as two batches of one
    /// write, so that the large one is not copied; the result must be that of one batch holding both.
    @Test("several batches written together end as their operations appended into one batch would", arguments: StoreKind.allCases)
    func severalBatchesAsOne(kind: StoreKind) throws {
        for seed in 0..<8 {
            var random = SeededGenerator(seed: UInt64(seed))
            let batches = (0..<3).map { _ in
                var batch = WriteBatch()
                for _ in 0..<(Int(random.next() % 40)) {
                    let key = (0..<(1 + Int(random.next() % 2))).map { _ in UInt8(random.next() % 4) }
                    let family: ColumnFamily = random.next() % 2 == 0 ? .indexes : .treeNodes
                    if random.next() % 3 == 0 {
                        batch.delete(key, in: family)
                    } else {
                        batch.put([UInt8(random.next() % 200)], for: key, in: family)
                    }
                }
                return batch
            }
            var merged = WriteBatch()
            for batch in batches { merged.append(contentsOf: batch) }
            let reference = MemoryKeyValueStore()
            defer { reference.close() }
            try reference.write(batch(puts: [([1], [7])], in: .indexes), sync: false)
            try reference.write(merged, sync: false)
            try withStore(kind) { store in
                try store.write(batch(puts: [([1], [7])], in: .indexes), sync: false)
                try store.write(batches, sync: true)
                #expect(try contents(of: store) == contents(of: reference), "seed \(seed)")
            }
        }
    }

    /// The limits bound a write, not each of its batches: three batches of just under 32 MiB each fit alone and
    /// together exceed `StorageLimits.batchBytesMax` (64 MiB).
    @Test("batches written together that break a limit together write nothing", arguments: StoreKind.allCases)
    func severalBatchesShareTheLimits(kind: StoreKind) throws {
        try withStore(kind) { store in
            try store.write(batch(puts: [([1], [1])]), sync: true)
            let before = try contents(of: store)
            let value = [UInt8](repeating: 0x5a, count: StorageLimits.batchBytesMax / 2 - 1_000)
            let batches = (0..<3).map { index in batch(puts: [([UInt8(10 + index)], value)], in: .blocks) }
            for single in batches { try WriteBatch.validate([single]) }
            #expect(throws: StorageError.self) { try store.write(batches, sync: true) }
            #expect(try contents(of: store) == before)
        }
    }

    @Test("a batch across families becomes visible as a whole", arguments: StoreKind.allCases)
    func batchAcrossFamilies(kind: StoreKind) throws {
        try withStore(kind) { store in
            var batch = WriteBatch()
            for family in ColumnFamily.allCases { batch.put(Array(family.name.utf8), for: [0x10], in: family) }
            var other = WriteBatch()
            other.put([0xee], for: [0x11], in: .journal)
            batch.append(contentsOf: other)
            #expect(batch.count == ColumnFamily.allCases.count + 1)
            try store.write(batch, sync: true)
            for family in ColumnFamily.allCases {
                #expect(try store.get([0x10], in: family) == Array(family.name.utf8))
            }
            #expect(try store.get([0x11], in: .journal) == [0xee])
        }
    }

    @Test("scans return keys in unsigned lexicographic order, including 0xff bytes and empty keys", arguments: StoreKind.allCases)
    func scanOrder(kind: StoreKind) throws {
        let keys: [[UInt8]] = [
            [0xff, 0xff], [0x80], [], [0x00], [0x7f, 0xff], [0xff], [0x00, 0x00], [0x01, 0x02], [0xff, 0x00],
            [0x7f], [0x01], [0xff, 0xff, 0xff], [0x80, 0x00, 0x01],
        ]
        try withStore(kind) { store in
            try store.write(batch(puts: keys.map { ($0, $0 + [0x5a]) }), sync: false)
            let expected = keys.sorted { $0.lexicographicallyPrecedes($1) }
            let all = try store.scan(prefix: [], in: .blocks)
            #expect(all.map(\.key) == expected)
            #expect(all.allSatisfy { $0.value == $0.key + [0x5a] })

            #expect(try store.scan(prefix: [0xff], in: .blocks).map(\.key) == [[0xff], [0xff, 0x00], [0xff, 0xff], [0xff, 0xff, 0xff]])
            #expect(try store.scan(prefix: [0xff, 0xff], in: .blocks).map(\.key) == [[0xff, 0xff], [0xff, 0xff, 0xff]])
            #expect(try store.scan(prefix: [0x7f], in: .blocks).map(\.key) == [[0x7f], [0x7f, 0xff]])
            #expect(try store.scan(prefix: [0x00], in: .blocks).map(\.key) == [[0x00], [0x00, 0x00]])
            #expect(try store.scan(prefix: [0x02], in: .blocks).isEmpty)
            #expect(try store.scan(prefix: [0x80, 0x00], in: .blocks).map(\.key) == [[0x80, 0x00, 0x01]])
        }
    }

    @Test("pages of a scan, each after the previous page's last key, add up to the whole scan", arguments: StoreKind.allCases)
    func pagination(kind: StoreKind) throws {
        try withStore(kind) { store in
            let keys = (0..<25).map { [0x42, UInt8($0 * 10)] }
            try store.write(batch(puts: keys.map { ($0, [$0[1]]) } + [([0x41, 0xff], [0]), ([0x43], [0])]), sync: false)

            var pages: [[KeyValuePair]] = []
            var after: [UInt8]?
            repeat {
                pages.append(try store.scan(prefix: [0x42], after: after, limit: 10, in: .blocks))
                after = pages.last?.last?.key
            } while pages.last?.count == 10
            #expect(pages.map(\.count) == [10, 10, 5])
            #expect(pages.flatMap { $0 }.map(\.key) == keys)

            #expect(try store.scan(prefix: [0x42], after: [0x42, 15], limit: 2, in: .blocks).map(\.key) == [[0x42, 20], [0x42, 30]])
            #expect(
                try store.scan(prefix: [0x42], after: [0x41], limit: 1, in: .blocks).map(\.key) == [[0x42, 0]],
                "after below the prefix starts at the prefix")
            #expect(try store.scan(prefix: [0x42], after: [0x43], in: .blocks).isEmpty, "after beyond the prefix ends the scan")
            #expect(try store.scan(prefix: [0x42], after: [0x42, 240], in: .blocks).isEmpty)
            #expect(try store.scan(prefix: [0x42], limit: 0, in: .blocks).isEmpty)
            #expect(throws: StorageError.self) { try store.scan(prefix: [0x42], limit: StorageLimits.scanPairsMax + 1, in: .blocks) }
            #expect(throws: StorageError.self) { try store.scan(prefix: [0x42], limit: -1, in: .blocks) }
        }
    }

    @Test("a snapshot keeps reading the store as it was, whatever is written later", arguments: StoreKind.allCases)
    func snapshotIsolation(kind: StoreKind) throws {
        try withStore(kind) { store in
            try store.write(batch(puts: [([1], [1]), ([2], [2]), ([3], [3])]), sync: false)
            let snapshot = try store.snapshot()

            var later = WriteBatch()
            later.put([10], for: [1], in: .blocks)
            later.delete([2], in: .blocks)
            later.put([4], for: [4], in: .blocks)
            later.put([4], for: [4], in: .indexes)
            try store.write(later, sync: true)

            #expect(try snapshot.get([1], in: .blocks) == [1])
            #expect(try snapshot.get([2], in: .blocks) == [2])
            #expect(try snapshot.get([4], in: .blocks) == nil)
            #expect(try snapshot.get([4], in: .indexes) == nil)
            #expect(try snapshot.scan(prefix: [], in: .blocks) == [pair([1], [1]), pair([2], [2]), pair([3], [3])])
            #expect(try snapshot.scan(prefix: [], after: [1], limit: 1, in: .blocks) == [pair([2], [2])])

            #expect(try store.get([1], in: .blocks) == [10])
            #expect(try store.scan(prefix: [], in: .blocks) == [pair([1], [10]), pair([3], [3]), pair([4], [4])])
        }
    }

    /// Issue 18: a state tree update reads a level's nodes with one `get(keys:in:)` (RocksDB: one batched
    /// MultiGet); whatever order, repeats or absences, it must answer what `get(_:in:)` answers per key.
    @Test("get(keys:) answers what get answers for each key, on the store and on a snapshot", arguments: StoreKind.allCases)
    func getKeys(kind: StoreKind) throws {
        try withStore(kind) { store in
            var first = WriteBatch()
            for index in 0..<1_500 { first.put(Self.value(index), for: Self.key(index), in: .treeNodes) }
            first.put([], for: [0x7f], in: .treeNodes)
            first.put([1], for: [], in: .treeNodes)
            first.put([2], for: Self.key(3), in: .indexes)
            try store.write(first, sync: false)
            let snapshot = try store.snapshot()
            var second = WriteBatch()
            for index in stride(from: 0, to: 1_500, by: 3) { second.delete(Self.key(index), in: .treeNodes) }
            for index in 1_500..<2_000 { second.put(Self.value(index), for: Self.key(index), in: .treeNodes) }
            try store.write(second, sync: false)

            // Present in the first or second batch, deleted, never written, empty value, empty key, repeated.
            var generator = SeededGenerator(seed: 18)
            var keys = (0..<2_500).map { Self.key($0) } + [[0x7f], [], Self.key(7), [0x7f, 0]]
            keys.shuffle(using: &generator)
            for reader in [store as any KeyValueReader, snapshot] {
                let values = try reader.get(keys: keys, in: .treeNodes)
                #expect(values == (try keys.map { try reader.get($0, in: .treeNodes) }))
                #expect(values.contains { $0 == [] }, "an empty value is present, not absent")
                #expect(values.contains { $0 == nil })
                #expect(try reader.get(keys: [], in: .treeNodes).isEmpty)
                #expect(try reader.get(keys: [Self.key(3)], in: .indexes) == [[2]])
            }
            #expect(try snapshot.get(keys: [Self.key(0), Self.key(1_600)], in: .treeNodes) == [Self.value(0), nil])
            #expect(try store.get(keys: [Self.key(0), Self.key(1_600)], in: .treeNodes) == [nil, Self.value(1_600)])

            let tooMany = [[UInt8]](repeating: [1], count: StorageLimits.getKeysMax + 1)
            #expect(throws: StorageError.self) { try store.get(keys: tooMany, in: .treeNodes) }
            #expect(throws: StorageError.self) { try snapshot.get(keys: tooMany, in: .treeNodes) }
            let longKey = [UInt8](repeating: 1, count: StorageLimits.keyBytesMax + 1)
            #expect(throws: StorageError.self) { try store.get(keys: [[1], longKey], in: .treeNodes) }
        }
    }

    static func key(_ index: Int) -> [UInt8] { [0x01, UInt8(index >> 8), UInt8(index & 0xff)] }
    static func value(_ index: Int) -> [UInt8] { [UInt8](repeating: UInt8(index % 251), count: index % 300) }

    @Test("the same key in two families holds two independent values", arguments: StoreKind.allCases)
    func familyIsolation(kind: StoreKind) throws {
        try withStore(kind) { store in
            var batch = WriteBatch()
            batch.put([1], for: [7], in: .blocks)
            batch.put([2], for: [7], in: .certificates)
            batch.put([3], for: [8], in: .certificates)
            try store.write(batch, sync: false)
            #expect(try store.get([7], in: .blocks) == [1])
            #expect(try store.get([7], in: .certificates) == [2])
            #expect(try store.get([7], in: .indexes) == nil)
            #expect(try store.scan(prefix: [], in: .blocks) == [pair([7], [1])])

            var delete = WriteBatch()
            delete.delete([7], in: .blocks)
            try store.write(delete, sync: false)
            #expect(try store.get([7], in: .blocks) == nil)
            #expect(try store.get([7], in: .certificates) == [2])
        }
    }

    @Test("every call after close throws .closed, on the store and on its snapshots; close is idempotent", arguments: StoreKind.allCases)
    func closedStore(kind: StoreKind) throws {
        try withStore(kind) { store in
            try store.write(batch(puts: [([1], [1])]), sync: true)
            let snapshot = try store.snapshot()
            store.close()
            store.close()
            #expect(throws: StorageError.closed) { try store.get([1], in: .blocks) }
            #expect(throws: StorageError.closed) { try store.scan(prefix: [], in: .blocks) }
            #expect(throws: StorageError.closed) { try store.write(batch(puts: [([2], [2])]), sync: true) }
            #expect(throws: StorageError.closed) { try store.snapshot() }
            #expect(throws: StorageError.closed) { try snapshot.get([1], in: .blocks) }
            #expect(throws: StorageError.closed) { try store.get(keys: [[1]], in: .blocks) }
            #expect(throws: StorageError.closed) { try snapshot.get(keys: [[1]], in: .blocks) }
            #expect(throws: StorageError.closed) { try snapshot.scan(prefix: [], in: .blocks) }
        }
    }

    @Test("keys and values above their limits are rejected with .invalidArgument", arguments: StoreKind.allCases)
    func limits(kind: StoreKind) throws {
        try withStore(kind) { store in
            let longKey = [UInt8](repeating: 1, count: StorageLimits.keyBytesMax + 1)
            #expect(throws: StorageError.self) { try store.get(longKey, in: .blocks) }
            #expect(throws: StorageError.self) { try store.scan(prefix: longKey, in: .blocks) }
            var tooLarge = WriteBatch()
            tooLarge.put([UInt8](repeating: 0, count: StorageLimits.valueBytesMax + 1), for: [1], in: .blocks)
            do {
                try store.write(tooLarge, sync: false)
                Issue.record("an oversized value was written")
            } catch let error as StorageError {
                #expect(isInvalidArgument(error), "expected .invalidArgument, got \(error)")
            }
            #expect(try store.get([1], in: .blocks) == nil)
        }
    }

    @Test("concurrent writers and readers see every committed batch whole", arguments: StoreKind.allCases)
    func concurrentWritesAndReads(kind: StoreKind) async throws {
        let writers = 4
        let batchesPerWriter = 25
        try await withAsyncStore(kind) { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<batchesPerWriter {
                            let key: [UInt8] = [UInt8(writer), UInt8(index)]
                            var batch = WriteBatch()
                            batch.put(key, for: key, in: .blocks)
                            batch.put(key, for: key, in: .indexes)
                            try store.write(batch, sync: false)
                            let snapshot = try store.snapshot()
                            let inBlocks = try snapshot.scan(prefix: [UInt8(writer)], in: .blocks)
                            let inIndexes = try snapshot.scan(prefix: [UInt8(writer)], in: .indexes)
                            #expect(inBlocks == inIndexes, "a batch is visible in both families or neither")
                            #expect(inBlocks.count == index + 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try store.scan(prefix: [], in: .blocks).count == writers * batchesPerWriter)
        }
    }
}

/// A batch of puts into `family`.
func batch(puts: [([UInt8], [UInt8])], in family: ColumnFamily = .blocks) -> WriteBatch {
    var batch = WriteBatch()
    for (key, value) in puts { batch.put(value, for: key, in: family) }
    return batch
}

func isInvalidArgument(_ error: StorageError) -> Bool {
    if case .invalidArgument = error { return true }
    return false
}

func pair(_ key: [UInt8], _ value: [UInt8]) -> KeyValuePair {
    KeyValuePair(key: key, value: value)
}
