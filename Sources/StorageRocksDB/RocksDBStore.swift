import CRocksDB
import CRocksDBChecksum
import CRocksDBLog
import Storage
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `KeyValueStore` on RocksDB, through its C API: the node's durable store (DESIGN §4).
///
/// Opening creates the database and every `ColumnFamily` if missing, and also opens families it does
/// not know (RocksDB refuses to open a database without all of them). A batch is one `rocksdb_write`,
/// which RocksDB applies atomically through its write-ahead log; with `sync` the log is fsynced first.
/// The C handles live in this class behind a read-write lock: every call holds the read side, `close()`
/// takes the write side, so no call ever uses a destroyed handle.
public final class RocksDBStore: KeyValueStore, @unchecked Sendable {
    /// How this process computes RocksDB's CRC-32C checksums (of the write-ahead log and the table files),
    /// for the node's start log and the benchmarks' header.
    ///
    /// Why: Debian's RocksDB computes them a byte at a time through a table, and `CRocksDBChecksum` gives it
    /// the processor's CRC32 instruction instead (ADR 0025); a figure or a profile taken without it is not
    /// comparable, and an executable whose symbol RocksDB does not resolve says so here.
    public static var checksumDescription: String {
        guard sbp_crc32c_is_interposed() == 1 else { return "RocksDB's own CRC-32C" }
        return sbp_crc32c_is_hardware() == 1 ? "CRC-32C by the processor's SSE 4.2 instruction" : "CRC-32C by a portable table"
    }

    /// The database directory.
    public let path: String

    private let lifetime = ReadWriteLock()
    // Guarded by `lifetime`: read while holding either side, changed only under the write side.
    private var database: OpaquePointer?
    private var families: [ColumnFamily: OpaquePointer]
    private var otherFamilies: [OpaquePointer]
    private let readOptions: OpaquePointer
    private let writeOptionsSync: OpaquePointer
    private let writeOptionsAsync: OpaquePointer
    /// RocksDB's info log (`LOG` in `path`), which this store writes rather than RocksDB's own file logger.
    private let infoLog: OpaquePointer
    /// Open snapshots by token: the RocksDB snapshot and the read options that select it.
    private let snapshots = Mutex(SnapshotRegistry())
    /// A RocksDB write batch kept, cleared, between writes (`keepOrDestroy`); nil while a write uses it.
    private let spareBatch = Mutex(BatchHandle(pointer: nil))

    /// A RocksDB write batch handed between writes under `spareBatch`'s lock.
    struct BatchHandle: @unchecked Sendable {
        var pointer: OpaquePointer?
    }

    struct SnapshotHandles: @unchecked Sendable {
        let snapshot: OpaquePointer
        let readOptions: OpaquePointer
    }

    struct SnapshotRegistry: Sendable {
        var handles: [Int: SnapshotHandles] = [:]
        var nextToken = 0
    }

    /// Bytes of block cache and memtables a store uses unless told otherwise: with the rest of a node
    /// (about 100–200 MiB under load, docs/performance.md) this keeps a node under 1 GiB.
    public static let memoryBudgetDefault = 512 << 20
    /// The smallest budget a store takes; a smaller one is raised to this.
    public static let memoryBudgetMinimum = 16 << 20

    /// Bytes RocksDB's info log (`LOG`) may reach before it is renamed `LOG.old` and a new one starts, so
    /// the two take at most twice this. RocksDB writes a few KiB of statistics every ten minutes and a few
    /// lines per flush and compaction: 16 MiB holds days of a busy node's log, and a node that runs for
    /// years without a restart no longer fills its disk with it (RocksDB's own logger starts a new file
    /// only at each open and never removes one).
    public static let infoLogBytesMax = 16 << 20

    /// The share of a node's memory budget (`storage.memory_bytes`) that goes to the ledger's cache of state
    /// tree nodes (`TreeNodeCache`) rather than to RocksDB: half, 256 MiB of the default. It pins the upper
    /// five levels of the tree (about 70,000 nodes of up to 1.4 KiB, every one a tree of a million licences has
    /// there) and most of the sixth (a few hundred thousand small nodes). With a quarter, kept by recency,
    /// a block of 2,000 licences at a million in state read about 5,000 of its 9,000 internal nodes from the
    /// store (issue 18). The rest is split between the block cache and
    /// the memtables (`StorageTuning`), which need less: a block's reads of the flat state and of leaves are
    /// random over gigabytes either way, and its batch is a few MiB.
    public static func treeNodeCacheBytes(memoryBudget: Int) -> Int {
        max(memoryBudget, memoryBudgetMinimum) / 2
    }

