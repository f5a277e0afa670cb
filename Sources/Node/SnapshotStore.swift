import ChainTypes
import Dispatch
import Evidence
import Foundation
import Keys
import Ledger
import Logging
import Storage
import StorageRocksDB
import Synchronization

/// The state snapshots a node keeps for peers that join by state sync and for `sbp snapshot export`
/// (docs/adr/0017-state-sync.md): `<data_dir>/snapshots/<height>/manifest` and `chunk-<index>` files.
///
/// A snapshot of height h is cut right after block h is finalized, from a RocksDB snapshot of the store
/// (the flat state at h; no copy of the database, and pruning cannot take it away), on a utility queue so
/// the driver never waits; its manifest is written once block h + 1, which certifies the state root, is
/// finalized. It is moved into place only when complete, and the oldest beyond `kept` are deleted.
public final class SnapshotStore: Sendable {
    public let directory: String
    let interval: UInt64
    let kept: Int
    let logger: Logger
    private let queue = DispatchQueue(label: "sbp.snapshots", qos: .utility)
    /// The snapshot cut and waiting for its certifying block: its height and chunk list.
    private let waiting = Mutex<(height: UInt64, chunks: [SnapshotChunkInfo])?>(nil)
    /// Whether a snapshot is being cut (at most one at a time; a due one is skipped while another runs).
    private let busy = Atomic<Bool>(false)
    /// The latest complete manifest's bytes, for serving.
    private let latest = Mutex<(height: UInt64, bytes: [UInt8])?>(nil)

    public init(dataDirectory: String, interval: UInt64, kept: Int, logger: Logger) {
        directory = dataDirectory + "/snapshots"
        self.interval = interval
        self.kept = max(1, kept)
        self.logger = logger
        if let height = heights().last, let bytes = FileManager.default.contents(atPath: path(height) + "/manifest") {
            latest.withLock { $0 = (height, Array(bytes)) }
        }
    }

    func path(_ height: UInt64) -> String { directory + "/\(height)" }

