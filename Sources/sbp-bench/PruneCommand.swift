import ArgumentParser
import ChainTypes
import Foundation
import Ledger
import LedgerFixtures
import Storage
import StorageRocksDB

/// `sbp-bench prune`: what tree-history pruning gives back on disk for a chain that keeps rewriting the
/// same records (issue 19, deliverable 3).
///
/// Issues licences in the first block, renews every one of them in each later block (so every block
/// rewrites the same keys and leaves their old paths stale), compacts RocksDB and measures the table
/// files; then prunes to the latest `--keep` versions, compacts and measures again.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Measure the disk a chain rewriting the same licences uses before and after tree-history pruning.")

    @Option(help: "Licences issued in the first block and renewed in every later one.")
    var licences = 50

    @Option(help: "Blocks in all (the first issues, the others renew).")
    var blocks = 1_000

    @Option(help: "Tree versions kept by the pruning (storage.history = \"recent N\").")
    var keep: UInt64 = 100

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke {
            licences = 3
            blocks = 8
            keep = 3
        }
        guard (1...Limits.blockTransactionsMax).contains(licences) else {
            throw ValidationError("--licences must be 1...\(Limits.blockTransactionsMax)")
        }
        guard blocks >= 2 else { throw ValidationError("--blocks must be at least 2") }
        guard keep >= LedgerLimits.retainedVersionsMin else {
            throw ValidationError("--keep must be at least \(LedgerLimits.retainedVersionsMin)")
        }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-bench-prune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("db").path
        let store = try RocksDBStore(path: database)
        defer { store.close() }
        let chain = try FixtureChain()
        let ledger = try Ledger(store: store, genesis: chain.bundle)
        guard let issuer = chain.issuers["TD"] else { throw ValidationError("the fixture chain has no TD issuer") }

        print(Machine.current().description)
        print("prune: \(licences) licences issued, then renewed in each of \(blocks - 1) blocks; keeping \(keep) versions")
        let ids = (0..<licences).map { "R-\($0)" }
        try commit(
            ids.map { id in
                try chain.licenceCall(
                    "issue", [id, "driving", Hash.sha256(Array(id.utf8)).hex, "1000", "4000000000000", "class B"], from: issuer)
            }, chain: chain, ledger: ledger)
        for height in 2...blocks {
            try commit(
                ids.map { id in try chain.licenceCall("renew", [id, "\(4_000_000_000_000 + height)"], from: issuer) }, chain: chain,
                ledger: ledger)
        }
        try store.compact()
        let before = (bytes: Self.tableBytes(database), nodes: try store.keys(prefix: [], in: .treeNodes).count)

        let started = ContinuousClock.now
        var steps = 0
        var progress: PruneProgress
        repeat {
            progress = try ledger.pruneStep(keepingVersions: keep)
            steps += 1
        } while !progress.isComplete
        let pruneTime = ContinuousClock.now - started
        try store.compact()
        let after = (bytes: Self.tableBytes(database), nodes: try store.keys(prefix: [], in: .treeNodes).count)

        print("| history | treeNodes keys | table files (compacted) |")
        print("|---|---|---|")
        print("| archive (\(blocks + 1) versions) | \(before.nodes) | \(before.bytes) B |")
        print("| recent \(keep) (oldest kept state: \(progress.oldestStateHeight)) | \(after.nodes) | \(after.bytes) B |")
        print("pruned in \(steps) steps of at most \(LedgerLimits.pruneRecordsPerStep) nodes, \(pruneTime)")
    }

    private func commit(_ transactions: [Transaction], chain: FixtureChain, ledger: Ledger) throws {
        let executed = try chain.commit(transactions, on: ledger)
        if let failed = executed.receipts.first(where: { $0.status != .success }) {
            throw ValidationError("a call failed at height \(executed.height): \(failed.errorMessage)")
        }
    }

    /// Bytes of RocksDB's table files (`*.sst`) under `path`: the data after compaction, without logs.
    static func tableBytes(_ path: String) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return 0 }
        return names.filter { $0.hasSuffix(".sst") }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.size] as? Int ?? 0)
        }
    }
}