    /// Opens (creating if missing) the database at `path`, under the node's storage budget `memoryBudget`:
    /// its block cache and memtables take what the ledger's tree node cache leaves (`treeNodeCacheBytes`,
    /// `StorageTuning`).
    ///
    /// Throws `StorageError.io` when the directory cannot be created or another process holds the
    /// database lock, `.corruption` when RocksDB finds damaged files.
    ///
    /// RocksDB's info log is written by `CRocksDBLog`, which drops a line it cannot write: RocksDB's own
    /// logger aborted the process on the line after a failed write, so a full disk killed a node that had
    /// halted on it, and a node could not even report the full disk at start (docs/operations.md).
    public init(path: String, memoryBudget: Int = RocksDBStore.memoryBudgetDefault) throws(StorageError) {
        self.path = path
        guard let options = rocksdb_options_create() else { throw .io(message: "rocksdb_options_create failed") }
        defer { rocksdb_options_destroy(options) }
        // The log lives in the database directory, which RocksDB would create only after the log is opened.
        // A directory that cannot be made is reported by the open below.
        _ = mkdir(path, 0o755)
        guard let infoLog = sbp_rocksdb_log_create(path + "/LOG", UInt64(Self.infoLogBytesMax), Self.infoLogLevel) else {
            throw .io(message: "could not create RocksDB's info log")
        }
        var logKept = false
        defer { if !logKept { sbp_rocksdb_log_destroy(infoLog) } }
        rocksdb_options_set_info_log(options, infoLog)
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_create_missing_column_families(options, 1)
        rocksdb_options_set_paranoid_checks(options, 1)
        Self.tune(options, StorageTuning(memoryBudget: memoryBudget))

        let existing = try Self.existingFamilies(options: options, path: path)
        let unknown = existing.filter { ColumnFamily(rawValue: $0) == nil }.sorted()
        let names = ColumnFamily.allCases.map(\.name) + unknown
        let handles = try Self.open(options: options, path: path, names: names)
        guard let database = handles.database else { throw .io(message: "rocksdb_open_column_families returned no database") }

        var families: [ColumnFamily: OpaquePointer] = [:]
        for (family, handle) in zip(ColumnFamily.allCases, handles.families) { families[family] = handle }
        guard let readOptions = rocksdb_readoptions_create(),
            let writeOptionsSync = rocksdb_writeoptions_create(),
            let writeOptionsAsync = rocksdb_writeoptions_create()
        else {
            for handle in handles.families { rocksdb_column_family_handle_destroy(handle) }
            rocksdb_close(database)
            throw .io(message: "could not create RocksDB read or write options")
        }
        rocksdb_writeoptions_set_sync(writeOptionsSync, 1)
        rocksdb_writeoptions_set_sync(writeOptionsAsync, 0)
        self.database = database
        self.families = families
        self.otherFamilies = Array(handles.families.dropFirst(ColumnFamily.allCases.count))
        self.readOptions = readOptions
        self.writeOptionsSync = writeOptionsSync
        self.writeOptionsAsync = writeOptionsAsync
        self.infoLog = infoLog
        logKept = true
    }

    deinit {
        close()
    }

    /// The names of the families an existing database has; empty when there is no database yet.
    private static func existingFamilies(options: OpaquePointer, path: String) throws(StorageError) -> [String] {
        guard access(path + "/CURRENT", F_OK) == 0 else { return [] }
        var count = 0
        var message: UnsafeMutablePointer<CChar>?
        let list = rocksdb_list_column_families(options, path, &count, &message)
        try RocksDBCall.check(message)
        guard let list else { return [] }
        defer { rocksdb_list_column_families_destroy(list, count) }
        return (0..<count).compactMap { index in list[index].map { String(cString: $0) } }
    }

