/// A point-in-time copy of a `MemoryKeyValueStore` (copy-on-write, so taking one is cheap).
public struct MemoryKeyValueSnapshot: KeyValueSnapshot {
    private let store: MemoryKeyValueStore
    private let tables: [ColumnFamily: MemoryTable]

    init(store: MemoryKeyValueStore, tables: [ColumnFamily: MemoryTable]) {
        self.store = store
        self.tables = tables
    }

    public func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? {
        try StorageLimits.check(key: key)
        guard !store.isClosed else { throw .closed }
        return tables[family]?.get(key)
    }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
        try StorageLimits.check(key: prefix)
        if let after { try StorageLimits.check(key: after) }
        try StorageLimits.check(scanLimit: limit)
        guard !store.isClosed else { throw .closed }
        return tables[family]?.scan(prefix: prefix, after: after, limit: limit) ?? []
    }
}
