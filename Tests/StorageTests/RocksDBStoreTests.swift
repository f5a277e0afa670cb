import ChainTypes
import Foundation
import Storage
import Testing

@testable import StorageRocksDB

/// What only a durable store can show: data outlives the process's handle on it.
@Suite("RocksDBStore")
struct RocksDBStoreTests {
    @Test("a closed and reopened store keeps every batch, synced or not, and its blocks")
    func reopenKeepsData() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        var chain = TestChain()
        var appended: [Block] = []
        do {
            let store = try RocksDBStore(path: path)
            defer { store.close() }
            let blocks = BlockStore(store: store)
            for _ in 0..<5 {
                let (block, certificate) = chain.next(transactionCount: 2)
                try blocks.append(block, certificate: certificate)
                chain.advance(block, certificate)
                appended.append(block)
            }
            try store.write(batch(puts: [([0xff, 0x01], [7])], in: .journal), sync: false)
        }

        let reopened = try RocksDBStore(path: path)
        defer { reopened.close() }
        let blocks = BlockStore(store: reopened)
        #expect(try blocks.latestHeight() == 5)
        for block in appended {
            #expect(try blocks.block(at: block.height) == block)
            #expect(try blocks.block(hash: block.hash) == block)
            #expect(try blocks.certificate(at: block.height)?.blockHash == block.hash)
        }
        #expect(try reopened.get([0xff, 0x01], in: .journal) == [7])
        let (next, certificate) = chain.next()
        try blocks.append(next, certificate: certificate)
        #expect(try blocks.latestHeight() == 6)
    }

    /// The store hands a batch to RocksDB sorted by family and key (cheaper memtable inserts), which must
    /// not change what the batch means: where one batch touches a key twice, its later operation wins.
    @Test("a batch sorted for RocksDB keeps its meaning: the later of two operations on one key wins")
    func sortedBatchKeepsLaterOperations() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"))
        defer { store.close() }
        var batch = WriteBatch()
        batch.put([1], for: [0x09], in: .indexes)
        batch.put([2], for: [0x01], in: .treeNodes)
        batch.delete([0x09], in: .indexes)  // after its put: absent
        batch.delete([0x05], in: .indexes)
        batch.put([3], for: [0x05], in: .indexes)  // after its delete: present
        batch.put([4], for: [0x01, 0x00], in: .treeNodes)
        batch.put([5], for: [0x01], in: .treeNodes)  // the second put wins
        try store.write(batch, sync: true)
        #expect(try store.get([0x09], in: .indexes) == nil)
        #expect(try store.get([0x05], in: .indexes) == [3])
        #expect(try store.get([0x01], in: .treeNodes) == [5])
        #expect(try store.get([0x01, 0x00], in: .treeNodes) == [4])
        let order = RocksDBStore.applicationOrder(of: batch)
        #expect(order == [3, 4, 0, 2, 1, 6, 5])  // indexes before treeNodes (by name), then keys, then batch order
    }

    @Test("the application order equals sorting by family name, then key bytes (shorter first), then batch position", arguments: 0..<20)
    func applicationOrderMatchesReference(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed))
        var batch = WriteBatch()
        for _ in 0..<(1 + Int(random.next() % 300)) {
            let key = (0..<Int(random.next() % 4)).map { _ in UInt8(random.next() % 3) }  // short keys: many prefixes and ties
            let family = ColumnFamily.allCases[Int(random.next() % UInt64(ColumnFamily.allCases.count))]
            if random.next() % 4 == 0 { batch.delete(key, in: family) } else { batch.put([1], for: key, in: family) }
        }
        #expect(RocksDBStore.applicationOrder(of: batch) == Self.referenceOrder(of: batch))
    }

    /// The order `applicationOrder` must give, by a plain sort: family name, then key bytes (shorter first on a
    /// common prefix), then position in the batch.
    static func referenceOrder(of batch: WriteBatch) -> [Int] {
        let keys = batch.operations.map { operation -> (ColumnFamily, [UInt8]) in
            switch operation {
            case .put(let key, _, let family), .delete(let key, let family): (family, key)
            }
        }
        return keys.indices.sorted { left, right in
            if keys[left].0 != keys[right].0 { return keys[left].0.name < keys[right].0.name }
            if keys[left].1 != keys[right].1 { return keys[left].1.lexicographicallyPrecedes(keys[right].1) }
            return left < right
        }
    }

    /// The sort packs a key's first 15 bytes into integers and compares the rest from a buffer: keys that
    /// share prefixes of about that length (as one contract's index keys share 21 bytes), end inside it or
    /// just past it, must still come in the reference order.
    @Test("the application order of long keys sharing prefixes equals the reference order", arguments: 0..<20)
    func applicationOrderOfLongKeysMatchesReference(seed: Int) {
        var random = SeededGenerator(seed: UInt64(seed))
        let prefix = (0..<24).map { UInt8($0 % 2) }
        var batch = WriteBatch()
        for _ in 0..<(1 + Int(random.next() % 300)) {
            let shared = [0, 6, 7, 8, 13, 14, 15, 16, 21][Int(random.next() % 9)]
            let key = Array(prefix[..<shared]) + (0..<Int(random.next() % 4)).map { _ in UInt8(random.next() % 3) }
            let family = ColumnFamily.allCases[Int(random.next() % 3)]
            if random.next() % 4 == 0 { batch.delete(key, in: family) } else { batch.put([1], for: key, in: family) }
        }
        #expect(RocksDBStore.applicationOrder(of: batch) == Self.referenceOrder(of: batch))
    }

    /// Issue 18: RocksDB counts every key comparison in thread-local counters unless the thread's level is
    /// lowered, and a profile put a sixth of a block's memtable inserts there. The store turns them off on
    /// every call's thread; without that, this write and these reads count thousands of comparisons.
    @Test("the store's writes and reads leave RocksDB's per-thread comparison counter at zero")
    func performanceCountersAreOff() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"))
        defer { store.close() }
        var first = WriteBatch()
        for number in 0..<1_000 { first.put([1], for: Self.key(number, 0), in: .indexes) }
        try store.write(first, sync: false)
        let counted = try RocksDBStore.countedKeyComparisons {
            var batch = WriteBatch()
            for number in 0..<1_000 { batch.put([2], for: Self.key(number, 1), in: .indexes) }
            try store.write(batch, sync: true)
            for number in stride(from: 0, to: 1_000, by: 10) { _ = try store.get(Self.key(number, 1), in: .indexes) }
        }
        #expect(counted == 0)
        #expect(try store.get(Self.key(999, 1), in: .indexes) == [2])
    }

    /// Issue 18: the memtables keep an insert hint per first key byte (`RocksDBStore.familyOptions`), so a
    /// sorted block's keys of one tag search only from the previous one. RocksDB records the option per
    /// family in the database's options file; without it the file says `nullptr`.
    @Test("every column family is opened with a memtable insert hint per first key byte")
    func memtableInsertHintPerFamily() throws {
        let text = try Self.optionsFileOfNewStore()
        let hints = text.split(separator: "\n").filter { $0.contains("memtable_insert_with_hint_prefix_extractor=") }
        #expect(hints.count == ColumnFamily.allCases.count)
        #expect(hints.allSatisfy { $0.hasSuffix("=rocksdb.FixedPrefix.1") }, "\(hints)")
    }

    /// Issue 18: the state tree's nodes (mostly hashes, 0.89 of their size with Snappy) are stored
    /// uncompressed; every other family keeps RocksDB's default compression. RocksDB records each family's
    /// compression in the database's options file.
    @Test("the tree node family is stored without compression, the others with Snappy")
    func compressionPerFamily() throws {
        let text = try Self.optionsFileOfNewStore()
        var compression: [String: String] = [:]
        var family: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("[CFOptions \""), let name = line.split(separator: "\"").dropFirst().first { family = String(name) }
            let setting = line.trimmingCharacters(in: .whitespaces)
            if let family, setting.hasPrefix("compression=") { compression[family] = String(setting.dropFirst("compression=".count)) }
        }
        #expect(compression[ColumnFamily.treeNodes.name] == "kNoCompression", "\(compression)")
        for other in ColumnFamily.allCases where other != .treeNodes {
            #expect(compression[other.name] == "kSnappyCompression", "\(other.name): \(compression)")
        }
    }

    /// The options file RocksDB writes for a store created and closed in a temporary directory: one section
    /// per column family, with every option it was opened with.
    static func optionsFileOfNewStore() throws -> String {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        let store = try RocksDBStore(path: path)
        store.close()
        let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix("OPTIONS-") }.sorted()
        let latest = try #require(files.last)
        return try String(contentsOfFile: path + "/" + latest, encoding: .utf8)
    }

    /// `storage.memory_bytes` at its minimum: 8 MiB of memtables for 24 MiB of writes, so RocksDB
    /// flushes many times during the writes (and reads back through a 8 MiB block cache holding the index
    /// and filter blocks too); nothing may be lost, and a reopen with the default budget reads it all.
    @Test("a store on the smallest memory budget flushes under it and keeps every write")
    func smallestMemoryBudget() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        let value = [UInt8](repeating: 0x5a, count: 1024)
        let batches = 1_200
        do {
            let store = try RocksDBStore(path: path, memoryBudget: RocksDBStore.memoryBudgetMinimum)
            defer { store.close() }
            for number in 0..<batches {
                var batch = WriteBatch()
                for entry in 0..<20 {
                    batch.put(value, for: Self.key(number, entry), in: .treeNodes)
                }
                try store.write(batch, sync: false)
            }
            #expect(try store.get(Self.key(0, 0), in: .treeNodes) == value)
        }
        let reopened = try RocksDBStore(path: path)
        defer { reopened.close() }
        for number in stride(from: 0, to: batches, by: 7) {
            #expect(try reopened.get(Self.key(number, number % 20), in: .treeNodes) == value)
        }
    }

    /// One write to a family that never fills its memtable (the journal) pins the write-ahead log file it
    /// went to until that family flushes; the logs must still stay near the memtables' budget while another
    /// family takes 48 MiB (a million-licence store once kept 3.3 GB of them, replayed at every open).
    /// The check allows four times the bound, since flushes run in the background and may lag on a loaded
    /// machine; without the bound all 48 MiB stay.
    @Test("write-ahead logs stay bounded while a quiet column family holds the oldest")
    func writeAheadLogsStayBounded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        let value = [UInt8](repeating: 0x5a, count: 1024)
        let store = try RocksDBStore(path: path, memoryBudget: RocksDBStore.memoryBudgetMinimum)
        defer { store.close() }
        var first = WriteBatch()
        first.put([1], for: [1], in: .journal)
        try store.write(first, sync: true)
        for number in 0..<2_400 {
            var batch = WriteBatch()
            for entry in 0..<20 {
                batch.put(value, for: Self.key(number, entry), in: .treeNodes)
            }
            try store.write(batch, sync: false)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".log") }
        // A log may be deleted between the listing and its size (a flush in the background): it holds nothing.
        let logBytes = files.reduce(0) { total, name in
            total + (((try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.size] as? Int) ?? 0)
        }
        let bound = StorageTuning(memoryBudget: RocksDBStore.memoryBudgetMinimum).walBytesMax
        #expect(logBytes <= 4 * bound, "write-ahead logs: \(logBytes) bytes in \(files.count) files, bound \(bound)")
        #expect(try store.get([1], in: .journal) == [1])
    }

    /// Level 0 gathers 8 flushed memtables before a merge into level 1, whose target is what they hold
    /// (`StorageTuning.level0FilesToCompact`): RocksDB records the options it opened with in OPTIONS-*.
    @Test("level 0 gathers eight files before a merge, and level 1's target is what they hold")
    func compactionTrigger() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        let store = try RocksDBStore(path: path)
        defer { store.close() }
        let tuning = StorageTuning(memoryBudget: RocksDBStore.memoryBudgetDefault)
        #expect(tuning.level1Bytes == 256 << 20 && tuning.level1Bytes == 8 * tuning.memtableBytes)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasPrefix("OPTIONS-") }.max())
        let options = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
        let families = options.components(separatedBy: "[CFOptions ").count - 1
        #expect(families >= 2)
        #expect(options.components(separatedBy: "level0_file_num_compaction_trigger=8\n").count - 1 == families)
        #expect(options.components(separatedBy: "max_bytes_for_level_base=\(256 << 20)\n").count - 1 == families)
    }

    /// A file's index and filter are written in partitions under a small pinned top level: whole, they
    /// outgrow one shard of the block cache once files reach tens of MiB, and every point read then
    /// fetched and checksummed them again (a block of 2,000 licences at a million in state took 2.4 s to
    /// execute instead of 0.18 s). Without the partitioning the file reports no index partitions.
    @Test("table files carry partitioned indexes and filters")
    func tableFilesArePartitioned() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"), memoryBudget: RocksDBStore.memoryBudgetMinimum)
        defer { store.close() }
        let value = [UInt8](repeating: 0x5a, count: 100)
        for number in 0..<400 {
            var batch = WriteBatch()
            for entry in 0..<100 { batch.put(value, for: Self.key(number, entry), in: .indexes) }
            try store.write(batch, sync: false)
        }
        try store.compact()
        let properties = try #require(try store.property("rocksdb.aggregated-table-properties", in: .indexes))
        let partitions = Self.number(after: "# index partitions=", in: properties)
        #expect((partitions ?? 0) > 1, "aggregated table properties: \(properties)")
        #expect(properties.contains("filter block size") && Self.number(after: "filter block size=", in: properties) != 0)
        #expect(try store.get(Self.key(7, 9), in: .indexes) == value)
    }

    /// Issue 18: the state tree reads a level's nodes with one batched MultiGet, which takes its own path
    /// through table files (filters and index partitions probed per batch); on files, in the memtable and
    /// through a snapshot, it must answer what single reads answer.
    @Test("a batched read over table files, the memtable and a snapshot answers as single reads do")
    func batchedReadMatchesSingleReads() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"), memoryBudget: RocksDBStore.memoryBudgetMinimum)
        defer { store.close() }
        for number in 0..<200 {
            var batch = WriteBatch()
            for entry in stride(from: 0, to: 256, by: 2) {
                batch.put([UInt8](repeating: UInt8(entry), count: entry), for: Self.key(number, entry), in: .indexes)
            }
            try store.write(batch, sync: false)
        }
        try store.compact()
        let snapshot = try store.snapshot()
        var later = WriteBatch()
        for number in stride(from: 0, to: 200, by: 5) {
            later.put([7], for: Self.key(number, 3), in: .indexes)
            later.delete(Self.key(number, 4), in: .indexes)
        }
        try store.write(later, sync: false)
        var generator = SeededGenerator(seed: 7)
        let keys = (0..<3_000).map { _ in
            Self.key(Int.random(in: 0..<210, using: &generator), Int.random(in: 0..<8, using: &generator))
        }
        for reader in [store as any KeyValueReader, snapshot] {
            let values = try reader.get(keys: keys, in: .indexes)
            #expect(values == (try keys.map { try reader.get($0, in: .indexes) }))
            #expect(values.contains { $0 == nil } && values.contains { $0 == [7] } == (reader is RocksDBStore))
        }
    }

    private static func number(after label: String, in text: String) -> Int? {
        guard let range = text.range(of: label) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    private static func key(_ number: Int, _ entry: Int) -> [UInt8] {
        [UInt8(number >> 8), UInt8(number & 0xff), UInt8(entry)]
    }

    @Test("a checkpoint of an open store is an openable copy at one point in time; later writes stay out of it")
    func checkpointIsConsistentCopy() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var chain = TestChain()
        let store = try RocksDBStore(path: directory.path("db"))
        defer { store.close() }
        let blocks = BlockStore(store: store)
        for _ in 0..<3 {
            let (block, certificate) = chain.next(transactionCount: 1)
            try blocks.append(block, certificate: certificate)
            chain.advance(block, certificate)
        }
        try store.write(batch(puts: [([0x01], [9])], in: .journal), sync: true)
        try store.checkpoint(to: directory.path("copy"))
        let (later, certificate) = chain.next()
        try blocks.append(later, certificate: certificate)

        let copy = try RocksDBStore(path: directory.path("copy"))
        defer { copy.close() }
        #expect(try BlockStore(store: copy).latestHeight() == 3)
        #expect(try BlockStore(store: copy).block(at: 4) == nil)
        #expect(try copy.get([0x01], in: .journal) == [9])
        // The live store goes on; a second checkpoint into the same directory is refused with a typed error.
        #expect(try blocks.latestHeight() == 4)
        #expect(throws: StorageError.self) { try store.checkpoint(to: directory.path("copy")) }
    }

    @Test("a second open of a database in use fails with a typed I/O error")
    func secondOpenFails() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"))
        defer { store.close() }
        let error = #expect(throws: StorageError.self) { try RocksDBStore(path: directory.path("db")) }
        guard case .io(let message) = error else {
            Issue.record("expected .io, got \(String(describing: error))")
            return
        }
        #expect(message.contains("lock"))
    }

    @Test("opening a path that cannot be a directory fails with a typed error")
    func unopenablePath() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: StorageError.self) { try RocksDBStore(path: directory.path("missing/parent/db")) }
    }

    @Test("a snapshot that outlives its store's close is released safely")
    func snapshotOutlivesClose() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var snapshot: RocksDBSnapshot?
        do {
            let store = try RocksDBStore(path: directory.path("db"))
            try store.write(batch(puts: [([1], [1])]), sync: false)
            snapshot = try store.snapshot()
            store.close()
        }
        #expect(throws: StorageError.closed) { try snapshot?.get([1], in: .blocks) }
        snapshot = nil
        let reopened = try RocksDBStore(path: directory.path("db"))
        defer { reopened.close() }
        #expect(try reopened.get([1], in: .blocks) == [1])
    }
}
