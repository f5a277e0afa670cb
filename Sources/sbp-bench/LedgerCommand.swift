import ArgumentParser
import ChainTypes
import Foundation
import Ledger
import LedgerFixtures
import StorageRocksDB

/// `sbp-bench ledger`: blocks of signed `licence.issue` calls executed and finalized to RocksDB.
///
/// Issue #6's figure: transactions per second through the whole block path — signature recovery spread
/// over every core, the permission and nonce checks, the contract VM with fuel, the state tree update,
/// receipts and indexes, and the synced RocksDB batch. Signing the transactions is set-up, not measured.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Measure block execution and finalization of licence.issue transactions on RocksDB.")

    @Option(help: "Blocks measured (after one warm-up block).")
    var blocks: Int = 10

    @Option(help: "Transactions per block.")
    var transactions: Int = 5_000

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke {
            blocks = 1
            transactions = 8
        }
        guard blocks >= 1 else { throw ValidationError("--blocks must be positive") }
        guard (1...Limits.blockTransactionsMax).contains(transactions) else {
            throw ValidationError("--transactions must be 1...\(Limits.blockTransactionsMax)")
        }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-bench-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RocksDBStore(path: directory.appendingPathComponent("db").path)
        defer { store.close() }
        let chain = try FixtureChain()
        let ledger = try Ledger(store: store, genesis: chain.bundle)
        let issuers = chain.departments.map { chain.issuers[$0]! }

        if format == .text {
            print(Machine.current().description)
            print(
                "ledger: \(blocks) blocks of \(transactions) signed licence.issue calls from \(issuers.count) issuers, RocksDB at \(directory.path)"
            )
        }
        let clock = ContinuousClock()
        var executeTimes: [Duration] = []
        var finalizeTimes: [Duration] = []
        for round in 0...blocks {
            let calls = try (0..<transactions).map { index in
                let id = "B\(round)-\(index)"
                return try chain.licenceCall(
                    "issue", [id, "driving", Hash.sha256(Array(id.utf8)).hex, "1000", "4000000000000", "class B"],
                    from: issuers[index % issuers.count], fuelLimit: 1_000_000)
            }
            let block = try chain.block(on: ledger, transactions: calls)
            let certificate = try chain.certificate(for: block, validators: try ledger.view().epochs().validators(at: block.height)!)
            let start = clock.now
            let executed = try ledger.execute(block)
            let executedAt = clock.now
            try ledger.finalize(executed, certificate: certificate)
            let finalizedAt = clock.now
            let failed = executed.receipts.filter { $0.status != .success }
            guard failed.isEmpty else { throw ValidationError("\(failed.count) calls failed: \(failed[0].errorMessage)") }
            guard round > 0 else { continue }  // warm-up
            executeTimes.append(executedAt - start)
            finalizeTimes.append(finalizedAt - executedAt)
        }
        let totals = zip(executeTimes, finalizeTimes).map { ($0 + $1).seconds }.sorted()
        let total = totals.reduce(0, +)
        let figures = [
            Figure(
                id: "ledger_tx_per_second", name: "execute + finalize, tx/s", value: Double(transactions * blocks) / total, unit: "tx/s"),
            Figure(
                id: "ledger_block_median_ms", name: "block of \(transactions) tx, median", value: totals[totals.count / 2] * 1000,
                unit: "ms"),
            Figure(id: "ledger_block_worst_ms", name: "block of \(transactions) tx, worst", value: totals.last! * 1000, unit: "ms"),
            Figure(
                id: "ledger_execute_median_ms", name: "  execute (signatures, VM, tree, indexes), median",
                value: executeTimes.map(\.seconds).sorted()[blocks / 2] * 1000, unit: "ms"),
            Figure(
                id: "ledger_finalize_median_ms", name: "  finalize (one synced RocksDB batch), median",
                value: finalizeTimes.map(\.seconds).sorted()[blocks / 2] * 1000, unit: "ms"),
        ]
        switch format {
        case .text: print(Figure.table(figures))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        }
    }
}
