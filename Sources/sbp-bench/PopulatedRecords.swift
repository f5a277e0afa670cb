import ArgumentParser
import Foundation

/// The marker of a populated store kept in a `--records-dir`: what it was built for, so a benchmark reuses
/// it only when it holds the same number of licences, in this build's storage format, for the same chain.
///
/// Populating a million licences takes minutes (docs/performance.md, Growth); the marker is written last,
/// after the store was closed, so a directory without one is an interrupted populating, never reused.
struct PopulatedRecords: Codable, Equatable {
    /// Licences issued into the store.
    var records: Int
    /// `StorageFormat.current` of the build that wrote the store.
    var storageFormat: UInt32
    /// The chain the store belongs to: its id and the hash of its genesis document.
    var chainId: String
    var genesisHash: String
    /// What else the store depends on (the benchmark and its shape, such as the number of validators and ports).
    var shape: String
    /// Seconds the populating took and the bytes it added to the disk, for the figures of a reusing run.
    var populateSeconds: Double = 0
    var bytesAdded: Int = 0

    /// The name of the marker file inside a populated directory.
    static let fileName = "records.json"

    /// The fields a reusing run must match (everything but the figures of the populating; the genesis only
    /// when `self` names one).
    func matches(_ other: PopulatedRecords) -> Bool {
        records == other.records && storageFormat == other.storageFormat && chainId == other.chainId
            && (genesisHash.isEmpty || genesisHash == other.genesisHash) && shape == other.shape
    }

    /// The marker in `directory`, or nil when there is none (never populated, or interrupted).
    static func read(in directory: String) throws -> PopulatedRecords? {
        let path = directory + "/" + fileName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try JSONDecoder().decode(PopulatedRecords.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func write(in directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/" + Self.fileName), options: .atomic)
    }

    /// The marker of the populated directory `source` when it matches `self`; nil when there is none to
    /// reuse (never populated, interrupted, or stale and `repopulate`: then `source` is removed). A stale
    /// one without `repopulate` is refused with what differs.
    func reusable(in source: String, what: String, repopulate: Bool) throws -> PopulatedRecords? {
        if let stored = try Self.read(in: source) {
            if matches(stored) { return stored }
            guard repopulate else {
                throw ValidationError(
                    "\(source) holds \(what) populated for something else (\(differences(from: stored))): pass --repopulate to build it again, or another --records-dir"
                )
            }
        }
        if FileManager.default.fileExists(atPath: source) { try FileManager.default.removeItem(atPath: source) }
        return nil
    }

    /// Why `stored` cannot stand for `self`, field by field.
    func differences(from stored: PopulatedRecords) -> String {
        var lines: [String] = []
        if records != stored.records { lines.append("records \(stored.records), wanted \(records)") }
        if storageFormat != stored.storageFormat {
            lines.append("storage format \(stored.storageFormat), this build writes \(storageFormat)")
        }
        if chainId != stored.chainId { lines.append("chain id \(stored.chainId), wanted \(chainId)") }
        if !genesisHash.isEmpty, genesisHash != stored.genesisHash { lines.append("genesis \(stored.genesisHash), wanted \(genesisHash)") }
        if shape != stored.shape { lines.append("built for \(stored.shape), wanted \(shape)") }
        return lines.joined(separator: "; ")
    }
}

/// Cheap copies of populated directories: RocksDB never changes a table file (`*.sst`) once written, so a
/// copy hard-links them and copies only the small mutable files (manifest, write-ahead log, options, logs).
///
/// The copy's RocksDB may compact and delete its links; the originals stay. On a file system that refuses
/// hard links (another device), the table files are copied.
enum DirectoryCopy {
    /// Copies `source` to `destination` (which must not exist), hard-linking table files; returns how many
    /// files were linked and copied.
    @discardableResult
    static func copy(from source: String, to destination: String) throws -> (linked: Int, copied: Int) {
        let files = FileManager.default
        try files.createDirectory(atPath: destination, withIntermediateDirectories: true)
        var linked = 0
        var copied = 0
        guard let enumerator = files.enumerator(atPath: source) else {
            throw ValidationError("cannot read the directory \(source)")
        }
        while let name = enumerator.nextObject() as? String {
            let from = source + "/" + name
            let to = destination + "/" + name
            let type = try files.attributesOfItem(atPath: from)[.type] as? FileAttributeType
            if type == .typeDirectory {
                try files.createDirectory(atPath: to, withIntermediateDirectories: true)
            } else if type != .typeRegular || name.hasSuffix("/LOCK") || name == "LOCK" {
                continue  // sockets, and RocksDB's lock file: the copy makes its own
            } else if name.hasSuffix(".sst"), (try? files.linkItem(atPath: from, toPath: to)) != nil {
                linked += 1
            } else {
                try files.copyItem(atPath: from, toPath: to)
                copied += 1
            }
        }
        return (linked, copied)
    }
}