    /// Heights of the complete snapshots on disk, lowest first.
    public func heights() -> [UInt64] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { UInt64($0) }.filter { FileManager.default.fileExists(atPath: path($0) + "/manifest") }.sorted()
    }

    /// The latest complete manifest, encoded; nil when there is none.
    public var latestManifest: (height: UInt64, bytes: [UInt8])? { latest.withLock { $0 } }

    /// Chunk `index` of the snapshot at `height`, encoded; nil when that snapshot is gone.
    public func chunk(height: UInt64, index: UInt32) -> [UInt8]? {
        FileManager.default.contents(atPath: path(height) + "/chunk-\(index)").map { Array($0) }
    }

    /// Called after every finalized block with the ledger: cuts a snapshot when one is due and completes
    /// the waiting one once its certifying block is there.
    func blockFinalized(height: UInt64, ledger: Ledger, store: RocksDBStore) {
        if let pending = waiting.withLock({ $0 }), height > pending.height {
            waiting.withLock { $0 = nil }
            queue.async { [self] in complete(height: pending.height, chunks: pending.chunks, ledger: ledger, store: store) }
        }
        guard interval > 0, height % interval == 0, height > 0 else { return }
        guard !busy.exchange(true, ordering: .acquiringAndReleasing) else {
            logger.warning("skipping a state snapshot: the previous one is still being made", metadata: ["height": "\(height)"])
            return
        }
        let view: LedgerView
        do {
            view = try ledger.view()
        } catch {
            busy.store(false, ordering: .releasing)
            logger.error("cannot read the ledger for a state snapshot", metadata: ["error": "\(error)"])
            return
        }
        guard view.height == height else {
            busy.store(false, ordering: .releasing)
            return
        }
        queue.async { [self] in
            do {
                let started = ContinuousClock.now
                let chunks = try cut(view)
                waiting.withLock { $0 = (height, chunks) }
                logger.info(
                    "state snapshot cut",
                    metadata: ["height": "\(height)", "chunks": "\(chunks.count)", "elapsed": "\(ContinuousClock.now - started)"])
            } catch {
                busy.store(false, ordering: .releasing)
                logger.error("cannot make a state snapshot", metadata: ["height": "\(height)", "error": "\(error)"])
            }
        }
    }

    /// Writes the chunks of `view`'s state into `<height>.partial/`.
    func cut(_ view: LedgerView) throws -> [SnapshotChunkInfo] {
        let partial = path(view.height) + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        var index = 0
        return try view.snapshotChunks { chunk, _ in
            try Data(chunk.canonicalBytes).write(to: URL(fileURLWithPath: partial + "/chunk-\(index)"))
            index += 1
        }
    }

    /// Writes the manifest of the snapshot at `height` (cut into `<height>.partial/`) and moves it into place.
    private func complete(height: UInt64, chunks: [SnapshotChunkInfo], ledger: Ledger, store: RocksDBStore) {
        defer { busy.store(false, ordering: .releasing) }
        let partial = path(height) + ".partial"
        do {
            let manifest = try Self.manifest(view: try ledger.view(), height: height, chunks: chunks, store: store)
            let bytes = manifest.canonicalBytes
            try Data(bytes).write(to: URL(fileURLWithPath: partial + "/manifest"))
            try? FileManager.default.removeItem(atPath: path(height))
            try FileManager.default.moveItem(atPath: partial, toPath: path(height))
            latest.withLock { $0 = (height, bytes) }
            for old in heights().dropLast(kept) { try? FileManager.default.removeItem(atPath: path(old)) }
            logger.info(
                "state snapshot made",
                metadata: ["height": "\(height)", "chunks": "\(chunks.count)", "bytes": "\(manifest.stateBytes)"])
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            logger.error("cannot complete a state snapshot", metadata: ["height": "\(height)", "error": "\(error)"])
        }
    }

    /// The manifest of the state after `height`, whose chunks are `chunks`: block `height` and `height + 1`
    /// with their certificates and the validator-set changes up to `height + 1`, read from `view`.
    public static func manifest(view: LedgerView, height: UInt64, chunks: [SnapshotChunkInfo], store: any KeyValueReader) throws
        -> SnapshotManifest
    {
        guard let block = try view.block(at: height), let stored = try view.certificate(at: height),
            let next = try view.block(at: height + 1), let nextCertificate = try view.certificate(at: height + 1)
        else { throw StateSyncError.storage("blocks \(height) and \(height + 1) with their certificates are not all stored") }
        // Each node stores the certificate it assembled; the one block `height + 1` names (its `lastCommit`)
        // is the one every node can check, so that is the one the manifest carries.
        let certificate = next.lastCommit ?? stored
        return SnapshotManifest(
            chainId: view.chainId, genesisHash: view.genesisHash, height: height, block: block, certificate: certificate,
            nextHeader: next.header, nextCertificate: nextCertificate,
            transitions: try transitions(view: view, through: height + 1, store: store), chunks: chunks)
    }

    /// `metadata` key of the validator-set changes a store restored from a snapshot was given (its own
    /// history does not reach back to prove them).
    static let restoredTransitionsKey = Array("stateSync.transitions".utf8)

    /// The validator-set changes activating at or before `height`, each proven as evidence bundles prove
    /// them; those older than this store's history come from the snapshot it was restored from.
    static func transitions(view: LedgerView, through height: UInt64, store: any KeyValueReader) throws -> [EpochTransition] {
        var restored: [EpochTransition] = []
        if let bytes = try store.get(restoredTransitionsKey, in: .metadata) {
            var decoder = CanonicalDecoder(bytes)
            restored = try decoder.readSequence(field: "restored transitions", limit: EvidenceLimits.transitionsMax)
        }
        let first = try view.firstHeight()
        var transitions: [EpochTransition] = []
        for epoch in try view.epochs().epochs where epoch.firstHeight > 1 && epoch.firstHeight <= height {
            if let known = restored.first(where: { $0.activationHeight == epoch.firstHeight }) {
                transitions.append(known)
                continue
            }
            guard epoch.firstHeight >= first + 2, let announcing = try view.block(at: epoch.firstHeight - 1),
                let announcingCertificate = try view.certificate(at: epoch.firstHeight - 1)
            else { throw StateSyncError.storage("the validator-set change at \(epoch.firstHeight) is before this node's history") }
            // Below the oldest kept state, the proof the pruner kept (`LedgerView.announcementProof`).
            let announced = try view.announcementProof(activationHeight: epoch.firstHeight)
            transitions.append(
                EpochTransition(
                    activationHeight: epoch.firstHeight, validators: epoch.validators, announcingHeader: announcing.header,
                    announcingCertificate: announcingCertificate, proof: announced))
        }
        return transitions
    }
}

/// One snapshot as a single file, for air-gapped transfer (`sbp snapshot export|import`):
/// the 8 bytes `SBPSNAP1`, then u32le(length) ‖ manifest, then u32le(length) ‖ chunk for each listed chunk
/// in order. Import checks it exactly as state sync checks what peers send.
public enum SnapshotFile {
    static let magic = Array("SBPSNAP1".utf8)

