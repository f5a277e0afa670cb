/// An ordered list of puts and deletes that a store applies atomically: all of them or none.
///
/// It is a value so that several layers (block store, state tree, ledger indexes) can each add their
/// writes and hand one batch to a single `write(_:sync:)` — DESIGN §4: a block's effects are one atomic
/// batch. Operations apply in order, so a later operation on the same key wins.
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

    public private(set) var operations: [Operation] = []
    /// Bytes of all keys and values, kept up to date so limits are checked without a pass over the batch.
    public private(set) var byteCount = 0

    public init() {}

    public var isEmpty: Bool { operations.isEmpty }
    public var count: Int { operations.count }

    /// Records that `key` in `family` holds `value` after the batch.
    public mutating func put(_ value: [UInt8], for key: [UInt8], in family: ColumnFamily) {
        append(.put(key: key, value: value, family: family))
    }

    /// Records that `key` in `family` is absent after the batch (deleting a missing key is not an error).
    public mutating func delete(_ key: [UInt8], in family: ColumnFamily) {
        append(.delete(key: key, family: family))
    }

    /// Adds one operation after the ones already recorded.
    public mutating func append(_ operation: Operation) {
        operations.append(operation)
        byteCount += operation.byteCount
    }

    /// Adds all of `other`'s operations after this batch's, so `other` wins on keys both touch.
    public mutating func append(contentsOf other: WriteBatch) {
        operations.append(contentsOf: other.operations)
        byteCount += other.byteCount
    }

    /// Throws unless the batch is within `StorageLimits`; stores call this before applying anything.
    public func validate() throws(StorageError) {
        try Self.validate([self])
    }

    /// Throws unless `batches` together are within `StorageLimits`, as one batch holding all their operations
    /// would have to be (`KeyValueStore.write(_:sync:)` for several batches).
    public static func validate(_ batches: [WriteBatch]) throws(StorageError) {
        let count = batches.reduce(0) { $0 + $1.operations.count }
        let byteCount = batches.reduce(0) { $0 + $1.byteCount }
        guard count <= StorageLimits.batchOperationsMax else {
            throw .invalidArgument(message: "batch of \(count) operations exceeds \(StorageLimits.batchOperationsMax)")
        }
        guard byteCount <= StorageLimits.batchBytesMax else {
            throw .invalidArgument(message: "batch of \(byteCount) bytes exceeds \(StorageLimits.batchBytesMax)")
        }
        for batch in batches {
            for operation in batch.operations {
                switch operation {
                case .put(let key, let value, _):
                    try StorageLimits.check(key: key)
                    guard value.count <= StorageLimits.valueBytesMax else {
                        throw .invalidArgument(message: "value of \(value.count) bytes exceeds \(StorageLimits.valueBytesMax)")
                    }
                case .delete(let key, _):
                    try StorageLimits.check(key: key)
                }
            }
        }
    }
}
