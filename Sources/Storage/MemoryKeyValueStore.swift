import Synchronization

/// The in-memory twin of the RocksDB store, for fast tests of the layers above storage.
///
/// DESIGN §1.2: it passes the same conformance suite as `RocksDBStore`, so a test that passes here
/// exercises the same semantics (atomic batches, ordered scans, snapshots, closed-store errors). One lock
/// guards all families, which makes every batch atomic and every snapshot a consistent copy.
public final class MemoryKeyValueStore: KeyValueStore {
    private struct State: Sendable {
        var tables: [ColumnFamily: MemoryTable] = [:]
        var isClosed = false
    }

    private let state = Mutex(State())

    public init() {}

    public func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? {
        try StorageLimits.check(key: key)
        return try state.withLock { (state) throws(StorageError) -> [UInt8]? in
            guard !state.isClosed else { throw .closed }
            return state.tables[family]?.get(key)
        }
    }

    public func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
        try StorageLimits.check(key: prefix)
        if let after { try StorageLimits.check(key: after) }
        try StorageLimits.check(scanLimit: limit)
        return try state.withLock { (state) throws(StorageError) -> [KeyValuePair] in
            guard !state.isClosed else { throw .closed }
            return state.tables[family]?.scan(prefix: prefix, after: after, limit: limit) ?? []
        }
    }

    /// Applies the batch under the lock; `sync` has no meaning in memory.
    public func write(_ batch: WriteBatch, sync: Bool) throws(StorageError) {
        try batch.validate()
        try state.withLock { (state) throws(StorageError) in
            guard !state.isClosed else { throw .closed }
            for operation in batch.operations {
                switch operation {
                case .put(let key, let value, let family):
                    state.tables[family, default: MemoryTable()].put(value, for: key)
                case .delete(let key, let family):
                    state.tables[family]?.delete(key)
                }
            }
        }
    }

    public func snapshot() throws(StorageError) -> MemoryKeyValueSnapshot {
        let tables = try state.withLock { (state) throws(StorageError) -> [ColumnFamily: MemoryTable] in
            guard !state.isClosed else { throw .closed }
            return state.tables
        }
        return MemoryKeyValueSnapshot(store: self, tables: tables)
    }

    public func close() {
        state.withLock { state in
            state.isClosed = true
            state.tables = [:]
        }
    }

    var isClosed: Bool { state.withLock { $0.isClosed } }
}