    /// Tuning for a node's access pattern: one large synced batch per block, point reads of state.
    ///
    /// Bloom filters (in the files and in the memtables) let a read of a key that does not exist (a new licence id, a new account) skip the
    /// files on disk; a shared block cache keeps hot tree nodes in memory; large memtables absorb a
    /// block's batch without a flush; background work may use every core. Memory is bounded by `tuning`:
    /// the memtables of every column family together (`db_write_buffer_size`, which flushes the largest
    /// when they reach it), and the block cache, which also holds the files' index and filter blocks
    /// (otherwise they stay outside any bound and grow with the data).
    private static func tune(_ options: OpaquePointer, _ tuning: StorageTuning) {
        rocksdb_options_increase_parallelism(options, Int32(max(2, sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        rocksdb_options_set_max_open_files(options, Int32(openFilesMax))
        rocksdb_options_set_write_buffer_size(options, tuning.memtableBytes)
        rocksdb_options_set_max_write_buffer_number(options, 4)
        rocksdb_options_set_db_write_buffer_size(options, tuning.memtablesBytes)
        // A write-ahead log file is deleted only once every column family it holds writes of has flushed
        // them, and the small families (journal, metadata) fill their memtables rarely: without a bound, a
        // store that issued a million licences kept 3.3 GB of logs beside 2.5 GB of tables, all replayed
        // at the next open. Past this size RocksDB flushes the families that pin the oldest log.
        rocksdb_options_set_max_total_wal_size(options, UInt64(tuning.walBytesMax))
        rocksdb_options_set_level0_file_num_compaction_trigger(options, Int32(StorageTuning.level0FilesToCompact))
        rocksdb_options_set_max_bytes_for_level_base(options, UInt64(tuning.level1Bytes))
        // A bloom filter over each memtable's whole keys (2 % of its bytes, inside the memtable budget): a
        // read of a key the memtable does not hold (most reads, since a memtable holds the last few blocks'
        // writes) skips the search of its skip list, which profiles of a node under load put at 6-7 %.
        rocksdb_options_set_memtable_whole_key_filtering(options, 1)
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(options, 0.02)
        guard let table = rocksdb_block_based_options_create() else { return }
        defer { rocksdb_block_based_options_destroy(table) }
        if let filter = rocksdb_filterpolicy_create_bloom(10) { rocksdb_block_based_options_set_filter_policy(table, filter) }
        if let cache = rocksdb_cache_create_lru(tuning.blockCacheBytes) {
            rocksdb_block_based_options_set_block_cache(table, cache)
            rocksdb_cache_destroy(cache)
        }
        rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 1)
        rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority(table, 1)
        rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(table, 1)
        // Index and filter in partitions of about one data block each, under a small top-level index that
        // stays pinned. Whole, a file's filter and index are one block each, hundreds of KiB for the 64 MiB
        // files of a store that holds a million licences, and the block cache (in shards of a few MiB) did
        // not keep them: a profile showed point reads fetching and checksumming a filter block again and
        // again, four fifths of the tree reads' time, and a block of 2,000 licences took 2.4 s to execute instead
        // of 0.18 s (issue 18). A partition costs what a data block costs, and only those reads touch stay.
        rocksdb_block_based_options_set_index_type(table, Int32(rocksdb_block_based_table_index_type_two_level_index_search))
        rocksdb_block_based_options_set_partition_filters(table, 1)
        rocksdb_block_based_options_set_metadata_block_size(table, UInt64(StorageTuning.metadataBlockBytes))
        rocksdb_block_based_options_set_pin_top_level_index_and_filter(table, 1)
        rocksdb_options_set_block_based_table_factory(options, table)
    }

    /// Table files RocksDB keeps open at once (`max_open_files`); it closes the least recently used beyond.
    ///
    /// RocksDB's default keeps every file open, so its descriptors grow with the data: a store of a few
    /// hundred GB in 64 MiB files would take thousands, beyond a default limit of 1,024, and a node out of
    /// descriptors halts on its next write. The ledger benchmark's store of a million licences has 91 files.
    /// The node's descriptor budget counts this bound (`FileDescriptorBudget` in Node).
    public static let openFilesMax = 512
    /// Descriptors a store holds besides its table files: the write-ahead logs, the manifest, the info log,
    /// the lock and directory handles, and files being written by flushes and compactions.
    public static let otherFilesMax = 64

    /// RocksDB's `InfoLogLevel` for the info log: INFO, its default.
    static let infoLogLevel: Int32 = 1

    /// Lines of RocksDB's info log dropped because they could not be written (a full disk); 0 once closed.
    public var infoLogDroppedLines: UInt64 {
        lifetime.withReadLock { database == nil ? 0 : sbp_rocksdb_log_dropped_lines(infoLog) }
    }

    /// RocksDB's thread-local performance counters off (`rocksdb::PerfLevel::kDisable`).
    ///
    /// RocksDB counts every key comparison in a thread-local context unless told otherwise (its default
    /// level counts), and Debian's shared library reaches that context through a call per access: a profile
    /// of a block's write put a sixth of its memtable inserts there (issue 18). The node reads no counter.
    static let perfLevelDisabled: Int32 = 1

    /// `options` with what only the C++ options string reaches: a memtable insert hint per key tag.
    ///
    /// RocksDB inserts a batch's keys into a memtable's skip list with the search path of the previous
    /// insert, and searches the whole list again from the top whenever the next key does not fall right
    /// after the previous one, which is the case for nearly every key of a block: its transaction locations,
    /// record histories and flat state go to random places among the earlier blocks' keys. With a prefix
    /// extractor for hints, RocksDB keeps a search path per first key byte (each tag of `docs/storage.md`)
    /// and repairs it from the lowest level that still brackets the key, so a sorted batch's inserts search
    /// only the stretch since the previous key of their tag (issue 18). Nothing stored changes. A library
    /// that refuses the string gets a plain copy of `options`; nil only when no copy can be made. The caller
    /// owns the result.
    static func familyOptions(from options: OpaquePointer) -> OpaquePointer? {
        guard let copy = rocksdb_options_create() else { return nil }
        var message: UnsafeMutablePointer<CChar>?
        rocksdb_get_options_from_string(options, memtableInsertHint, copy, &message)
        guard let message else { return copy }
        rocksdb_free(message)
        rocksdb_options_destroy(copy)
        return rocksdb_options_create_copy(options)
    }

    /// The options string `familyOptions` applies: a hint per first key byte.
    static let memtableInsertHint = "memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.1"

    private static func open(options: OpaquePointer, path: String, names: [String]) throws(StorageError) -> (
        database: OpaquePointer?, families: [OpaquePointer]
    ) {
        let cNames = names.map { strdup($0) }
        defer { for name in cNames { free(name) } }
        let constNames: [UnsafePointer<CChar>?] = cNames.map { $0.map { UnsafePointer($0) } }
        guard let familyOptions = Self.familyOptions(from: options) else {
            throw .io(message: "could not create RocksDB column family options")
        }
        defer { rocksdb_options_destroy(familyOptions) }
        // The state tree's nodes are stored without compression, every other family with RocksDB's default
        // (Snappy). A node is mostly 32-byte hashes: a million licences' tree files came to 0.89 of their raw
        // bytes with Snappy (the indexes' to 0.50), while compressing them at each flush and compaction was
        // 2-4 % of a node's CPU at a million licences and decompressing them sat in every leaf read (issue
        // 18). Files written before keep their compression; RocksDB reads both.
        guard let treeOptions = rocksdb_options_create_copy(familyOptions) else {
            throw .io(message: "could not create RocksDB column family options")
        }
        defer { rocksdb_options_destroy(treeOptions) }
        rocksdb_options_set_compression(treeOptions, Int32(rocksdb_no_compression))
        let optionsByFamily: [OpaquePointer?] = names.map { $0 == ColumnFamily.treeNodes.name ? treeOptions : familyOptions }
        var handles = [OpaquePointer?](repeating: nil, count: names.count)
        var message: UnsafeMutablePointer<CChar>?
        let database = rocksdb_open_column_families(
            options, path, Int32(names.count), constNames, optionsByFamily, &handles, &message)
        try RocksDBCall.check(message)
        let opened = handles.compactMap { $0 }
        guard opened.count == names.count else {
            for handle in opened { rocksdb_column_family_handle_destroy(handle) }
            if let database { rocksdb_close(database) }
            throw .io(message: "RocksDB opened \(opened.count) of \(names.count) column families")
        }
        return (database, opened)
    }

    // MARK: KeyValueStore

    public func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? {
        try StorageLimits.check(key: key)
        return try withOpenDatabase { (database, families) throws(StorageError) -> [UInt8]? in
            try Self.get(key, handle: Self.handle(family, in: families), database: database, readOptions: readOptions)
        }
    }

    /// One batched MultiGet (`RocksDBMultiGet.swift`) instead of a read per key.
    public func get(keys: [[UInt8]], in family: ColumnFamily) throws(StorageError) -> [[UInt8]?] {
        try StorageLimits.check(getKeys: keys.count)
        for key in keys { try StorageLimits.check(key: key) }
        return try withOpenDatabase { (database, families) throws(StorageError) -> [[UInt8]?] in
            try Self.get(keys: keys, handle: Self.handle(family, in: families), database: database, readOptions: readOptions)
        }
    }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
        try StorageLimits.check(key: prefix)
        if let after { try StorageLimits.check(key: after) }
        try StorageLimits.check(scanLimit: limit)
        return try withOpenDatabase { (database, families) throws(StorageError) -> [KeyValuePair] in
            try Self.scan(
                prefix: prefix, after: after, limit: limit,
                handle: Self.handle(family, in: families), database: database, readOptions: readOptions)
        }
    }

    public func write(_ batch: WriteBatch, sync: Bool) throws(StorageError) {
        try write([batch], sync: sync)
    }

    /// One `rocksdb_write` of every operation of `batches`, in `applicationOrder`: no batch is copied, and
    /// RocksDB copies each key and value straight out of the batch's buffer.
    public func write(_ batches: [WriteBatch], sync: Bool) throws(StorageError) {
        try WriteBatch.validate(batches)
        try withOpenDatabase { (database, families) throws(StorageError) in
            guard let writeBatch = takeSpareBatch() ?? rocksdb_writebatch_create() else {
                throw .io(message: "rocksdb_writebatch_create failed")
            }
            defer { keepOrDestroy(writeBatch) }
            // Every family the batches write to, by rank, looked up once.
            var handles = [OpaquePointer?](repeating: nil, count: Self.familyCount)
            for batch in batches {
                for entry in batch.entries where handles[Self.rank(of: entry.family)] == nil {
                    handles[Self.rank(of: entry.family)] = try Self.handle(entry.family, in: families)
                }
            }
            Self.withBuffers(of: batches) { buffers in
                for (part, index) in Self.applicationOrder(of: batches, buffers: buffers) {
                    let entry = batches[part].entries[index]
                    guard let handle = handles[Self.rank(of: entry.family)] else { continue }
                    let key = Self.pointer(into: buffers[part], at: entry.keyStart)
                    if entry.isDelete {
                        rocksdb_writebatch_delete_cf(writeBatch, handle, key, entry.keyCount)
                    } else {
                        let value = Self.pointer(into: buffers[part], at: entry.valueStart)
                        rocksdb_writebatch_put_cf(writeBatch, handle, key, entry.keyCount, value, entry.valueCount)
                    }
                }
            }
            var message: UnsafeMutablePointer<CChar>?
            rocksdb_write(database, sync ? writeOptionsSync : writeOptionsAsync, writeBatch, &message)
            try RocksDBCall.check(message)
        }
    }

    /// A RocksDB write batch of at most this many bytes is kept for the next write rather than destroyed.
    ///
    /// Why: RocksDB grows a batch's buffer by doubling, and a block's (a few MiB) was allocated afresh for each
    /// block: its growth was a third of a benchmark process's page faults, each touching new memory, and every
    /// doubling copied the batch again (issue 18). Kept and cleared, the buffer keeps its capacity; a larger
    /// batch (a state sync's) is freed so that it does not hold its memory for good.
    static let reusableBatchBytesMax = 16 << 20

    /// The kept write batch, now the caller's; nil when none is kept.
    private func takeSpareBatch() -> OpaquePointer? {
        spareBatch.withLock { spare in
            defer { spare.pointer = nil }
            return spare
        }.pointer
    }

    /// Whether a cleared write batch is kept for the next write (for tests of `reusableBatchBytesMax`).
    var keepsSpareBatch: Bool { spareBatch.withLock { $0.pointer != nil } }

    /// Clears `writeBatch` and keeps it for the next write when it is small enough and none is kept yet;
    /// destroys it otherwise.
    private func keepOrDestroy(_ writeBatch: OpaquePointer) {
        var size = 0
        _ = rocksdb_writebatch_data(writeBatch, &size)
        if size <= Self.reusableBatchBytesMax {
            rocksdb_writebatch_clear(writeBatch)
            let kept = spareBatch.withLock { spare in
                guard spare.pointer == nil else { return false }
                spare.pointer = writeBatch
                return true
            }
            if kept { return }
        }
        rocksdb_writebatch_destroy(writeBatch)
    }

    /// Calls `body` with the buffers of `batches` (`WriteBatch.bytes`), in order, all valid at once.
    static func withBuffers<Result>(of batches: [WriteBatch], _ body: ([UnsafeRawBufferPointer]) -> Result) -> Result {
        var buffers: [UnsafeRawBufferPointer] = []
        buffers.reserveCapacity(batches.count)
        return withBuffers(of: batches[...], collected: &buffers, body)
    }

    private static func withBuffers<Result>(
        of batches: ArraySlice<WriteBatch>, collected buffers: inout [UnsafeRawBufferPointer], _ body: ([UnsafeRawBufferPointer]) -> Result
    ) -> Result {
        guard let first = batches.first else { return body(buffers) }
        return first.bytes.withUnsafeBytes { buffer in
            buffers.append(buffer)
            return withBuffers(of: batches.dropFirst(), collected: &buffers, body)
        }
    }

    /// The address of byte `offset` of `buffer`, as RocksDB's C API takes it; a valid address even in an empty
    /// buffer, for an empty key or value.
    @inline(__always)
    static func pointer(into buffer: UnsafeRawBufferPointer, at offset: Int) -> UnsafePointer<CChar> {
        guard let base = buffer.baseAddress else { return UnsafePointer(emptyBytes) }
        return (base + offset).assumingMemoryBound(to: CChar.self)
    }

    /// What `pointer(into:at:)` gives for an empty buffer: RocksDB reads no byte of an empty slice.
    /// Never written, never freed.
    nonisolated(unsafe) private static let emptyBytes = UnsafeMutablePointer<CChar>.allocate(capacity: 1)

    /// The order a batch's operations go to RocksDB in: by column family, then key, then their order in the
    /// batch (so later operations on one key still win). The result after the write is the same as in batch
    /// order, since a batch applies atomically; only the cost differs.
    ///
    /// RocksDB inserts a batch into the memtable's skip list one key after the other and reuses the search
    /// path of the previous insert when the next key lands nearby. A block's tree nodes and indexes come in
    /// hash order, which scatters them, so each insert searched the whole list again: an eighth of a node's
    /// CPU under load went to those searches (issue 18, deliver 6). Sorted, consecutive keys share the path
    /// (one per key tag, with the insert hints of `familyOptions`).
    ///
    /// Each operation is sorted by its family's rank and the first 15 bytes of its key packed into two
    /// integers, so most comparisons compare integers; only keys that agree on those bytes compare the rest,
    /// in the batch's buffer. A block's keys mostly differ early, but those of one contract's indexes share a
    /// 21-byte prefix.
    static func applicationOrder(of batch: WriteBatch) -> [Int] {
        applicationOrder(of: [batch]).map(\.index)
    }

    /// `applicationOrder` of the operations of several batches taken one after the other (a later batch's
    /// operation on a key comes after an earlier one's): where each operation is, in that order.
    static func applicationOrder(of batches: [WriteBatch]) -> [(part: Int, index: Int)] {
        withBuffers(of: batches) { applicationOrder(of: batches, buffers: $0) }
    }

    /// `applicationOrder(of:)` with the batches' buffers at hand (`withBuffers`).
    private static func applicationOrder(of batches: [WriteBatch], buffers: [UnsafeRawBufferPointer]) -> [(part: Int, index: Int)] {
        let total = batches.reduce(0) { $0 + $1.entries.count }
        var entries: [OrderEntry] = []
        entries.reserveCapacity(total)
        for (part, batch) in batches.enumerated() {
            let buffer = buffers[part]
            for (index, operation) in batch.entries.enumerated() {
                var entry = OrderEntry(
                    high: UInt64(rank(of: operation.family)) << 56, low: 0, keyStart: operation.keyStart, count: operation.keyCount,
                    part: part, index: index)
                let key = UnsafeRawBufferPointer(rebasing: buffer[operation.keyStart..<operation.valueStart])
                for byte in 0..<min(key.count, 7) { entry.high |= UInt64(key[byte]) << (48 - 8 * byte) }
                if key.count > 7 {
                    for byte in 7..<min(key.count, OrderEntry.packedBytes) { entry.low |= UInt64(key[byte]) << (112 - 8 * byte) }
                }
                entries.append(entry)
            }
        }
        entries.sort { left, right in
            if left.high != right.high { return left.high < right.high }
            if left.low != right.low { return left.low < right.low }
            // Equal first bytes: compare what follows them, then the lengths, then batch positions.
            let common = min(left.count, right.count) - OrderEntry.packedBytes
            if common > 0, let leftBase = buffers[left.part].baseAddress, let rightBase = buffers[right.part].baseAddress {
                let order = memcmp(
                    leftBase + left.keyStart + OrderEntry.packedBytes, rightBase + right.keyStart + OrderEntry.packedBytes, common)
                if order != 0 { return order < 0 }
            }
            if left.count != right.count { return left.count < right.count }
            return left.part != right.part ? left.part < right.part : left.index < right.index
        }
        return entries.map { ($0.part, $0.index) }
    }

    /// The number of column families: `rank(of:)` is below it.
    static let familyCount = ColumnFamily.allCases.count

    /// A family's place in name order, which orders the families in `applicationOrder` (a switch rather than a
    /// table: it runs for every operation of a block; `RocksDBStoreTests` checks it against the names).
    @inline(__always)
    static func rank(of family: ColumnFamily) -> Int {
        switch family {
        case .blocks: 0
        case .certificates: 1
        case .default: 2
        case .indexes: 3
        case .journal: 4
        case .metadata: 5
        case .treeNodes: 6
        }
    }

    /// One operation in `applicationOrder`'s sort: family rank and the key's first bytes, big-endian, zero
    /// after the key's end (the lengths break that tie).
    struct OrderEntry {
        /// Bytes of the key packed into `high` (after the rank) and `low`.
        static let packedBytes = 15
        var high: UInt64
        var low: UInt64
        /// Where the key starts in its batch's buffer.
        var keyStart: Int
        var count: Int
        /// The batch and the place in it: they break ties of equal keys, so the later operation applies last.
        var part: Int
        var index: Int
    }

    /// memcmp order of two keys, shorter first on a common prefix (RocksDB's default bytewise comparator).
    static func compare(_ left: [UInt8], _ right: [UInt8]) -> Int {
        left.withUnsafeBufferPointer { l in
            right.withUnsafeBufferPointer { r in
                let common = min(l.count, r.count)
                if common > 0, let lb = l.baseAddress, let rb = r.baseAddress {
                    let order = memcmp(lb, rb, common)
                    if order != 0 { return Int(order) }
                }
                return l.count - r.count
            }
        }
    }

    public func snapshot() throws(StorageError) -> RocksDBSnapshot {
        try withOpenDatabase { (database, _) throws(StorageError) -> RocksDBSnapshot in
            guard let snapshot = rocksdb_create_snapshot(database) else { throw .io(message: "rocksdb_create_snapshot failed") }
            guard let options = rocksdb_readoptions_create() else {
                rocksdb_release_snapshot(database, snapshot)
                throw .io(message: "rocksdb_readoptions_create failed")
            }
            rocksdb_readoptions_set_snapshot(options, snapshot)
            let token = snapshots.withLock { registry in
                let token = registry.nextToken
                registry.nextToken += 1
                registry.handles[token] = SnapshotHandles(snapshot: snapshot, readOptions: options)
                return token
            }
            return RocksDBSnapshot(store: self, token: token)
        }
    }

    /// Writes a consistent, openable copy of the whole database (every column family at one point in time)
    /// to `directory`, which must not exist yet: a RocksDB checkpoint.
    ///
    /// Online backups need it: copying the files of an open database does not give a consistent copy.
    /// Table files are hard-linked when `directory` is on the same file system (the copy is then cheap and
    /// shares nothing mutable with the live database, whose table files never change), copied otherwise;
    /// memtables are flushed first, and the write-ahead log needed for the rest is copied. Throws
    /// `StorageError.io` with RocksDB's reason (for instance an existing `directory`).
    public func checkpoint(to directory: String) throws(StorageError) {
        try withOpenDatabase { (database, _) throws(StorageError) in
            var message: UnsafeMutablePointer<CChar>?
            let checkpoint = rocksdb_checkpoint_object_create(database, &message)
            try RocksDBCall.check(message)
            guard let checkpoint else { throw .io(message: "rocksdb_checkpoint_object_create returned no checkpoint") }
            defer { rocksdb_checkpoint_object_destroy(checkpoint) }
            // 0: always flush the memtables first, so the copy needs only a short log.
            rocksdb_checkpoint_create(checkpoint, directory, 0, &message)
            try RocksDBCall.check(message)
        }
    }

    /// Compacts every column family over its whole key range, dropping deleted and overwritten entries
    /// from the table files now rather than when RocksDB's background compaction reaches them.
    ///
    /// For measuring what data occupies on disk (`sbp-bench prune`); a running node leaves compaction to
    /// RocksDB. Blocks until done, so never call it on the Swift cooperative pool.
    public func compact() throws(StorageError) {
        try withOpenDatabase { (database, families) throws(StorageError) in
            for handle in families.values { rocksdb_compact_range_cf(database, handle, nil, 0, nil, 0) }
        }
    }

    /// RocksDB's text value of property `name` for `family` (for example
    /// `rocksdb.aggregated-table-properties`), or nil when RocksDB does not know it.
    ///
    /// For tests and diagnostics of how the files are laid out; nothing reads it on a node's path.
    func property(_ name: String, in family: ColumnFamily) throws(StorageError) -> String? {
        try withOpenDatabase { (database, families) throws(StorageError) -> String? in
            let handle = try Self.handle(family, in: families)
            guard let value = rocksdb_property_value_cf(database, handle, name) else { return nil }
            defer { free(value) }
            return String(cString: value)
        }
    }

    /// The key comparisons RocksDB's performance counters of this thread recorded while `body` ran.
    ///
    /// For tests that the store keeps the counters off (`perfLevelDisabled`): counted, every comparison
    /// of a memtable insert also reached the thread-local counters.
    static func countedKeyComparisons(during body: () throws -> Void) rethrows -> UInt64 {
        guard let context = rocksdb_perfcontext_create() else { return 0 }
        defer { rocksdb_perfcontext_destroy(context) }
        rocksdb_perfcontext_reset(context)
        try body()
        return rocksdb_perfcontext_metric(context, Int32(rocksdb_user_key_comparison_count))
    }

    /// Releases open snapshots, destroys the column family handles and closes the database; idempotent.
    public func close() {
        lifetime.withWriteLock {
            guard let database else { return }
            let open = snapshots.withLock { registry in
                defer { registry.handles = [:] }
                return Array(registry.handles.values)
            }
            for handles in open {
                rocksdb_release_snapshot(database, handles.snapshot)
                rocksdb_readoptions_destroy(handles.readOptions)
            }
            for handle in families.values { rocksdb_column_family_handle_destroy(handle) }
            for handle in otherFamilies { rocksdb_column_family_handle_destroy(handle) }
            families = [:]
            otherFamilies = []
            rocksdb_close(database)
            self.database = nil
            sbp_rocksdb_log_destroy(infoLog)
            rocksdb_readoptions_destroy(readOptions)
            rocksdb_writeoptions_destroy(writeOptionsSync)
            rocksdb_writeoptions_destroy(writeOptionsAsync)
            if let spare = takeSpareBatch() { rocksdb_writebatch_destroy(spare) }
        }
    }

    // MARK: Snapshot support

    /// Runs a read through the snapshot `token`; `.closed` once the store or the snapshot is gone.
    func withSnapshot<Result>(
        _ token: Int, _ body: (OpaquePointer, [ColumnFamily: OpaquePointer], OpaquePointer) throws(StorageError) -> Result
    ) throws(StorageError) -> Result {
        try withOpenDatabase { (database, families) throws(StorageError) -> Result in
            guard let handles = snapshots.withLock({ $0.handles[token] }) else { throw .closed }
            return try body(database, families, handles.readOptions)
        }
    }

    /// Releases the snapshot `token` unless `close()` already did.
    func releaseSnapshot(_ token: Int) {
        lifetime.withReadLock {
            guard let database else { return }
            guard let handles = snapshots.withLock({ $0.handles.removeValue(forKey: token) }) else { return }
            rocksdb_release_snapshot(database, handles.snapshot)
            rocksdb_readoptions_destroy(handles.readOptions)
        }
    }

    // MARK: Reads shared with snapshots

    private func withOpenDatabase<Result>(
        _ body: (OpaquePointer, [ColumnFamily: OpaquePointer]) throws(StorageError) -> Result
    ) throws(StorageError) -> Result {
        try lifetime.withReadLock { () throws(StorageError) -> Result in
            guard let database else { throw .closed }
            // Per thread in RocksDB, so set on every call (one thread-local store).
            rocksdb_set_perf_level(Self.perfLevelDisabled)
            return try body(database, families)
        }
    }

    static func handle(_ family: ColumnFamily, in families: [ColumnFamily: OpaquePointer]) throws(StorageError) -> OpaquePointer {
        guard let handle = families[family] else { throw .io(message: "column family \(family) is not open") }
        return handle
    }

    static func get(_ key: [UInt8], handle: OpaquePointer, database: OpaquePointer, readOptions: OpaquePointer) throws(StorageError)
        -> [UInt8]?
    {
        var count = 0
        var message: UnsafeMutablePointer<CChar>?
        let value = RocksDBCall.withBytes(key) { keyPointer, keyCount in
            rocksdb_get_cf(database, readOptions, handle, keyPointer, keyCount, &count, &message)
        }
        try RocksDBCall.check(message)
        guard let value else { return nil }
        defer { rocksdb_free(value) }
        return RocksDBCall.copy(value, count: count)
    }

    static func scan(
        prefix: [UInt8], after: [UInt8]?, limit: Int, handle: OpaquePointer, database: OpaquePointer, readOptions: OpaquePointer
    ) throws(StorageError) -> [KeyValuePair] {
        guard limit > 0 else { return [] }
        guard let iterator = rocksdb_create_iterator_cf(database, readOptions, handle) else {
            throw .io(message: "rocksdb_create_iterator_cf failed")
        }
        defer { rocksdb_iter_destroy(iterator) }
        // Start at the prefix, or just past `after` when that lies at or beyond the prefix.
        let exclusiveStart = after.flatMap { prefix.lexicographicallyPrecedes($0) || prefix == $0 ? $0 : nil }
        RocksDBCall.withBytes(exclusiveStart ?? prefix) { rocksdb_iter_seek(iterator, $0, $1) }
        if let exclusiveStart, rocksdb_iter_valid(iterator) != 0, currentKey(iterator) == exclusiveStart {
            rocksdb_iter_next(iterator)
        }
        var pairs: [KeyValuePair] = []
        while pairs.count < limit, rocksdb_iter_valid(iterator) != 0 {
            let key = currentKey(iterator)
            guard key.starts(with: prefix) else { break }
            var count = 0
            let value = RocksDBCall.copy(rocksdb_iter_value(iterator, &count), count: count)
            pairs.append(KeyValuePair(key: key, value: value))
            rocksdb_iter_next(iterator)
        }
        var message: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(iterator, &message)
        try RocksDBCall.check(message)
        return pairs
    }

    private static func currentKey(_ iterator: OpaquePointer) -> [UInt8] {
        var count = 0
        return RocksDBCall.copy(rocksdb_iter_key(iterator, &count), count: count)
    }
}

/// Memory RocksDB may use per store (DESIGN §1.4: bounded resources), from one budget: half for the block
/// cache, half for the memtables.
struct StorageTuning: Equatable {
    /// The block cache shared by every column family of a store, index and filter blocks included.
    let blockCacheBytes: Int
    /// The memtables of every column family together.
    let memtablesBytes: Int
    /// One memtable: a quarter of the memtables' share, at most 64 MiB (a block's batch is a few MiB).
    let memtableBytes: Int
    /// The write-ahead log files kept at most, together: as much as the memtables hold, so that a restart
    /// replays no more than one memtable budget and the logs take no more disk than that.
    var walBytesMax: Int { memtablesBytes }
    /// Target size of one index or filter partition: RocksDB's data block size, so that a partition is
    /// cached and evicted like a data block.
    static let metadataBlockBytes = 4096
    /// Flushed memtables (level-0 files) a column family gathers before RocksDB merges them into level 1.
    ///
    /// Why 8, not RocksDB's 4: most of a block's keys are hashes or new ids, so every level-0 file overlaps
    /// all of level 1, and each merge rewrites level 1 whole; gathering twice as many files rewrites it
    /// half as often per byte written. At a million licences four validators spent 9 % of their CPU in
    /// compactions; with 8 they committed 4,486 and 4,569 tx/s against 3,736 and 3,719 with 4 (alternated
    /// on one build: 104–106 against 126–127 µs of CPU per licence and validator; docs/performance.md), and
    /// the ledger benchmark at a million was unchanged. A read checks up to 8 level-0 files, each through
    /// its pinned filter. RocksDB slows writes at 20 such files and stops at 36.
    static let level0FilesToCompact = 8
    /// Level 1's target size: as much as the level-0 files that trigger a merge into it hold, the relation
    /// RocksDB's tuning guide gives (`max_bytes_for_level_base` ≈ level-0 trigger × `write_buffer_size`);
    /// 256 MiB, RocksDB's default, under the default budget.
    let level1Bytes: Int

    init(memoryBudget: Int) {
        let budget = max(memoryBudget, RocksDBStore.memoryBudgetMinimum) - RocksDBStore.treeNodeCacheBytes(memoryBudget: memoryBudget)
        blockCacheBytes = budget / 2
        memtablesBytes = budget - budget / 2
        memtableBytes = min(64 << 20, memtablesBytes / 4)
        level1Bytes = Self.level0FilesToCompact * memtableBytes
    }
}
