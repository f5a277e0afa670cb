import CRocksDB
import Storage

extension RocksDBStore {
    /// Reads `keys` from one column family with one batched MultiGet; shared with snapshots.
    ///
    /// `rocksdb_batched_multi_get_cf` is RocksDB's batched read path (sorted keys, each file's filter and
    /// index visited once per batch); the older `rocksdb_multi_get_cf` only loops over single reads. Every
    /// key's status is looked at and freed; the first error in key order is thrown, as reading the keys one
    /// at a time in order would.
    static func get(keys: [[UInt8]], handle: OpaquePointer, database: OpaquePointer, readOptions: OpaquePointer) throws(StorageError)
        -> [[UInt8]?]
    {
        let count = keys.count
        guard count > 0 else { return [] }
        // The keys side by side in one buffer, so the C call gets a stable pointer to each; one byte more
        // keeps the buffer non-empty (with an address) when every key is empty.
        var joined: [UInt8] = []
        joined.reserveCapacity(keys.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        offsets.reserveCapacity(count)
        for key in keys {
            offsets.append(joined.count)
            joined.append(contentsOf: key)
        }
        joined.append(0)
        let sizes = keys.map(\.count)
        var slices = [OpaquePointer?](repeating: nil, count: count)
        var messages = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        let called = joined.withUnsafeBytes { raw -> Bool in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return false }
            let pointers: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            rocksdb_batched_multi_get_cf(database, readOptions, handle, count, pointers, sizes, &slices, &messages, false)
            return true
        }
        guard called else { throw .io(message: "no buffer for the keys of a MultiGet") }
        defer {
            for slice in slices { if let slice { rocksdb_pinnableslice_destroy(slice) } }
        }
        var failure: StorageError?
        for message in messages {
            guard let message else { continue }
            if failure == nil { failure = RocksDBCall.error(fromMessage: String(cString: message)) }
            rocksdb_free(message)
        }
        if let failure { throw failure }
        return slices.map { slice in
            guard let slice else { return nil }
            var length = 0
            return RocksDBCall.copy(rocksdb_pinnableslice_value(slice, &length), count: length)
        }
    }
}
