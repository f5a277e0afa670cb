/// The version of the on-disk layout (`docs/storage.md`), recorded in the store and checked at every open.
///
/// A build that changes what the families hold, how keys are laid out or how values are encoded raises
/// `current`; a build that can still read older stores (possibly migrating them) keeps `oldestReadable`
/// at the oldest it reads. A node then refuses a data directory written by a newer build, or by one too
/// old for it, with both versions named, instead of misreading it (ADR 0016).
public enum StorageFormat {
    /// The layout this build writes.
    public static let current: UInt32 = 1
    /// The oldest layout this build reads.
    public static let oldestReadable: UInt32 = 1
    /// The versions this build opens.
    public static var readable: ClosedRange<UInt32> { oldestReadable...current }

    /// `metadata` key of the format version, whose value is a u32, big-endian.
    public static let key: [UInt8] = Array("storage.formatVersion".utf8)

    /// Checks the store's format version and returns it; a store without one gets `current` recorded.
    ///
    /// Stores written before versions were recorded have the layout of version 1, so a missing version
    /// reads as 1 (equal to `current` today); a new store is recorded with `current`.
    @discardableResult
    public static func check(_ store: any KeyValueStore) throws(StorageFormatError) -> UInt32 {
        let stored: [UInt8]?
        do {
            stored = try store.get(key, in: .metadata)
        } catch {
            throw .storage(error)
        }
        guard let stored else {
            var batch = WriteBatch()
            batch.put(encode(current), for: key, in: .metadata)
            do {
                try store.write(batch, sync: true)
            } catch {
                throw .storage(error)
            }
            return current
        }
        guard stored.count == 4 else { throw .malformed(byteCount: stored.count) }
        let version = stored.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard readable.contains(version) else { throw .unsupported(found: version, readable: readable) }
        return version
    }

    /// The stored form of `version`: four bytes, big-endian.
    public static func encode(_ version: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: version >> UInt32(24 - 8 * $0)) }
    }
}

/// Why a store's format version does not let this build open it.
public enum StorageFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The store records a version this build cannot read (newer than it, or older than it reads).
    case unsupported(found: UInt32, readable: ClosedRange<UInt32>)
    /// The stored version is not four bytes.
    case malformed(byteCount: Int)
    /// Reading or recording the version failed.
    case storage(StorageError)

    public var description: String {
        switch self {
        case .unsupported(let found, let readable):
            let range = readable.count == 1 ? "version \(readable.lowerBound)" : "versions \(readable.lowerBound)…\(readable.upperBound)"
            let hint =
                found > readable.upperBound
                ? "it was written by a newer build; run that build, or restore a backup made before the upgrade"
                : "it was written by a build too old for this one; upgrade through an intermediate release"
            return "the data directory has storage format version \(found); this build reads \(range) (\(hint))"
        case .malformed(let byteCount):
            return "the stored storage format version is \(byteCount) bytes, not 4"
        case .storage(let error):
            return "reading the storage format version: \(error)"
        }
    }
}
