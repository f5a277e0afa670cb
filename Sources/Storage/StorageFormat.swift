/// The version of the on-disk layout (`docs/storage.md`), recorded in the store and checked at every open.
///
/// A build that changes what the families hold, how keys are laid out or how values are encoded raises
/// `current`; a build that can still read older stores (possibly migrating them) keeps `oldestReadable`
/// at the oldest it reads. A node then refuses a data directory written by a newer build, or by one too
/// old for it, with both versions named, instead of misreading it (ADR 0016).
public enum StorageFormat {
    /// The newest layout this build writes.
    public static let current: UInt32 = staleLists
    /// The oldest layout this build reads.
    public static let oldestReadable: UInt32 = fullHistory
    /// The versions this build opens.
    public static var readable: ClosedRange<UInt32> { oldestReadable...current }

    /// Version 1: the layout of docs/storage.md holding every block from height 1 and every state version;
    /// what a new store is recorded as.
    public static let fullHistory: UInt32 = 1
    /// Version 2: the same layout in a store whose history is partial: restored from a state snapshot (no
    /// blocks below `history.firstHeight`) or with pruned tree versions (none below
    /// `ledger.oldestStateHeight`). A version-1 reader assumes full history and would misread such a store
    /// (a missing block or tree node read as corruption, a store served as if it held every block), so
    /// writing either marker records version 2 in the same batch, and builds reading only 1 refuse it.
    public static let partialHistory: UInt32 = 2
    /// Version 3: version 2's layout, with the state tree's stale nodes recorded as one list per version
    /// (`treeNodes` keys `0x03 ‖ version ‖ chunk`) instead of one record per node (ADR 0019). A version-2
    /// reader would never prune the nodes those lists name, so every batch that writes a list records
    /// version 3, as does every batch writing a partial-history marker (3 reads all that 2 does).
    public static let staleLists: UInt32 = 3

    /// `metadata` key of the format version, whose value is a u32, big-endian.
    public static let key: [UInt8] = Array("storage.formatVersion".utf8)
    /// `metadata` key of the oldest height whose state the tree keeps (owned by the ledger's pruning; named
    /// here because its presence makes history partial).
    public static let oldestStateHeightKey: [UInt8] = Array("ledger.oldestStateHeight".utf8)
    /// The `metadata` keys whose presence makes a store's history partial (version 2).
    public static var partialHistoryKeys: [[UInt8]] { [BlockStore.Keys.firstHeight, oldestStateHeightKey] }

    /// Adds to `batch` the record that the store's history is partial: every batch that writes one of
    /// `partialHistoryKeys` carries it, so no store holds a marker under version 1. Records `current`,
    /// which reads partial history, so that it never lowers a store's version.
    public static func recordPartialHistory(in batch: inout WriteBatch) {
        recordCurrent(in: &batch)
    }

    /// Adds to `batch` the record that the store holds this build's layout (`current`): every batch that
    /// writes something only `current` reads (a stale list) carries it, so older builds refuse the store.
    public static func recordCurrent(in batch: inout WriteBatch) {
        batch.put(encode(current), for: key, in: .metadata)
    }

    /// Checks the store's format version against `readable` and returns it; a store without one gets its
    /// version recorded.
    ///
    /// Stores written before versions were recorded have the layout of version 1, so a missing version
    /// reads as 1, or as 2 when the store holds a partial-history marker. A version-1 store holding one
    /// (restored or pruned by a build from before version 2) is raised to 2 here, so an older build refuses
    /// it from then on. `readable` is this build's; tests pass another to act as an older build.
    @discardableResult
    public static func check(_ store: any KeyValueStore, readable: ClosedRange<UInt32> = readable) throws(StorageFormatError) -> UInt32 {
        let stored: [UInt8]?
        var partial = false
        do {
            stored = try store.get(key, in: .metadata)
            for marker in partialHistoryKeys where try store.get(marker, in: .metadata) != nil { partial = true }
        } catch {
            throw .storage(error)
        }
        let version: UInt32
        if let stored {
            guard stored.count == 4 else { throw .malformed(byteCount: stored.count) }
            version = stored.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        } else {
            version = fullHistory
        }
        let upgraded = version == fullHistory && partial ? partialHistory : version
        guard readable.contains(upgraded) else { throw .unsupported(found: upgraded, readable: readable) }
        if stored == nil || upgraded != version {
            var batch = WriteBatch()
            batch.put(encode(upgraded), for: key, in: .metadata)
            do {
                try store.write(batch, sync: true)
            } catch {
                throw .storage(error)
            }
        }
        return upgraded
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
            let partial =
                found == StorageFormat.partialHistory && !readable.contains(found)
                ? "; version 2 marks a store restored from a state snapshot or with pruned tree history, which this build "
                    + "would misread as full history"
                : ""
            let lists =
                found == StorageFormat.staleLists && !readable.contains(found)
                ? "; version 3 records the state tree's stale nodes as lists, which this build would never prune, and "
                    + "may hold a store restored from a state snapshot or with pruned tree history"
                : ""
            return "the data directory has storage format version \(found); this build reads \(range) (\(hint)\(partial)\(lists))"
        case .malformed(let byteCount):
            return "the stored storage format version is \(byteCount) bytes, not 4"
        case .storage(let error):
            return "reading the storage format version: \(error)"
        }
    }
}
