import ArgumentParser
import ChainTypes
import Foundation
import Keys
import Ledger
import LedgerFixtures
import Storage
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

    /// 2,000 `licence.issue` calls write about 6.3 MB of state and events, inside the default 8 MiB block
    /// write budget (`blockWriteBytesMax`); the former default, 5,000, no longer fits a block.
    @Option(help: "Transactions per block (at most about 2,600 fit the default block write budget).")
    var transactions: Int = 2_000

    @Option(help: "Licences issued before the measured blocks, through the same execute and finalize path (not measured).")
    var records = 0

    @Option(
        help: ArgumentHelp(
            "Directory of populated stores to reuse (DIR/ledger-<records>, with a records.json marker); populated there once when missing.",
            valueName: "DIR"))
    var recordsDir: String?

    @Flag(help: "Populate the store in --records-dir again when its marker was written for another build or chain.")
    var repopulate = false

    @Option(help: "Empty blocks finalized after the measured ones, to estimate what an idle chain adds to the disk per day.")
    var idleBlocks = 100

    @Option(help: "Bytes of memory for RocksDB and the state tree node cache together, split as a node splits storage.memory_bytes.")
    var memoryBytes = RocksDBStore.memoryBudgetDefault

    @Option(help: "Bytes of the state tree node cache for the measured blocks (default: the node's share of --memory-bytes).")
    var treeCacheBytes: Int?

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke {
            // Full-size blocks (a few seconds in a debug build): a block that no longer fits the chain's
            // budgets, as 5,000 calls stopped fitting the write budget, must fail the smoke run too.
            blocks = 1
            records = 16
            idleBlocks = 2
        }
        guard recordsDir == nil || records > 0 else { throw ValidationError("--records-dir needs --records") }
        guard records >= 0, idleBlocks >= 0 else { throw ValidationError("--records and --idle-blocks must not be negative") }
        guard blocks >= 1 else { throw ValidationError("--blocks must be positive") }
        guard (1...Limits.blockTransactionsMax).contains(transactions) else {
            throw ValidationError("--transactions must be 1...\(Limits.blockTransactionsMax)")
        }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-bench-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("db").path
        let chain = try FixtureChain()
        let issuers = chain.departments.map { chain.issuers[$0]! }
        if format == .text {
            print(Machine.current().description)
            print(
                "ledger: \(blocks) blocks of \(transactions) signed licence.issue calls from \(issuers.count) issuers, RocksDB at \(directory.path)"
            )
        }
        var growth: [Figure] = []
        if records > 0 {
            let populated: PopulatedRecords
            if let recordsDir {
                populated = try reusePopulated(in: recordsDir, database: database, chain: chain, issuers: issuers, memoryBytes: memoryBytes)
            } else {
                populated = try Self.populate(records, database: database, chain: chain, issuers: issuers, memoryBytes: memoryBytes)
                if format == .text { print("populated \(records) licences in \(Int(populated.populateSeconds.rounded())) s") }
            }
            growth.append(
                Figure(
                    id: "ledger_bytes_per_licence", name: "bytes on disk per licence (after \(records))",
                    value: Double(populated.bytesAdded) / Double(records), unit: "bytes"))
        }
        let store = try RocksDBStore(path: database, memoryBudget: memoryBytes)
        defer { store.close() }
        let ledger = try Ledger(
            store: store, genesis: chain.bundle,
            treeNodeCacheBytes: treeCacheBytes ?? RocksDBStore.treeNodeCacheBytes(memoryBudget: memoryBytes))
        if records > 0 {
            // The store was closed after populating: the first blocks' reads go to the files, as on a node
            // that restarts, until the caches fill (the warm-up block below).
            guard ledger.height > 0 else { throw ValidationError("the populated store at \(database) holds no block") }
            // A reused store was populated by another process: the issuers' next nonces are the chain's.
            for issuer in issuers { chain.setNonce(try ledger.view().account(issuer.address)?.nonce ?? 0, for: issuer.address) }
            // As a node does when it starts (PeerService): the tree's upper levels, read once.
            let warmStart = ContinuousClock().now
            let warmed = ledger.warmTreeNodeCache()
            print(
                "state tree cache warmed: \(warmed) nodes read in \(String(format: "%.2f", (ContinuousClock().now - warmStart).seconds)) s")
        }
        let clock = ContinuousClock()
        var executeTimes: [Duration] = []
        var finalizeTimes: [Duration] = []
        var executeCPU: [Double] = []
        var finalizeCPU: [Double] = []
        var writeGroups: [WriteGroup.Kind: (keys: Int, bytes: Int)] = [:]
        for round in 0...blocks {
            let calls = try Self.issues((0..<transactions).map { "B\(round)-\($0)" }, chain: chain, issuers: issuers)
            let (block, certificate) = try Self.block(calls, ledger: ledger, chain: chain)
            let start = clock.now
            let startCPU = ThreadCPUTime.seconds()
            let executed = try ledger.execute(block)
            let executedAt = clock.now
            let executedCPU = ThreadCPUTime.seconds()
            try ledger.finalize(executed, certificate: certificate)
            let finalizedAt = clock.now
            let finalizedCPU = ThreadCPUTime.seconds()
            let failed = executed.receipts.filter { $0.status != .success }
            guard failed.isEmpty else { throw ValidationError("\(failed.count) calls failed: \(failed[0].errorMessage)") }
            guard round > 0 else { continue }  // warm-up
            for group in executed.writeGroups {
                writeGroups[group.kind, default: (0, 0)].keys += group.keys
                writeGroups[group.kind, default: (0, 0)].bytes += group.bytes
            }
            executeTimes.append(executedAt - start)
            finalizeTimes.append(finalizedAt - executedAt)
            executeCPU.append(executedCPU - startCPU)
            finalizeCPU.append(finalizedCPU - executedCPU)
        }
        if idleBlocks > 0 {
            let before = Self.bytesOnDisk(database)
            var written = 0
            for _ in 0..<idleBlocks {
                let (block, certificate) = try Self.block([], ledger: ledger, chain: chain)
                let executed = try ledger.execute(block)
                written += Self.bytesWritten(executed, certificate: certificate)
                try ledger.finalize(executed, certificate: certificate)
            }
            // Both a day of one empty block a second. The bytes written are exact; the files' growth also holds
            // whatever flush or compaction of the measured blocks ran meanwhile (at a million licences, tens of
            // MB over 100 empty blocks: "25 GB a day"), so it is an upper estimate.
            growth.append(
                Figure(
                    id: "ledger_idle_written_bytes_per_day", name: "idle chain, one empty block a second, written per day",
                    value: Double(written) / Double(idleBlocks) * 86_400 / 1_000_000, unit: "MB"))
            let perBlock = Double(Self.bytesOnDisk(database) - before) / Double(idleBlocks)
            growth.append(
                Figure(
                    id: "ledger_idle_bytes_per_day", name: "idle chain, files' growth per day (upper estimate)",
                    value: perBlock * 86_400 / 1_000_000, unit: "MB"))
        }
        let totals = zip(executeTimes, finalizeTimes).map { ($0 + $1).seconds }.sorted()
        let total = totals.reduce(0, +)
        let figures =
            [
                Figure(
                    id: "ledger_tx_per_second", name: "execute + finalize, tx/s", value: Double(transactions * blocks) / total, unit: "tx/s"
                ),
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
                Figure(
                    id: "ledger_execute_thread_cpu_median_ms", name: "  execute, CPU of the calling thread, median",
                    value: executeCPU.sorted()[blocks / 2] * 1000, unit: "ms"),
                Figure(
                    id: "ledger_finalize_thread_cpu_median_ms", name: "  finalize, CPU of the calling thread, median",
                    value: finalizeCPU.sorted()[blocks / 2] * 1000, unit: "ms"),
            ] + Self.writeFigures(writeGroups, transactions: transactions * blocks) + growth
        switch format {
        case .text:
            print("licences in state before the measured blocks: \(records)")
            if let peak = ResidentMemorySampler.peakResidentBytesOfThisProcess() {
                print("peak resident memory of this process (ledger and RocksDB): \(ResidentMemorySampler.mebibytes(peak))")
            }
            print(Figure.table(figures))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        }
    }

    /// Keys (memtable inserts) a measured block wrote per transaction besides the block itself, in all and
    /// by column family and first key byte, with their bytes: what finalize's write cost scales with.
    static func writeFigures(_ groups: [WriteGroup.Kind: (keys: Int, bytes: Int)], transactions: Int) -> [Figure] {
        guard transactions > 0 else { return [] }
        let perTransaction = { (count: Int) in Double(count) / Double(transactions) }
        let total = Figure(
            id: "ledger_keys_written_per_tx", name: "keys written per tx (besides the block)",
            value: perTransaction(groups.values.reduce(0) { $0 + $1.keys }), unit: "keys")
        let byKind = groups.sorted { $0.key < $1.key }.map { kind, written in
            let byte = kind.firstKeyByte.map { String(format: "0x%02x", $0) } ?? "empty"
            return Figure(
                id: "ledger_keys_written_per_tx_\(kind.family.name)_\(byte)",
                name: "  \(kind.family.name) \(byte) (\(Int(perTransaction(written.bytes).rounded())) B/tx)",
                value: perTransaction(written.keys), unit: "keys")
        }
        return [total] + byKind
    }

    /// Transactions per populating block: the measured blocks' default, which fits the block write budget.
    static let populateBlockTransactions = 2_000

    /// What a store populated by this build with `records` licences of `chain` records in its marker.
    static func marker(records: Int, chain: FixtureChain) -> PopulatedRecords {
        PopulatedRecords(
            records: records, storageFormat: StorageFormat.current, chainId: chain.chainId, genesisHash: chain.genesis.hash.hex,
            shape: "sbp-bench ledger, blocks of \(populateBlockTransactions) licence.issue calls (ids P-n)")
    }

    /// Copies the populated store for `records` from `recordsDir` to `database`, populating it there first
    /// when it is missing (or, with `--repopulate`, when its marker does not match).
    private func reusePopulated(
        in recordsDir: String, database: String, chain: FixtureChain, issuers: [PrivateKey], memoryBytes: Int
    ) throws
        -> PopulatedRecords
    {
        let files = FileManager.default
        let source = recordsDir + "/ledger-\(records)"
        let wanted = Self.marker(records: records, chain: chain)
        if try wanted.reusable(in: source, what: "a store", repopulate: repopulate) == nil {
            let staging = recordsDir + "/ledger-\(records).partial-\(UUID().uuidString.prefix(8))"
            try files.createDirectory(atPath: staging, withIntermediateDirectories: true)
            if format == .text { print("populating \(records) licences in \(source) (once; later runs reuse it)...") }
            let populated = try Self.populate(records, database: staging + "/db", chain: chain, issuers: issuers, memoryBytes: memoryBytes)
            try populated.write(in: staging)
            try files.moveItem(atPath: staging, toPath: source)
            if format == .text { print("populated \(records) licences in \(Int(populated.populateSeconds.rounded())) s") }
        }
        guard let stored = try PopulatedRecords.read(in: source) else { throw ValidationError("no marker in \(source)") }
        let started = ContinuousClock.now
        let (linked, copied) = try DirectoryCopy.copy(from: source + "/db", to: database)
        if format == .text {
            print(
                "reused \(records) licences from \(source) (populated in \(Int(stored.populateSeconds.rounded())) s; copied in \(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s: \(linked) table files linked, \(copied) files copied)"
            )
        }
        return stored
    }

    /// Issues `count` licences (ids `P-n`) into a new store at `database` in blocks of
    /// `populateBlockTransactions`, executed and finalized like the measured ones, and closes it.
    private static func populate(
        _ count: Int, database: String, chain: FixtureChain, issuers: [PrivateKey], memoryBytes: Int
    ) throws -> PopulatedRecords {
        let started = ContinuousClock.now
        let store = try RocksDBStore(path: database, memoryBudget: memoryBytes)
        defer { store.close() }
        let ledger = try Ledger(
            store: store, genesis: chain.bundle, treeNodeCacheBytes: RocksDBStore.treeNodeCacheBytes(memoryBudget: memoryBytes))
        let before = bytesOnDisk(database)
        var issued = 0
        while issued < count {
            let size = min(populateBlockTransactions, count - issued)
            let calls = try issues((issued..<(issued + size)).map { "P-\($0)" }, chain: chain, issuers: issuers)
            let (block, certificate) = try block(calls, ledger: ledger, chain: chain)
            let executed = try ledger.execute(block)
            if let failed = executed.receipts.first(where: { $0.status != .success }) {
                throw ValidationError("a populating call failed after licence \(issued): \(failed.errorMessage)")
            }
            try ledger.finalize(executed, certificate: certificate)
            issued += size
        }
        var marker = marker(records: count, chain: chain)
        marker.bytesAdded = bytesOnDisk(database) - before
        marker.populateSeconds = (ContinuousClock.now - started).seconds
        return marker
    }

    /// Signed `licence.issue` calls creating the licences `ids`, dealt to the issuers in turn.
    static func issues(_ ids: [String], chain: FixtureChain, issuers: [PrivateKey]) throws -> [Transaction] {
        try ids.enumerated().map { index, id in
            try chain.licenceCall(
                "issue", [id, "driving", Hash.sha256(Array(id.utf8)).hex, "1000", "4000000000000", "class B"],
                from: issuers[index % issuers.count], fuelLimit: 1_000_000)
        }
    }

    /// The next block carrying `transactions`, with a commit certificate from the fixture's validators.
    static func block(_ transactions: [Transaction], ledger: Ledger, chain: FixtureChain) throws -> (Block, CommitCertificate) {
        let block = try chain.block(on: ledger, transactions: transactions)
        guard let validators = try ledger.view().epochs().validators(at: block.height) else {
            throw ValidationError("no validator set at height \(block.height)")
        }
        return (block, try chain.certificate(for: block, validators: validators))
    }

    /// The keys and values a block's finalization writes, before RocksDB compresses them: the block, its
    /// certificate, and the state, tree and index entries of `executed` (the block store's height entries,
    /// a few dozen bytes, aside).
    static func bytesWritten(_ executed: ExecutedBlock, certificate: CommitCertificate) -> Int {
        executed.writeGroups.reduce(0) { $0 + $1.bytes } + executed.block.canonicalBytes.count + certificate.canonicalBytes.count
    }

    /// Bytes of every file under `path` (RocksDB's SST files, logs and manifest).
    static func bytesOnDisk(_ path: String) -> Int {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let name = enumerator.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if attributes?[.type] as? FileAttributeType == .typeRegular, let size = attributes?[.size] as? Int { total += size }
        }
        return total
    }
}
