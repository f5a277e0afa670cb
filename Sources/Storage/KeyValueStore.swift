/// Point reads and ordered prefix scans over column families.
///
/// Shared by stores (which read the latest committed data) and snapshots (which read one point in time),
/// so code that only reads can take either.
public protocol KeyValueReader: Sendable {
    /// The value of `key` in `family`, or nil when the key is absent.
    func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]?

    /// The values of `keys` in `family`, in the order of `keys`: for each, what `get(_:in:)` returns.
    ///
    /// A state tree update reads thousands of nodes per block; one call lets a store look them up together
    /// (RocksDB's MultiGet sorts them and visits each file's index and filter once per batch) instead of
    /// paying a lookup's fixed cost per key. At most `StorageLimits.getKeysMax` keys, each within
    /// `StorageLimits.keyBytesMax`. The default reads the keys one at a time.
    func get(keys: [[UInt8]], in family: ColumnFamily) throws(StorageError) -> [[UInt8]?]

    /// Up to `limit` pairs of `family` whose keys start with `prefix`, in ascending unsigned
    /// lexicographic key order (bytes compared as `UInt8`, a shorter key before its extensions).
    ///
    /// With `after`, only keys strictly greater than it are returned: pass the last key of one page to
    /// get the next. `limit` must be in 0...`StorageLimits.scanPairsMax`.
    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair]
}

extension KeyValueReader {
    public func get(keys: [[UInt8]], in family: ColumnFamily) throws(StorageError) -> [[UInt8]?] {
        try StorageLimits.check(getKeys: keys.count)
        var values: [[UInt8]?] = []
        values.reserveCapacity(keys.count)
        for key in keys { values.append(try get(key, in: family)) }
        return values
    }

    /// The first page of a prefix scan; see `scan(prefix:after:limit:in:)`.
    public func scan(
        prefix: [UInt8], after: [UInt8]? = nil, limit: Int = StorageLimits.scanPairsMax, in family: ColumnFamily
    ) throws(StorageError) -> [KeyValuePair] {
        try scan(prefix: prefix, after: after, limit: limit, in: family)
    }

    /// Every key of `family` that starts with `prefix`, read page by page.
    ///
    /// For measuring and checking what a family holds (tests, benchmarks); it reads the whole range, so a
    /// node's request paths page with `scan` instead.
    public func keys(prefix: [UInt8], in family: ColumnFamily) throws(StorageError) -> [[UInt8]] {
        var keys: [[UInt8]] = []
        var after: [UInt8]?
        while true {
            let page = try scan(prefix: prefix, after: after, limit: StorageLimits.scanPairsMax, in: family)
            keys += page.map(\.key)
            guard page.count == StorageLimits.scanPairsMax, let last = page.last else { return keys }
            after = last.key
        }
    }
}

/// A consistent point-in-time view of a store: later writes are invisible to it.
///
/// Readers that need several values to agree (a block and the height pointer, a page and the next page)
/// read them through one snapshot. Reads after the store is closed throw `StorageError.closed`.
public protocol KeyValueSnapshot: KeyValueReader {}

/// A durable ordered key-value store with column families and atomic batches.
///
/// Implementations are final classes, safe for concurrent reads and writes from any thread. Writes go
/// only through `write(_:sync:)`, so every change is part of an atomic batch (DESIGN §4). The in-memory
/// `MemoryKeyValueStore` and the RocksDB store pass one conformance suite.
public protocol KeyValueStore: KeyValueReader, AnyObject {
    associatedtype Snapshot: KeyValueSnapshot

    /// Applies every operation of `batch` or none of them.
    ///
    /// With `sync`, the call returns only once the batch is on stable storage, so it survives a power
    /// loss; without it, the batch survives a process crash but may be lost with the machine.
    func write(_ batch: WriteBatch, sync: Bool) throws(StorageError)

    /// Applies the operations of every batch in `batches`, in order, or none of them: one atomic write, as of
    /// one batch holding all their operations (`WriteBatch.append(contentsOf:)`: a later batch wins on a key).
    ///
    /// Why: the ledger adds a block's own entries to the block's large batch of state and indexes, which its
    /// `ExecutedBlock` keeps; appending to that shared batch copied every operation, and freeing the copy
    /// released them all again, 6 % of finalizing a block (issue 18). `StorageLimits` apply to the batches
    /// together. The default appends them into one batch and writes that.
    func write(_ batches: [WriteBatch], sync: Bool) throws(StorageError)

    /// A view of the store as it is now.
    func snapshot() throws(StorageError) -> Snapshot

    /// Releases the store's resources; idempotent. Every later call, on the store or its snapshots,
    /// throws `StorageError.closed`.
    func close()
}

extension KeyValueStore {
    public func write(_ batches: [WriteBatch], sync: Bool) throws(StorageError) {
        var merged = WriteBatch()
        for batch in batches { merged.append(contentsOf: batch) }
        try write(merged, sync: sync)
    }
}
