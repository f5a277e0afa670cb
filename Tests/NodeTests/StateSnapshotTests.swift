import ChainTypes
import Consensus
import Evidence
import Foundation
import Keys
import Ledger
import LedgerFixtures
import Storage
import StorageRocksDB
import Synchronization
import Testing

@testable import Node

/// Issue 19, deliver 1 and 2: a snapshot cut from a ledger, verified against the genesis alone and restored
/// into an empty store, continues the chain exactly; a tampered chunk, an inconsistent manifest or an
/// uncertified header is refused (docs/adr/0017-state-sync.md).
@Suite(.timeLimit(.minutes(1)))
struct StateSnapshotTests {
    struct Source {
        var chain: FixtureChain
        var ledger: Ledger
        var store: MemoryKeyValueStore
        var manifest: SnapshotManifest
        var chunks: [[UInt8]]
    }

    /// A chain with a validator-set change (td-2 active from height 5) and licences, snapshotted at its
    /// height 7 in chunks of about 2 KiB, with block 8 committed to certify it.
    static func source() throws -> Source {
        let store = MemoryKeyValueStore()
        let (chain, ledger) = try JoiningValidatorSyncTests.sourceChain(newcomer: FixtureChain.key("validator/td-2"), store: store)
        let issuer = try #require(chain.issuers["TD"])
        let holder = SaltedDigest.digest(of: Array("Alice Chan".utf8), salt: "salt")
        try chain.commit(
            try (0..<40).map { try chain.licenceCall("issue", ["SS-\($0)", "driving", holder.hex, "1000", "5000", "none"], from: issuer) },
            on: ledger)
        let view = try ledger.view()
        #expect(view.height == 7)
        var chunks: [[UInt8]] = []
        let infos = try view.snapshotChunks(chunkBytes: 2048) { chunk, _ in chunks.append(chunk.canonicalBytes) }
        #expect(infos.count > 4, "the state was cut into \(infos.count) chunks")
        try chain.commit([], on: ledger)
        let manifest = try SnapshotStore.manifest(view: try ledger.view(), height: 7, chunks: infos, store: store)
        #expect(manifest.transitions.map(\.activationHeight) == [5])
        return Source(chain: chain, ledger: ledger, store: store, manifest: manifest, chunks: chunks)
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "sbp-snapshot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a verified snapshot restored into an empty store continues the chain with the source's roots")
    func restoredSnapshotContinuesTheChain() throws {
        let source = try Self.source()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = directory + "/data"
        let session = try SnapshotRestoreSession(dataDirectory: data, genesis: source.chain.genesis)
        try session.begin(source.manifest)
        for (index, bytes) in source.chunks.enumerated() { try session.accept(index: index, bytes: bytes) }
        #expect(session.isComplete)
        try session.finish()
        #expect(!FileManager.default.fileExists(atPath: data + "/db.restoring"))

        let store = try RocksDBStore(path: data + "/db")
        defer { store.close() }
        let ledger = try Ledger(store: store, genesis: source.chain.bundle)
        let view = try ledger.view()
        #expect(view.height == 7)
        #expect(try view.firstHeight() == 7)
        #expect(try view.block(at: 6) == nil)
        // A build that assumes every block is there refuses the restored store (storage format 2 and later).
        #expect(try StorageFormat.check(store) == StorageFormat.current)
        #expect(throws: StorageFormatError.unsupported(found: 3, readable: 1...1)) { try StorageFormat.check(store, readable: 1...1) }
        #expect(try view.roots(at: 7)?.stateRoot == source.ledger.view().roots(at: 7)?.stateRoot)
        #expect(try view.epochs().epochs.map(\.firstHeight) == source.ledger.view().epochs().epochs.map(\.firstHeight))
        // The department-account index needs every block since genesis: the restored store says it lacks them
        // instead of listing no accounts.
        #expect(try !source.ledger.view().accounts(of: "TD", after: nil, limit: 10).isEmpty)
        #expect(throws: LedgerError.statePruned(height: 0, oldestHeight: 7)) {
            try view.accounts(of: "TD", after: nil, limit: 10)
        }
        // The position the node starts its replica from.
        let position = try NodeRuntime.chainPosition(view)
        #expect(position.committedHeight == 7)
        // Block 8, as state transfer hands it over, executes to the source's roots.
        let next = try #require(try source.ledger.view().block(at: 8))
        let certificate = try #require(try source.ledger.view().certificate(at: 8))
        let executed = try ledger.execute(next)
        try ledger.finalize(executed, certificate: certificate)
        #expect(executed.stateRoot == (try source.ledger.view().roots(at: 8)?.stateRoot))
        // A snapshot made from the restored store proves the same validator-set change from what it was given.
        let again = try SnapshotStore.transitions(view: try ledger.view(), through: 8, store: store)
        #expect(again == source.manifest.transitions)
    }

    /// Issue 19: a restore (state sync, `sbp snapshot import`) must not hold a thread of the cooperative pool
    /// while it writes chunks and rebuilds the tree. Each job of the async API records where it ran; while
    /// the tree is rebuilt, tasks started on the pool after the rebuild began must run before it ends.
    @Test("a restore's chunk writes and tree rebuild run off the cooperative pool, and pool tasks run meanwhile")
    func restoreRunsOffThePool() async throws {
        let source = try Self.source()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let session = try await SnapshotRestoreSession.open(dataDirectory: directory + "/data", genesis: source.chain.genesis)
        let onRestoreQueue = Mutex<[Bool]>([])
        session.workObserver.withLock { $0 = { onRestoreQueue.withLock { $0.append(SnapshotRestoreWork.isCurrentThreadWorker) } } }
        try await session.begin(source.manifest)
        for (index, bytes) in source.chunks.enumerated() { try await session.accept(index: index, bytes: bytes) }

        // The rebuild waits (bounded) until pool tasks started after it began have all run.
        let rebuilding = DispatchSemaphore(value: 0)
        let poolTasksRan = DispatchSemaphore(value: 0)
        let sawPoolTasks = Mutex<Bool?>(nil)
        session.workObserver.withLock {
            $0 = {
                onRestoreQueue.withLock { $0.append(SnapshotRestoreWork.isCurrentThreadWorker) }
                rebuilding.signal()
                let ran = poolTasksRan.wait(timeout: .now() + 30) == .success
                sawPoolTasks.withLock { $0 = ran }
            }
        }
        async let finished: Void = session.finish()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                rebuilding.wait()
                continuation.resume()
            }
        }
        let width = 2 * ProcessInfo.processInfo.activeProcessorCount
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<width { group.addTask { await Task.yield() } }
        }
        poolTasksRan.signal()
        try await finished

        #expect(sawPoolTasks.withLock { $0 } == true, "pool tasks ran while the tree was rebuilt")
        let places = onRestoreQueue.withLock { $0 }
        #expect(places.count == source.chunks.count + 2)
        #expect(places.allSatisfy { $0 }, "every restore job ran on the restore queue: \(places)")
        #expect(FileManager.default.fileExists(atPath: directory + "/data/db/CURRENT"))
    }

    @Test("a tampered chunk is rejected and counted, nothing of it is written, and the honest copy is then taken")
    func tamperedChunkIsRejected() throws {
        let source = try Self.source()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let session = try SnapshotRestoreSession(dataDirectory: directory + "/data", genesis: source.chain.genesis)
        defer { session.abandon() }
        try session.begin(source.manifest)
        var chunk = try SnapshotChunk(canonicalBytes: source.chunks[1])
        chunk.leaves[0].value = chunk.leaves[0].value + [0]
        #expect(throws: StateSyncError.self) { try session.accept(index: 1, bytes: chunk.canonicalBytes) }
        // A chunk sent for another index, and bytes that are no chunk.
        #expect(throws: StateSyncError.self) { try session.accept(index: 2, bytes: source.chunks[1]) }
        #expect(throws: StateSyncError.self) { try session.accept(index: 1, bytes: [1, 2, 3]) }
        var dropped = try SnapshotChunk(canonicalBytes: source.chunks[1])
        dropped.leaves.removeLast()
        #expect(throws: StateSyncError.self) { try session.accept(index: 1, bytes: dropped.canonicalBytes) }
        #expect(session.rejectedChunks == 4)
        #expect(session.needs(1))
        try session.accept(index: 1, bytes: source.chunks[1])
        #expect(!session.needs(1))
    }

    @Test("a manifest whose chunk list does not make the certified state root, or whose block is not the certified parent, is rejected")
    func wrongManifestIsRejected() throws {
        let source = try Self.source()
        let genesis = source.chain.genesis
        var forged = source.manifest
        forged.chunks[0].hash = Hash.sha256([1])
        #expect(throws: StateSyncError.self) { try forged.verify(genesis: genesis) }
        var dropped = source.manifest
        dropped.chunks.removeLast()
        #expect(throws: StateSyncError.self) { try dropped.verify(genesis: genesis) }
        var otherBlock = source.manifest
        otherBlock.block = try #require(try source.ledger.view().block(at: 6))
        #expect(throws: StateSyncError.self) { try otherBlock.verify(genesis: genesis) }
        var wrongHeight = source.manifest
        wrongHeight.height = 6
        #expect(throws: StateSyncError.self) { try wrongHeight.verify(genesis: genesis) }
        // Round trip through the encoding, and the honest manifest passes.
        let decoded = try SnapshotManifest(canonicalBytes: source.manifest.canonicalBytes)
        #expect(decoded == source.manifest)
        try decoded.verify(genesis: genesis)
    }

    @Test("a header not certified by the validator set in force (missing votes, a forged root, a missing set change) is rejected")
    func uncertifiedHeaderIsRejected() throws {
        let source = try Self.source()
        let genesis = source.chain.genesis
        func expectUncertified(_ manifest: SnapshotManifest, _ comment: Comment) {
            do {
                try manifest.verify(genesis: genesis)
                Issue.record("accepted: \(comment)")
            } catch {
                guard case .headerNotCertified = error else {
                    Issue.record("\(comment): \(error)")
                    return
                }
            }
        }
        var fewVotes = source.manifest
        let votes = fewVotes.nextCertificate.votes
        fewVotes.nextCertificate = try CommitCertificate(
            height: fewVotes.nextCertificate.height, view: fewVotes.nextCertificate.view,
            blockHash: fewVotes.nextCertificate.blockHash, votes: Array(votes.prefix(2)))
        expectUncertified(fewVotes, "a certificate with two votes")
        var forgedRoot = source.manifest
        forgedRoot.nextHeader.stateRoot = Hash.sha256([2])
        expectUncertified(forgedRoot, "a header whose state root was changed after it was certified")
        var noTransition = source.manifest
        noTransition.transitions = []
        expectUncertified(noTransition, "the validator-set change at 5 left out")
    }

    @Test("a snapshot file written by export and read by import is verified like state sync, and a damaged file is refused")
    func snapshotFileRoundTrip() throws {
        let source = try Self.source()
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let snapshot = directory + "/snapshots/7"
        try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
        try Data(source.manifest.canonicalBytes).write(to: URL(fileURLWithPath: snapshot + "/manifest"))
        for (index, chunk) in source.chunks.enumerated() { try Data(chunk).write(to: URL(fileURLWithPath: snapshot + "/chunk-\(index)")) }
        let file = directory + "/state.snapshot"
        _ = try SnapshotFile.export(snapshotDirectory: snapshot, to: file)
        let session = try SnapshotRestoreSession(dataDirectory: directory + "/data", genesis: source.chain.genesis)
        try SnapshotFile.read(path: file, manifest: { try session.begin($0) }, chunk: { try session.accept(index: $0, bytes: $1) })
        try session.finish()
        #expect(FileManager.default.fileExists(atPath: directory + "/data/db/CURRENT"))

        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let damaged = try SnapshotRestoreSession(dataDirectory: directory + "/other", genesis: source.chain.genesis)
        defer { damaged.abandon() }
        #expect(throws: StateSyncError.self) {
            try SnapshotFile.read(path: file, manifest: { try damaged.begin($0) }, chunk: { try damaged.accept(index: $0, bytes: $1) })
        }
    }
}
