/// An ordered list of puts and deletes that a store applies atomically: all of them or none.
///
/// It is a value so that several layers (block store, state tree, ledger indexes) can each add their
/// writes and hand one batch to a single `write(_:sync:)` — DESIGN §4: a block's effects are one atomic
/// batch. Operations apply in order, so a later operation on the same key wins.
///
/// The keys and values of all operations live back to back in one buffer (`bytes`), each operation an
/// `Entry` of offsets into it. Why: a block's batch holds about 21,000 keys and values for 2,000 licences;
/// as an array per key and per value, allocating them, and freeing them once the block was written (at
/// random in a heap the block had grown), cost the driver thread about a tenth of its time (issue 18).
/// Two buffers are allocated instead, and a store hands RocksDB pointers into them.
public struct WriteBatch: Hashable, Sendable {
    /// One recorded change.
    public enum Operation: Hashable, Sendable {
        case put(key: [UInt8], value: [UInt8], family: ColumnFamily)
        case delete(key: [UInt8], family: ColumnFamily)

        /// The bytes of key and value this operation carries.
        public var byteCount: Int {
            switch self {
            case .put(let key, let value, _): return key.count + value.count
            case .delete(let key, _): return key.count
            }
        }
    }

    /// Where one operation's key and value are in `bytes`: the key at `keyStart`, the value right after it.
    public struct Entry: Hashable, Sendable {
        public let keyStart: Int
        public let keyCount: Int
        /// 0 for a delete.
        public let valueCount: Int
        public let family: ColumnFamily
        public let isDelete: Bool

        /// Where the value starts in `bytes`: right after the key.
        public var valueStart: Int { keyStart + keyCount }

        /// The same entry with its bytes `offset` further on (appending one batch's buffer to another's).
        func shifted(by offset: Int) -> Entry {
            Entry(keyStart: keyStart + offset, keyCount: keyCount, valueCount: valueCount, family: family, isDelete: isDelete)
        }
    }

    /// The operations, in order, as offsets into `bytes`.
    public private(set) var entries: [Entry] = []
    /// Every operation's key, then its value, in order, back to back.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    /// Bytes of all keys and values: limits are checked without a pass over the batch.
    public var byteCount: Int { bytes.count }

    /// The operations as values, each key and value copied out of `bytes`: for tests and the memory store;
    /// stores on the block path read `entries` and `bytes` instead.
    public var operations: [Operation] {
        entries.map { entry in
            let key = Array(bytes[entry.keyStart..<entry.valueStart])
            if entry.isDelete { return .delete(key: key, family: entry.family) }
            return .put(key: key, value: Array(bytes[entry.valueStart..<entry.valueStart + entry.valueCount]), family: entry.family)
        }
    }

    /// The key of the operation `entry`.
    public func key(of entry: Entry) -> ArraySlice<UInt8> {
        bytes[entry.keyStart..<entry.valueStart]
    }

    /// Makes room for `operations` more operations carrying `bytes` more bytes of keys and values, so that a
    /// block's batch grows without copying itself again and again.
    public mutating func reserveCapacity(operations: Int, bytes byteCount: Int) {
        entries.reserveCapacity(entries.count + max(0, operations))
        bytes.reserveCapacity(bytes.count + max(0, byteCount))
    }

    /// Records that `key` in `family` holds `value` after the batch.
    public mutating func put(_ value: [UInt8], for key: [UInt8], in family: ColumnFamily) {
        let keyStart = bytes.count
        bytes.append(contentsOf: key)
        bytes.append(contentsOf: value)
        entries.append(Entry(keyStart: keyStart, keyCount: key.count, valueCount: value.count, family: family, isDelete: false))
    }

    /// Records a put whose key and value `writeKey` and `writeValue` append to the batch's buffer: each gets
    /// the buffer and appends its bytes after what is there (and must not change what is there).
    ///
    /// Why: a block writes thousands of state tree nodes; encoded straight into the batch, a node's key and
    /// value need no arrays of their own, to be allocated, copied and freed at once.
    public mutating func put(
        in family: ColumnFamily, key writeKey: (inout [UInt8]) -> Void, value writeValue: (inout [UInt8]) -> Void
    ) {
        let keyStart = bytes.count
        writeKey(&bytes)
        let valueStart = bytes.count
        writeValue(&bytes)
        // A writer that removed bytes broke the batch's other entries; keep its own entry within the buffer.
        let keyCount = max(0, valueStart - keyStart)
        let valueCount = max(0, bytes.count - max(valueStart, keyStart))
        entries.append(Entry(keyStart: keyStart, keyCount: keyCount, valueCount: valueCount, family: family, isDelete: false))
    }

    /// Records that `key` in `family` is absent after the batch (deleting a missing key is not an error).
    public mutating func delete(_ key: [UInt8], in family: ColumnFamily) {
        let keyStart = bytes.count
        bytes.append(contentsOf: key)
        entries.append(Entry(keyStart: keyStart, keyCount: key.count, valueCount: 0, family: family, isDelete: true))
    }

    /// Adds one operation after the ones already recorded.
    public mutating func append(_ operation: Operation) {
        switch operation {
        case .put(let key, let value, let family): put(value, for: key, in: family)
        case .delete(let key, let family): delete(key, in: family)
        }
    }

    /// Adds all of `other`'s operations after this batch's, so `other` wins on keys both touch.
    public mutating func append(contentsOf other: WriteBatch) {
        guard !other.entries.isEmpty else { return }
        // An empty batch without room of its own takes `other`'s buffers (no copy); one with room reserved
        // (a block's, `reserveCapacity`) keeps it.
        if entries.isEmpty, entries.capacity < other.entries.count {
            self = other
            return
        }
        let offset = bytes.count
        bytes.append(contentsOf: other.bytes)
        entries.reserveCapacity(entries.count + other.entries.count)
        for entry in other.entries { entries.append(entry.shifted(by: offset)) }
    }

    /// Throws unless the batch is within `StorageLimits`; stores call this before applying anything.
    public func validate() throws(StorageError) {
        try Self.validate([self])
    }

    /// Throws unless `batches` together are within `StorageLimits`, as one batch holding all their operations
    /// would have to be (`KeyValueStore.write(_:sync:)` for several batches).
    public static func validate(_ batches: [WriteBatch]) throws(StorageError) {
        let count = batches.reduce(0) { $0 + $1.entries.count }
        let byteCount = batches.reduce(0) { $0 + $1.byteCount }
        guard count <= StorageLimits.batchOperationsMax else {
            throw .invalidArgument(message: "batch of \(count) operations exceeds \(StorageLimits.batchOperationsMax)")
        }
        guard byteCount <= StorageLimits.batchBytesMax else {
            throw .invalidArgument(message: "batch of \(byteCount) bytes exceeds \(StorageLimits.batchBytesMax)")
        }
        for batch in batches {
            for entry in batch.entries {
                guard entry.keyCount <= StorageLimits.keyBytesMax else {
                    throw .invalidArgument(message: "key of \(entry.keyCount) bytes exceeds \(StorageLimits.keyBytesMax)")
                }
                guard entry.valueCount <= StorageLimits.valueBytesMax else {
                    throw .invalidArgument(message: "value of \(entry.valueCount) bytes exceeds \(StorageLimits.valueBytesMax)")
                }
            }
        }
    }
}