    static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32($0))) } }

    /// Writes the snapshot in `directory` (a node's `snapshots/<height>`) to `path`; returns its byte size.
    public static func export(snapshotDirectory directory: String, to path: String) throws -> UInt64 {
        guard let manifestData = FileManager.default.contents(atPath: directory + "/manifest") else {
            throw StateSyncError.storage("no manifest in \(directory)")
        }
        let manifest = try SnapshotManifest(canonicalBytes: Array(manifestData))
        if let problem = FileWriter.problem(writing: path) { throw StateSyncError.storage("cannot create \(problem)") }
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw StateSyncError.storage("cannot create \(path)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var written: UInt64 = 0
        func put(_ bytes: [UInt8]) throws {
            try handle.write(contentsOf: Data(bytes))
            written += UInt64(bytes.count)
        }
        try put(magic)
        try put(littleEndian(UInt32(manifestData.count)))
        try put(Array(manifestData))
        for index in manifest.chunks.indices {
            guard let chunk = FileManager.default.contents(atPath: directory + "/chunk-\(index)") else {
                throw StateSyncError.storage("chunk \(index) missing in \(directory)")
            }
            try put(littleEndian(UInt32(chunk.count)))
            try put(Array(chunk))
        }
        try handle.synchronize()
        return written
    }

    /// `export(snapshotDirectory:to:)` off the cooperative pool (`SnapshotRestoreWork`): it copies every chunk.
    public static func export(snapshotDirectory directory: String, to path: String) async throws -> UInt64 {
        try await SnapshotRestoreWork.run { try export(snapshotDirectory: directory, to: path) }
    }

    /// Reads a snapshot file, handing the manifest to `manifest` (which verifies it) and each chunk's bytes
    /// to `chunk`, in order.
    public static func read(
        path: String, manifest: (SnapshotManifest) throws -> Void, chunk: (Int, [UInt8]) throws -> Void
    ) throws {
        if let problem = BoundedFile.problem(reading: path) { throw StateSyncError.storage("cannot open \(problem)") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StateSyncError.storage("cannot open \(path)") }
        defer { try? handle.close() }
        func take(_ count: Int) throws -> [UInt8] {
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw StateSyncError.malformed("\(path) ends early") }
            return Array(data)
        }
        func length(limit: Int) throws -> Int {
            let value = try take(4).reversed().reduce(0) { $0 << 8 | Int($1) }
            guard value <= limit else { throw StateSyncError.malformed("a length of \(value) bytes, above \(limit)") }
            return value
        }
        guard try take(magic.count) == magic else { throw StateSyncError.malformed("\(path) does not start with SBPSNAP1") }
        let decoded: SnapshotManifest
        do {
            decoded = try SnapshotManifest(canonicalBytes: try take(try length(limit: 64 * 1024 * 1024)))
        } catch let error as StateSyncError {
            throw error
        } catch {
            throw StateSyncError.malformed("manifest: \(error)")
        }
        try manifest(decoded)
        for index in decoded.chunks.indices {
            try chunk(index, try take(try length(limit: SnapshotLimits.chunkBytesMax)))
        }
        guard try handle.read(upToCount: 1)?.isEmpty ?? true else {
            throw StateSyncError.malformed("\(path) has bytes after the last chunk")
        }
    }
}

/// Restores a verified snapshot into `<data_dir>/db`: through `<data_dir>/db.restoring`, moved into place
/// only when complete, so a restore cut short leaves no store a node would open (docs/adr/0017-state-sync.md).
///
/// Async callers (state sync, `sbp snapshot import`) use the async overloads, which run the synchronous work
/// on `SnapshotRestoreWork`'s queue, off the cooperative pool; an async context cannot call the synchronous
/// ones without leaving the pool's thread blocked, because Swift prefers the async overload there.
/// Unchecked `Sendable`: its state is touched by one caller at a time, each async call awaited before the next.
public final class SnapshotRestoreSession: @unchecked Sendable {
    let dataDirectory: String
    let genesis: Genesis
    let store: RocksDBStore
    let restore: SnapshotRestore
    public private(set) var manifest: SnapshotManifest?
    /// Chunks rejected so far (bad bytes, wrong hash).
    public private(set) var rejectedChunks = 0
    var written: Set<Int> = []

    var restoringPath: String { dataDirectory + "/db.restoring" }
    /// Called on the restore queue before each job of the async overloads (tests: where the work runs).
    let workObserver = Mutex<(@Sendable () -> Void)?>(nil)

