import ArgumentParser
import Foundation
import Keys
import Ledger
import Node

/// `sbp snapshot export|import`: a node's state snapshot as one file, for air-gapped transfer
/// (docs/operations.md "State sync", docs/adr/0017-state-sync.md).
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Export a node's latest state snapshot to a file, or start a data directory from one.",
        subcommands: [SnapshotExportCommand.self, SnapshotImportCommand.self])
}

/// `sbp snapshot export --data DIR --out FILE`.
struct SnapshotExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the latest state snapshot a node made (DIR/snapshots) to FILE.",
        discussion: """
            Nodes make a snapshot every storage.snapshot_interval blocks. The file holds the snapshot's manifest \
            (the certified header that carries its state root, the validator-set changes since genesis, block and \
            certificate of its height) and every chunk; `sbp snapshot import` checks all of it against the genesis.
            """)

    @Option(help: "The node's data directory (node.data_dir).")
    var data: String

    @Option(help: "The snapshot file to write; must not exist.")
    var out: String

    @Option(help: "The snapshot's height (default: the latest the node keeps).")
    var height: UInt64?

    func run() async throws {
        let directory = data + "/snapshots"
        let heights = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap { UInt64($0) }
            .filter { FileManager.default.fileExists(atPath: directory + "/\($0)/manifest") }.sorted()
        guard let chosen = height ?? heights.last, heights.contains(chosen) else {
            throw CommandError(
                "no state snapshot\(height.map { " at height \($0)" } ?? "") in \(directory) (kept: \(heights.map(String.init).joined(separator: ", ")); a node makes one every storage.snapshot_interval blocks)"
            )
        }
        guard !FileManager.default.fileExists(atPath: out) else { throw CommandError("\(out) exists") }
        let bytes = try await SnapshotFile.export(snapshotDirectory: directory + "/\(chosen)", to: out)
        print("snapshot of height \(chosen) written to \(out) (\(bytes) bytes)")
    }
}

/// `sbp snapshot import --file FILE --data DIR --genesis GENESIS`.
struct SnapshotImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Start an empty data directory from a snapshot file, checked against the genesis exactly as state sync checks peers.",
        discussion: """
            The node started on DIR afterwards follows the chain from the snapshot's height by state transfer; it \
            holds no blocks, receipts or proofs below that height (RPC answers -32003 Pruned for them).
            """)

    @Option(help: "The snapshot file (`sbp snapshot export`).")
    var file: String

    @Option(help: "The node's data directory (node.data_dir); must hold no database yet.")
    var data: String

    @Option(help: "The chain's genesis document (node.genesis_file), with the contracts beside it.")
    var genesis: String

    func run() async throws {
        let bundle: GenesisBundle
        do {
            bundle = try GenesisBundle.load(path: genesis)
        } catch {
            throw CommandError("cannot read --genesis \(genesis): \(error)")
        }
        // Before the data directory is touched: a file that cannot be read leaves nothing behind.
        if let problem = BoundedFile.problem(reading: file) { throw CommandError("cannot import \(file): \(problem.reason)") }
        let started = ContinuousClock.now
        // The session's async calls run its disk work off the cooperative pool.
        let session = try await SnapshotRestoreSession.open(dataDirectory: data, genesis: bundle.genesis)
        do {
            try await session.read(file: file)
            // A node that ran on this data directory before (then wiped) recovers before it votes again.
            try await session.finish()
        } catch {
            await session.abandon()
            throw CommandError("cannot import \(file): \(error)")
        }
        let height = session.manifest?.height ?? 0
        print("state after height \(height) restored into \(data) in \(ContinuousClock.now - started)")
    }
}
