import ArgumentParser
import Foundation
import StateTree
import Storage
import StorageRocksDB

/// `sbp-bench state-tree`: build a large state tree in RocksDB, then time block commits and proofs.
///
/// Issue #4's acceptance figure is one 10,000-key block committed (tree update and synced RocksDB write)
/// in under a second on a 1,000,000-key tree; see docs/performance.md for the recorded run.
struct StateTreeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state-tree",
        abstract: "Measure state tree builds, block commits and proofs on RocksDB.")

    @Option(help: "Keys in the tree before blocks are measured.")
    var treeKeys: Int = 1_000_000

    @Option(help: "Changes per block (half updates of existing keys, half new keys); also the build batch size.")
    var blockKeys: Int = 10_000

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke {
            treeKeys = 200
            blockKeys = 20
        }
        guard treeKeys > 0 else { throw ValidationError("--tree-keys must be positive") }
        guard blockKeys >= 2 else { throw ValidationError("--block-keys must be at least 2") }
        guard blockKeys / 2 <= treeKeys else { throw ValidationError("--block-keys / 2 must not exceed --tree-keys") }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sbp-bench-statetree-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RocksDBStore(path: directory.appendingPathComponent("db").path)
        defer { store.close() }

        print(Machine.current().description)
        print("state tree: \(treeKeys) keys built in batches of \(blockKeys), RocksDB at \(directory.path)")
        var benchmark = StateTreeBenchmark(
            store: store, treeKeys: treeKeys, blockKeys: blockKeys, scale: mode.smoke ? .smoke : .full)
        try benchmark.build()
        try benchmark.commitBlocks()
        try benchmark.measureProofs()
        try benchmark.measureRawPuts()
    }
}