    public init(dataDirectory: String, genesis: Genesis) throws {
        self.dataDirectory = dataDirectory
        self.genesis = genesis
        let final = dataDirectory + "/db"
        if FileManager.default.fileExists(atPath: final) {
            throw StateSyncError.storage("\(final) exists: a snapshot is restored only into an empty data directory")
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let restoring = dataDirectory + "/db.restoring"
        try? FileManager.default.removeItem(atPath: restoring)
        store = try RocksDBStore(path: restoring)
        do {
            restore = try SnapshotRestore(store: store)
        } catch {
            store.close()
            throw error
        }
    }

    /// Verifies `manifest` against the genesis and makes it the one whose chunks this session takes.
    public func begin(_ manifest: SnapshotManifest) throws(StateSyncError) {
        try manifest.verify(genesis: genesis)
        self.manifest = manifest
    }

    /// Whether chunk `index` is still needed.
    public func needs(_ index: Int) -> Bool { !written.contains(index) }

    /// Checks chunk `index`'s bytes against the manifest and writes its leaves; a bad chunk is counted and
    /// thrown, and nothing of it is written.
    public func accept(index: Int, bytes: [UInt8]) throws(StateSyncError) {
        guard let manifest, manifest.chunks.indices.contains(index) else {
            throw .chunkRejected(height: self.manifest?.height ?? 0, index: index, reason: "not a listed chunk")
        }
        do {
            let chunk = try SnapshotChunk(canonicalBytes: bytes)
            try chunk.verify(against: manifest.chunks[index])
            guard needs(index) else { return }
            try restore.write(chunk)
            written.insert(index)
        } catch let error as SnapshotError {
            if case .storage(let message) = error { throw .storage(message) }
            rejectedChunks += 1
            throw .chunkRejected(height: manifest.height, index: index, reason: error.description)
        } catch {
            rejectedChunks += 1
            throw .chunkRejected(height: manifest.height, index: index, reason: "\(error)")
        }
    }

    /// Whether every listed chunk is written.
    public var isComplete: Bool { manifest.map { written.count == $0.chunks.count } ?? false }

    /// Rebuilds the tree, records the snapshot's block and roots, and moves the store into place.
    public func finish() throws {
        let marker = (dataDirectory as NSString).deletingLastPathComponent + "/" + NodeRuntime.startedMarker
        let started = FileManager.default.fileExists(atPath: marker)
        guard let manifest, isComplete else { throw StateSyncError.storage("the snapshot is not complete") }
        try restore.finish(
            genesisHash: manifest.genesisHash, block: manifest.block, certificate: manifest.certificate,
            stateRoot: manifest.nextHeader.stateRoot, receiptsRoot: manifest.nextHeader.previousReceiptsRoot)
        var batch = WriteBatch()
        var encoder = CanonicalEncoder()
        encoder.write(sequence: manifest.transitions)
        batch.put(encoder.bytes, for: SnapshotStore.restoredTransitionsKey, in: .metadata)
        try store.write(batch, sync: true)
        store.close()
        try FileManager.default.moveItem(atPath: restoringPath, toPath: dataDirectory + "/db")
        // A node that had started before (its data directory since wiped) may have voted: it recovers
        // before voting again, exactly as a wiped node does (PBFT-NOTES rule 19, ADR 0016).
        if started { try RecoveryMarker(dataDirectory: dataDirectory).write(reason: "restored from a state snapshot after a wipe") }
    }

    /// Closes the store of a session abandoned before `finish`, and removes what it wrote.
    public func abandon() {
        store.close()
        try? FileManager.default.removeItem(atPath: restoringPath)
    }

    /// `init(dataDirectory:genesis:)` off the cooperative pool: opening the store reads and writes files.
    public static func open(dataDirectory: String, genesis: Genesis) async throws -> SnapshotRestoreSession {
        try await SnapshotRestoreWork.run { try SnapshotRestoreSession(dataDirectory: dataDirectory, genesis: genesis) }
    }

    /// Runs `body` on the restore queue, after the work observer.
    private func offPool<Value: Sendable, Failure: Error>(_ body: @escaping @Sendable () throws(Failure) -> Value) async throws(Failure)
        -> Value
    {
        try await SnapshotRestoreWork.run { [self] () throws(Failure) -> Value in
            workObserver.withLock { $0 }?()
            return try body()
        }
    }

    /// `begin(_:)` off the cooperative pool: verifying a manifest checks every certificate since genesis.
    public func begin(_ manifest: SnapshotManifest) async throws(StateSyncError) {
        try await offPool { [self] () throws(StateSyncError) in try begin(manifest) }
    }

    /// `accept(index:bytes:)` off the cooperative pool: the chunk's leaves are hashed and written to RocksDB.
    public func accept(index: Int, bytes: [UInt8]) async throws(StateSyncError) {
        try await offPool { [self] () throws(StateSyncError) in try accept(index: index, bytes: bytes) }
    }

    /// `finish()` off the cooperative pool: rebuilding the tree reads the whole flat state and writes every node.
    public func finish() async throws {
        try await offPool { [self] in try finish() }
    }

    /// `abandon()` off the cooperative pool: it removes a directory of up to the state's size.
    public func abandon() async {
        await offPool { [self] in abandon() }
    }

    /// Reads a snapshot file (`SnapshotFile`), verifying its manifest and every chunk as state sync does, and
    /// writes it; `finish()` then completes the restore. Off the cooperative pool.
    public func read(file path: String) async throws {
        try await offPool { [self] in
            try SnapshotFile.read(path: path, manifest: { try begin($0) }, chunk: { try accept(index: $0, bytes: $1) })
        }
    }
}
