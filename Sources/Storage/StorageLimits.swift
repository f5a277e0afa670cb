import ChainTypes

/// Size limits of storage requests, checked by every `KeyValueStore` before it touches data.
///
/// DESIGN §1.4: every batch and every scan has a named maximum, so a caller bug or a hostile request
/// cannot make the store buffer unbounded memory. `StorageLimitsTests` checks that one largest block,
/// with its certificate and index entries, fits in a single batch.
public enum StorageLimits {
    /// A key. Keys are short tags, big-endian heights and hashes.
    public static let keyBytesMax = 1024
    /// A value. The largest values are encoded blocks.
    public static let valueBytesMax = 2 * Limits.blockBytesMax
    /// Puts and deletes in one batch: a block's entries plus the state tree nodes it touches.
    public static let batchOperationsMax = 1_000_000
    /// Keys and values of one batch together.
    public static let batchBytesMax = 4 * Limits.blockBytesMax
    /// Pairs returned by one scan; callers paginate with `after:` for more.
    public static let scanPairsMax = 10_000
    /// Keys read by one `get(keys:in:)`: as many as a scan returns, and more than a block's tree update
    /// usually reads per level (a few thousand leaves at a million keys); callers split larger reads.
    public static let getKeysMax = 10_000

    /// Throws unless `key` is within `keyBytesMax`.
    public static func check(key: [UInt8]) throws(StorageError) {
        guard key.count <= keyBytesMax else {
            throw .invalidArgument(message: "key of \(key.count) bytes exceeds \(keyBytesMax)")
        }
    }

    /// Throws unless `count` keys may be read in one `get(keys:in:)` (0 ... `getKeysMax`).
    public static func check(getKeys count: Int) throws(StorageError) {
        guard count <= getKeysMax else {
            throw .invalidArgument(message: "a read of \(count) keys exceeds \(getKeysMax)")
        }
    }

    /// Throws unless `limit` is a valid scan limit (0 ... `scanPairsMax`).
    public static func check(scanLimit limit: Int) throws(StorageError) {
        guard limit >= 0, limit <= scanPairsMax else {
            throw .invalidArgument(message: "scan limit \(limit) is outside 0...\(scanPairsMax)")
        }
    }
}
