import Storage

/// A RocksDB snapshot: reads see the database as it was when `RocksDBStore.snapshot()` was called.
///
/// It pins old versions of keys until released, so it is released as soon as the last reference goes
/// (or when the store closes, after which its reads throw `StorageError.closed`).
public final class RocksDBSnapshot: KeyValueSnapshot {
    private let store: RocksDBStore
    private let token: Int

    init(store: RocksDBStore, token: Int) {
        self.store = store
        self.token = token
    }

    deinit {
        store.releaseSnapshot(token)
    }

    public func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? {
        try StorageLimits.check(key: key)
        return try store.withSnapshot(token) { (database, families, readOptions) throws(StorageError) -> [UInt8]? in
            try RocksDBStore.get(key, handle: RocksDBStore.handle(family, in: families), database: database, readOptions: readOptions)
        }
    }

    /// One batched MultiGet through the snapshot, like `RocksDBStore.get(keys:in:)`.
    public func get(keys: [[UInt8]], in family: ColumnFamily) throws(StorageError) -> [[UInt8]?] {
        try StorageLimits.check(getKeys: keys.count)
        for key in keys { try StorageLimits.check(key: key) }
        return try store.withSnapshot(token) { (database, families, readOptions) throws(StorageError) -> [[UInt8]?] in
            try RocksDBStore.get(
                keys: keys, handle: RocksDBStore.handle(family, in: families), database: database, readOptions: readOptions)
        }
    }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
        try StorageLimits.check(key: prefix)
        if let after { try StorageLimits.check(key: after) }
        try StorageLimits.check(scanLimit: limit)
        return try store.withSnapshot(token) { (database, families, readOptions) throws(StorageError) -> [KeyValuePair] in
            try RocksDBStore.scan(
                prefix: prefix, after: after, limit: limit,
                handle: RocksDBStore.handle(family, in: families), database: database, readOptions: readOptions)
        }
    }
}
