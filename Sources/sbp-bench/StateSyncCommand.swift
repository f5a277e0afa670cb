import ArgumentParser
import ChainTypes
import Foundation
import Keys
import Ledger
import LedgerFixtures
import Node
import StorageRocksDB

/// `sbp-bench state-sync`: what a node joining a chain of `--records` licences in `--blocks` blocks pays to
/// replay it from genesis, against restoring a verified state snapshot of it (issue 19, deliver 6).
///
/// Both sides run in this process on RocksDB, without the network: replay reads each certified block from
/// the source store, checks its certificate against the validator set and executes and finalizes it;
/// restore verifies the manifest against the genesis, checks and writes every chunk, and rebuilds the tree.
/// Building the source chain (signing and executing the licences) is set-up, timed but not compared.
struct StateSyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state-sync",
        abstract: "Compare joining a chain by replay with joining it by state snapshot (time, size).")

    @Option(help: "Licences in state at the snapshot's height.")
    var records = 20_000

    @Option(help: "Blocks in the chain; the licences are spread evenly over them.")
    var blocks = 2_000

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke {
            records = 40
            blocks = 8
        }
        guard records >= 0, blocks >= 2 else { throw ValidationError("--records must not be negative and --blocks at least 2") }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-bench-statesync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let chain = try FixtureChain()
        let issuers = chain.departments.map { chain.issuers[$0]! }
        if format == .text {
            print(Machine.current().description)
            print("state-sync: \(records) licences over \(blocks) blocks, RocksDB under \(directory)")
        }
        let clock = ContinuousClock()

        // The source chain; the snapshot is cut at `blocks - 1`, which block `blocks` certifies.
        let source = try RocksDBStore(path: directory + "/source")
        defer { source.close() }
        let ledger = try Ledger(store: source, genesis: chain.bundle)
        let perBlock = (records + blocks - 2) / (blocks - 1)
        let snapshotDirectory = directory + "/snapshot"
        try FileManager.default.createDirectory(atPath: snapshotDirectory, withIntermediateDirectories: true)
        var issued = 0
        var chunkCount = 0
        var infos: [SnapshotChunkInfo] = []
        var cutTime: Duration = .zero
        let buildStart = clock.now
        for height in 1...UInt64(blocks) {
            let size = height < UInt64(blocks) ? min(perBlock, records - issued) : 0
            let calls = try LedgerCommand.issues((issued..<(issued + size)).map { "S-\($0)" }, chain: chain, issuers: issuers)
            let (block, certificate) = try LedgerCommand.block(calls, ledger: ledger, chain: chain)
            let executed = try ledger.execute(block)
            if let failed = executed.receipts.first(where: { $0.status != .success }) {
                throw ValidationError("a call failed at height \(height): \(failed.errorMessage)")
            }
            try ledger.finalize(executed, certificate: certificate)
            issued += size
            if height == UInt64(blocks) - 1 {
                let cutStart = clock.now
                infos = try ledger.view().snapshotChunks { chunk, _ in
                    try Data(chunk.canonicalBytes).write(to: URL(fileURLWithPath: snapshotDirectory + "/chunk-\(chunkCount)"))
                    chunkCount += 1
                }
                cutTime = clock.now - cutStart
            }
        }
        let buildTime = clock.now - buildStart - cutTime
        let manifest = try SnapshotStore.manifest(view: try ledger.view(), height: UInt64(blocks) - 1, chunks: infos, store: source)
        try Data(manifest.canonicalBytes).write(to: URL(fileURLWithPath: snapshotDirectory + "/manifest"))
        let snapshotBytes = LedgerCommand.bytesOnDisk(snapshotDirectory)
        let sourceBytes = LedgerCommand.bytesOnDisk(directory + "/source")

        // Replay: every block from genesis, certificate checked, executed and finalized.
        let replayStore = try RocksDBStore(path: directory + "/replay")
        defer { replayStore.close() }
        let replaying = try Ledger(store: replayStore, genesis: chain.bundle)
        let sourceView = try ledger.view()
        let replayStart = clock.now
        for height in 1...UInt64(blocks) - 1 {
            guard let block = try sourceView.block(at: height), let certificate = try sourceView.certificate(at: height),
                let validators = try replaying.view().epochs().validators(at: height)
            else { throw ValidationError("block \(height) or its validator set is missing") }
            try certificate.verify(chainId: chain.chainId, validators: validators)
            try replaying.finalize(try replaying.execute(block), certificate: certificate)
        }
        let replayTime = clock.now - replayStart

        // Restore: the manifest verified against the genesis, each chunk checked and written, the tree rebuilt.
        let restoreStart = clock.now
        let session = try SnapshotRestoreSession(dataDirectory: directory + "/restored", genesis: chain.genesis)
        try session.begin(manifest)
        for index in 0..<chunkCount {
            try session.accept(
                index: index, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: snapshotDirectory + "/chunk-\(index)"))))
        }
        try session.finish()
        let restoreTime = clock.now - restoreStart
        let restoredStore = try RocksDBStore(path: directory + "/restored/db")
        defer { restoredStore.close() }
        let restored = try Ledger(store: restoredStore, genesis: chain.bundle)
        guard try restored.view().roots(at: UInt64(blocks) - 1)?.stateRoot == replaying.view().roots(at: UInt64(blocks) - 1)?.stateRoot
        else { throw ValidationError("the restored state differs from the replayed one") }

        let figures = [
            Figure(id: "statesync_build_s", name: "building the source chain (set-up)", value: buildTime.seconds, unit: "s"),
            Figure(id: "statesync_source_bytes", name: "source data directory", value: Double(sourceBytes) / 1_000_000, unit: "MB"),
            Figure(id: "statesync_cut_s", name: "cutting the snapshot (flat state, 2 scans)", value: cutTime.seconds, unit: "s"),
            Figure(
                id: "statesync_snapshot_bytes", name: "snapshot (manifest and \(chunkCount) chunks)",
                value: Double(snapshotBytes) / 1_000_000, unit: "MB"),
            Figure(id: "statesync_replay_s", name: "join by replay (\(blocks - 1) blocks)", value: replayTime.seconds, unit: "s"),
            Figure(id: "statesync_restore_s", name: "join by snapshot (verify, write, rebuild)", value: restoreTime.seconds, unit: "s"),
            Figure(
                id: "statesync_speedup", name: "replay / snapshot", value: replayTime.seconds / max(restoreTime.seconds, 1e-9), unit: "×"),
        ]
        switch format {
        case .text:
            print(Figure.table(figures))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        }
    }
}
