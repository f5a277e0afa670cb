import ArgumentParser
import ChainTypes
import ChildProcesses
import ContractVM
import Foundation
import Keys
import NetworkSetup
import Node
import Storage

/// `sbp-bench network`: signed `licence.issue` transactions through a real network of `sbp node start`
/// processes on loopback, from JSON-RPC submission to commit on every node.
///
/// Everything a deployment pays is in the figure: JSON-RPC decoding, mempool admission with signature
/// checks, gossip, PBFT over mutual TLS with journal fsyncs, execution and RocksDB finalization on every
/// validator. On one machine the validators share its cores, so the figure is a floor for a deployment
/// with one machine per department, not a ceiling.
///
/// One run measures, in order: the per-core signature recovery rate (before the nodes start, for the
/// signature bound), the closed-loop saturation rate (a full window of transactions per issuer), then the
/// open-loop latency at fractions of that rate (`OpenLoopPhase`), while sampling every node's resident
/// memory throughout (`ResidentMemorySampler`).
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Throughput, latency under a fixed offered load, and memory of a local network of sbp node processes (release build).")

    @Option(help: "Validators (one department each, 1...8).")
    var validators = 4

    @Option(
        help: ArgumentHelp(
            "Issuer accounts per validator's department, each with its own submitter (1...\(SetupLimits.issuersPerDepartmentMax)); default: \(NetworkCommand.issuersDefault) in all, at least one per department.",
            discussion: "A node serves many clients: one validator with one issuer would measure that client's round trips, not the node."))
    var issuersPerValidator: Int?

    @Option(help: "Signed licence.issue transactions for the closed-loop saturation phase.")
    var transactions = 20_000

    @Option(help: "Open-loop loads in percent of the measured saturation rate, comma-separated; \"none\" skips the phase.")
    var openLoopLoads = "25,50,75,100"

    @Option(
        help: ArgumentHelp(
            "Offer the open-loop loads as percentages of this rate (tx/s) instead of the closed loop's measured rate.",
            discussion: "For comparing two builds at the same offered rates: the closed loop's rate moves from run to run."))
    var openLoopBase: Double?

    @Flag(help: "Watch the open loop's commits by polling each node's height every 10 ms, as before 2026-12-04 (to compare).")
    var pollCommits = false

    @Option(help: "Seconds of offered load per open-loop phase.")
    var openLoopSeconds = 10.0

    @Option(help: "Seconds a transaction may still commit after the last one of its phase was due.")
    var drainSeconds = 30.0

    @Option(help: "Seconds to measure the per-core signature recovery rate for (the signature bound).")
    var signatureSeconds = 2.0

    @Option(help: "Licences issued through the network before the measured phases (not measured).")
    var records = 0

    @Option(
        help: ArgumentHelp(
            "Directory of populated networks to reuse (DIR/network-<validators>v<issuers>i-<records>, with a records.json marker); populated there once when missing.",
            valueName: "DIR"))
    var recordsDir: String?

    @Flag(help: "Populate the network in --records-dir again when its marker was written for another build or shape.")
    var repopulate = false

    @Option(help: "The sbp executable; default: the one beside sbp-bench.")
    var sbp: String?

    @Option(help: "First P2P port; node i listens on base + i.")
    var p2pBasePort = 27_600

    @Option(help: "First RPC port; node i listens on base + i.")
    var rpcBasePort = 27_700

    @Option(help: "Directory of the standard contracts' modules.")
    var contracts = "Genesis/contracts"

    @Flag(help: "Keep the network directory and node logs.")
    var keep = false

    @Option(
        help:
            "The nodes' SBP_LOG_LEVEL (info logs every committed block with its timings; see node.log with --keep; at notice or below, a populated network's phases wait until every node has read its state tree's upper levels)."
    )
    var nodeLogLevel = "notice"

    @OptionGroup var mode: SmokeOption

    static let departmentNames = ["TD", "IMMD", "EPD", "DH", "LD", "FEHD", "HKPF", "CSD"]
    /// Transactions one sender may have submitted but not committed: below the mempool's per-sender bound.
    static let windowPerSenderMax = 800
    /// Transactions all senders together may have submitted but not committed: every node's pool holds
    /// each of them (gossip), so this stays below its default bound (`NodeLimits.mempoolTransactionsMaxDefault`,
    /// 10,000) with a fifth to spare; with many issuers each one's window shrinks to its share.
    static let inFlightMax = NodeLimits.mempoolTransactionsMaxDefault * 4 / 5

    /// Issuers in all by default: the ledger benchmark's four (`FixtureChain`'s departments), so that one
    /// validator is loaded as `sbp-bench ledger` loads its ledger; with four validators or more, one each.
    static let issuersDefault = 4

    /// Issuers per validator: `--issuers-per-validator`, or `issuersDefault` shared among the validators.
    var issuers: Int { issuersPerValidator ?? max(1, (Self.issuersDefault + validators - 1) / validators) }

    /// Each sender's window: `windowPerSenderMax`, or its share of `inFlightMax` when the issuers are many.
    var windowPerSender: Int { min(Self.windowPerSenderMax, max(1, Self.inFlightMax / (validators * issuers))) }
    /// Transactions per JSON-RPC batch (the server's default batch limit is 100).
    static let batchSize = 100

    /// The open-loop loads as fractions of the saturation rate.
    var loadFractions: [Double] {
        openLoopLoads == "none"
            ? [] : openLoopLoads.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }.map { $0 / 100 }
    }

    mutating func validate() throws {
        guard (1...SetupLimits.issuersPerDepartmentMax).contains(issuers) else {
            throw ValidationError("--issuers-per-validator must be 1...\(SetupLimits.issuersPerDepartmentMax)")
        }
        if mode.smoke {
            transactions = 2 * validators * issuers
            openLoopSeconds = 0.5
            signatureSeconds = 0.01
        }
        guard (1...Self.departmentNames.count).contains(validators) else {
            throw ValidationError("--validators must be 1...\(Self.departmentNames.count)")
        }
        guard transactions >= 1 else { throw ValidationError("--transactions must be positive") }
        guard records >= 0 else { throw ValidationError("--records must not be negative") }
        guard recordsDir == nil || records > 0 else { throw ValidationError("--records-dir needs --records") }
        let loads = openLoopLoads == "none" ? [] : openLoopLoads.split(separator: ",")
        guard loads.count == loadFractions.count, loadFractions.allSatisfy({ $0 > 0 && $0 <= 10 }) else {
            throw ValidationError("--open-loop-loads must be percentages in (0, 1000], comma-separated, or none")
        }
        guard openLoopSeconds > 0, openLoopSeconds <= 3600, drainSeconds >= 0, drainSeconds <= 3600 else {
            throw ValidationError("--open-loop-seconds must be in (0, 3600] and --drain-seconds in [0, 3600]")
        }
        guard signatureSeconds > 0 else { throw ValidationError("--signature-seconds must be positive") }
        guard openLoopBase.map({ $0 > 0 && $0 <= 1_000_000 }) ?? true else {
            throw ValidationError("--open-loop-base must be in (0, 1000000]")
        }
    }

    func run() async throws {
        let executable = try locateSBP()
        let directory = NSTemporaryDirectory() + "sbp-bench-network-\(UUID().uuidString.prefix(8))"
        var populated: PopulatedRecords?
        let manifest: NetworkManifest
        if records > 0, let recordsDir {
            populated = try await reusePopulated(in: recordsDir, copyTo: directory, executable: executable)
            manifest = try NetworkManifest.load(directory: directory)
        } else {
            manifest = try NetworkInitializer.run(networkOptions(directory))
        }
        let nodes = try Self.nodes(of: manifest, in: directory, executable: executable, logLevel: nodeLogLevel)
        let outcome: Result<Void, any Error>
        do {
            try await measure(nodes: nodes, manifest: manifest, directory: directory, executable: executable, populated: populated)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        for node in nodes { await node.stop() }
        if keep { print("network kept in \(directory)") } else { try? FileManager.default.removeItem(atPath: directory) }
        try outcome.get()
    }

    /// What `sbp network init` is asked for: the benchmark's departments and ports, written to `directory`.
    private func networkOptions(_ directory: String) -> NetworkOptions {
        NetworkOptions(
            departments: Self.departmentNames.prefix(validators).map { NetworkOptions.DepartmentSpec(id: $0, name: $0) },
            issuersPerDepartment: issuers, outputDirectory: directory, chainId: "sbp-bench", p2pBasePort: p2pBasePort,
            rpcBasePort: rpcBasePort, contractsDirectory: contracts)
    }

    private static func nodes(of manifest: NetworkManifest, in directory: String, executable: URL, logLevel: String) throws -> [BenchNode] {
        try manifest.nodes.map { node in
            try BenchNode(
                name: node.name, home: directory + "/" + node.directory, rpcURL: node.rpcURL, executable: executable, logLevel: logLevel)
        }
    }

    /// The marker a network populated by this build for this run's shape carries (its genesis is its own:
    /// `sbp network init` makes new keys, so the genesis is recorded, not matched). The contracts' code is
    /// part of the shape: a network populated with other contracts holds other state (ADR 0023 halved the
    /// keys a licence writes, and a run reusing the older network measured the older contract).
    private func wantedMarker() throws -> PopulatedRecords {
        PopulatedRecords(
            records: records, storageFormat: StorageFormat.current, chainId: "sbp-bench", genesisHash: "",
            shape:
                "sbp-bench network, \(validators) validators, P2P ports from \(p2pBasePort), RPC ports from \(rpcBasePort), licences BENCH-n, contracts \(try Self.contractsDigest(contracts))"
        )
    }

    /// SHA-256 over the names and bytes of the `.wasm` modules in `directory`, in name order, as hex.
    static func contractsDigest(_ directory: String) throws -> String {
        var bytes: [UInt8] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".wasm") }).sorted() {
            bytes += Array(name.utf8) + [0]
            bytes += Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
        }
        return Hash.sha256(bytes).hex
    }

    /// Copies the populated network for `records` from `recordsDir` to `directory` (the nodes' table files
    /// hard-linked), populating it there first when it is missing (or, with `--repopulate`, stale): a network
    /// made by `sbp network init`, whose nodes issued the licences through the whole path and were stopped.
    private func reusePopulated(in recordsDir: String, copyTo directory: String, executable: URL) async throws -> PopulatedRecords {
        let files = FileManager.default
        // The issuers are part of the network's genesis, so a different count needs a directory of its own.
        let source = recordsDir + "/network-\(validators)v\(issuers)i-\(records)"
        let wanted = try wantedMarker()
        if try wanted.reusable(in: source, what: "a network", repopulate: repopulate) == nil {
            let staging = source + ".partial-\(UUID().uuidString.prefix(8))"
            try files.createDirectory(atPath: staging, withIntermediateDirectories: true)
            print("populating \(records) licences through \(validators) validators in \(source) (once; later runs reuse it)...")
            let manifest = try NetworkInitializer.run(networkOptions(staging + "/net"))
            let nodes = try Self.nodes(of: manifest, in: staging + "/net", executable: executable, logLevel: nodeLogLevel)
            let outcome: Result<PopulatedRecords, any Error>
            do {
                try await startNodes(nodes)
                var signer = try LicenceSigner(manifest: manifest, directory: staging + "/net")
                var marker = try await populate(nodes: nodes, manifest: manifest, signer: &signer)
                marker.genesisHash = manifest.genesisHash.hex
                outcome = .success(marker)
            } catch {
                outcome = .failure(error)
            }
            for node in nodes { await node.stop() }
            let marker = try outcome.get()
            try marker.write(in: staging)
            try files.moveItem(atPath: staging, toPath: source)
        }
        guard let stored = try PopulatedRecords.read(in: source) else { throw ValidationError("no marker in \(source)") }
        let started = ContinuousClock.now
        let (linked, copied) = try DirectoryCopy.copy(from: source + "/net", to: directory)
        print(
            "reused \(records) licences from \(source) (populated in \(Int(stored.populateSeconds.rounded())) s; copied in \(String(format: "%.1f", (ContinuousClock.now - started).seconds)) s: \(linked) table files linked, \(copied) files copied)"
        )
        return stored
    }

    /// Issues `records` licences through the running network in chunks (signed per chunk, each chunk
    /// committed on every node before the next), and returns the marker with the time and disk it took.
    private func populate(nodes: [BenchNode], manifest: NetworkManifest, signer: inout LicenceSigner) async throws -> PopulatedRecords {
        let started = ContinuousClock.now
        let before = nodes.map { LedgerCommand.bytesOnDisk($0.home + "/data") }.reduce(0, +)
        let senders = signer.keys.map(\.address)
        let targets = try Self.targets(of: signer, manifest: manifest, nodes: nodes)
        var issued = 0
        while issued < records {
            let size = min(Self.populateChunk, records - issued)
            let firstNonces = signer.nextNonce
            _ = try await Self.submitAll(
                TxSendRequest.encode(try signer.sign(size)), from: senders, firstNonces: firstNonces, to: targets, window: windowPerSender)
            try await waitForNonces(signer.nextNonce, of: senders, on: nodes, seconds: 600)
            issued += size
        }
        let after = nodes.map { LedgerCommand.bytesOnDisk($0.home + "/data") }.reduce(0, +)
        var marker = try wantedMarker()
        marker.populateSeconds = (ContinuousClock.now - started).seconds
        marker.bytesAdded = (after - before) / max(1, nodes.count)
        print("populated \(records) licences in \(Int(marker.populateSeconds.rounded())) s")
        return marker
    }

    /// Transactions signed and submitted at a time while populating (signed transactions are held in memory).
    static let populateChunk = 20_000

    private func startNodes(_ nodes: [BenchNode]) async throws {
        for node in nodes {
            try node.liftClientLimits()
            try node.start()
        }
        try await waitUntil("every node commits a block", seconds: 180) {
            for node in nodes where (try? await node.rpc.height()) ?? 0 < 1 { return false }
            return true
        }
    }

    /// Waits until every node has logged that it read its state tree's upper levels into memory, as a node
    /// does once after it starts (`Ledger.warmTreeNodeCache`): a populated store's phases then measure nodes
    /// that have been running, not ones still reading a million licences' tree beside the load.
    private func waitForWarmCaches(_ nodes: [BenchNode]) async throws {
        let start = ContinuousClock.now
        try await waitUntil("every node has warmed its state tree cache", seconds: 600) {
            nodes.allSatisfy { node in
                ((try? String(contentsOfFile: node.home + "/node.log", encoding: .utf8)) ?? "").contains("state tree cache warmed")
            }
        }
        print("state tree caches warmed on every node in \(String(format: "%.1f", (ContinuousClock.now - start).seconds)) s")
    }

    /// Starts the nodes, runs the phases and prints the figures; the caller stops the nodes.
    private func measure(
        nodes: [BenchNode], manifest: NetworkManifest, directory: String, executable: URL, populated: PopulatedRecords?
    ) async throws {
        print(Machine.current().description)
        let bound = try SignatureBound.measure(seconds: signatureSeconds, validators: validators)
        print(bound.description)
        print("starting \(validators) validators (\(executable.path))...")
        try await startNodes(nodes)
        if populated != nil, ["trace", "debug", "info", "notice"].contains(nodeLogLevel) { try await waitForWarmCaches(nodes) }
        let memory = ResidentMemorySampler(processes: nodes.compactMap(\.processIdentifier))
        let sampling = memory.start()
        defer { sampling.cancel() }

        var signer = try LicenceSigner(manifest: manifest, directory: directory)
        var populated = populated
        if records > 0, populated == nil { populated = try await populate(nodes: nodes, manifest: manifest, signer: &signer) }
        if let populated {
            // The measured licences follow the populated ones, from the nonces the chain holds.
            signer.resume(nonces: try await nodes[0].rpc.nonces(of: signer.keys.map(\.address)), number: records)
            print(
                "licences in state before the measured phases: \(records) (\(Int((Double(populated.bytesAdded) / Double(records)).rounded())) bytes on disk per licence and node)"
            )
        }
        let closed = try await closedLoop(nodes: nodes, manifest: manifest, signer: &signer)
        let saturation = closed.rate
        print(closed.report(bound: bound.rate))

        var results: [OpenLoopResult] = []
        for fraction in loadFractions {
            let rate = max(1, fraction * (openLoopBase ?? saturation))
            let count = max(1, Int((rate * openLoopSeconds).rounded()))
            let firstNonces = signer.nextNonce
            let phase = OpenLoopPhase(
                fraction: fraction, rate: rate, transactions: TxSendRequest.encode(try signer.sign(count)), drain: .seconds(drainSeconds),
                followHeads: !pollCommits)
            print(
                "open loop: offering \(count) transactions at \(Int(rate.rounded())) tx/s (\(Int((fraction * 100).rounded()))% of \(openLoopBase == nil ? "saturation" : "--open-loop-base"))..."
            )
            let result = try await phase.run(
                nodes: nodes.map(\.rpc), targets: try Self.targets(of: signer, manifest: manifest, nodes: nodes).map(\.rpc),
                senders: signer.keys.map(\.address), firstNonces: firstNonces)
            results.append(result)
            if result.neverCommitted > 0 {
                // The next phase's nonces follow these: wait for the stragglers rather than measure a stalled queue.
                try await waitForNonces(signer.nextNonce, of: signer.keys.map(\.address), on: nodes, seconds: 120)
            }
        }
        let senderNodes = try Self.targets(of: signer, manifest: manifest, nodes: nodes).map(\.name)
        if !results.isEmpty { print(Self.openLoopTable(results, senderNodes: senderNodes)) }
        sampling.cancel()
        memory.sample()
        print(Self.memoryTable(nodes: nodes, summary: memory.summary()))
    }

    /// The closed-loop phase: `transactions` offered as fast as every issuer's window allows; the rate at
    /// which they committed on every node (the saturation rate), over the whole phase and sustained.
    ///
    /// Commits are seen as the open loop sees them (`OpenLoopPhase.watch`: each node's head feed, the
    /// senders' nonces read after each head), so the phase ends at the instant the last node was seen
    /// committing the last transaction, not at the next tick of a poll (100 ms, up to 4 % of a 20,000-transaction
    /// phase before 2026-12-05).
    private func closedLoop(nodes: [BenchNode], manifest: NetworkManifest, signer: inout LicenceSigner) async throws
        -> ClosedLoopResult
    {
        let firstNonces = signer.nextNonce
        let signed = TxSendRequest.encode(try signer.sign(transactions))
        let senders = signer.keys.map(\.address)
        let targets = try Self.targets(of: signer, manifest: manifest, nodes: nodes)
        let window = windowPerSender
        let startHeight = try await nodes[0].rpc.height()
        print(
            "closed loop: submitting \(transactions) signed licence.issue transactions from \(senders.count) issuers (\(issuers) per validator, window \(window) each)..."
        )
        let book = CommitBook(nodes: nodes.count, firstNonces: firstNonces, counts: signed.map(\.count))
        // Watchers stop at a flag, never by cancellation (see `OpenLoopPhase.run`).
        let stop = StopFlag()
        let watchers = nodes.enumerated().map { index, node in
            Task { [pollCommits] in
                await OpenLoopPhase.watch(node.rpc, node: index, senders: senders, book: book, until: stop, followHeads: !pollCommits)
            }
        }
        let pids = nodes.compactMap(\.processIdentifier)
        let cpuBefore = ProcessCPUTime.seconds(of: pids)
        let clock = ContinuousClock()
        let started = clock.now
        let client: SubmitStatistics
        do {
            client = try await Self.submitAll(signed, from: senders, firstNonces: firstNonces, to: targets, window: window)
            // The watchers read every node's nonces after each of its heads (or poll them), so the book
            // is complete exactly when every node reports every issuer's last nonce.
            try await waitUntil("every node commits every transaction", seconds: 300) {
                book.committedEverywhere == transactions
            }
        } catch {
            stop.set()
            for watcher in watchers { _ = await watcher.value }
            throw error
        }
        stop.set()
        var followed = 0
        for watcher in watchers where await watcher.value { followed += 1 }
        let commits = book.commits()
        let seconds = ((commits.last ?? clock.now) - started).seconds
        let cpuAfter = ProcessCPUTime.seconds(of: pids)
        let endHeight = try await nodes[0].rpc.height()
        let blocks = endHeight - startHeight
        let result = ClosedLoopResult(
            transactions: transactions, seconds: seconds,
            sustained: ClosedLoopResult.sustainedRate(commits.instants.flatMap { $0.compactMap { $0 } }, since: started))
        print(
            """
            validators:    \(validators) processes on this machine (mutual TLS on loopback)
            transactions:  \(transactions) licence.issue, committed on every node
            elapsed:       \(String(format: "%.2f", seconds)) s (commits seen through \(followed) of \(nodes.count) nodes' head feeds, the rest polled)
            blocks:        \(blocks) (\(blocks > 0 ? transactions / Int(blocks) : 0) transactions per block on average, \
            \(String(format: "%.1f", Double(blocks) / seconds)) blocks/s)
            client:        \(client.description)
            issuers done:  \(Self.issuersDone(commits.instants, since: started)) s after the start
            node CPU:      \(Self.cpuLine(before: cpuBefore, after: cpuAfter, validators: validators, transactions: transactions, seconds: seconds))
            """)
        return result
    }

    /// The validators' CPU over the phase: in all, per transaction and validator, and as a share of the
    /// machine's cores. Read after the last commit was seen, so it includes the watchers' last reads.
    static func cpuLine(before: Double?, after: Double?, validators: Int, transactions: Int, seconds: Double) -> String {
        guard let before, let after, validators > 0, transactions > 0, seconds > 0 else { return "- (/proc/<pid>/stat not readable)" }
        let used = after - before
        let perTransaction = used / Double(transactions) / Double(validators) * 1e6
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        return String(
            format: "%.2f core-seconds, %.1f µs per transaction and validator, %.0f%% of %d cores over the phase", used,
            perTransaction, used / seconds / cores * 100, Int(cores))
    }

    /// When each issuer's last transaction committed on every node, in seconds since `start`, in issuer
    /// order: issuers that finish far apart leave the phase's end to the last of them.
    static func issuersDone(_ instants: [[ContinuousClock.Instant?]], since start: ContinuousClock.Instant) -> String {
        instants.map { row in
            row.compactMap { $0 }.max().map { String(format: "%.2f", ($0 - start).seconds) } ?? "-"
        }.joined(separator: ", ")
    }

    /// Sends each sender's transactions (`signed[i]` from `senders[i]`, nonces from `firstNonces[i]`) to its
    /// node (`targets[i]`), all senders at once, each keeping at most `window` uncommitted.
    private static func submitAll(
        _ signed: [[TxSendRequest]], from senders: [Address], firstNonces: [UInt64], to targets: [BenchNode], window: Int
    ) async throws -> SubmitStatistics {
        try await withThrowingTaskGroup(of: SubmitStatistics.self) { group in
            for (index, sender) in senders.enumerated() {
                let node = targets[index]
                let batch = signed[index]
                let firstNonce = firstNonces[index]
                group.addTask { try await Self.submit(batch, from: sender, firstNonce: firstNonce, to: node.rpc, window: window) }
            }
            var all = SubmitStatistics()
            for try await statistics in group { all.add(statistics) }
            return all
        }
    }

    /// The node each of `signer`'s issuers submits to: the first validator of its department.
    private static func targets(of signer: LicenceSigner, manifest: NetworkManifest, nodes: [BenchNode]) throws -> [BenchNode] {
        try signer.departments.map { department in
            guard let index = manifest.nodes.firstIndex(where: { $0.department == department }), nodes.indices.contains(index) else {
                throw ValidationError("no node of department \(department)")
            }
            return nodes[index]
        }
    }

    /// Waits until every node reports each sender's nonce at `nonces` (everything signed so far committed).
    private func waitForNonces(_ nonces: [UInt64], of senders: [Address], on nodes: [BenchNode], seconds: Double) async throws {
        try await waitUntil("every node commits every transaction", seconds: seconds) {
            for node in nodes where (try? await node.rpc.nonces(of: senders)) != nonces { return false }
            return true
        }
    }

    /// The open-loop phases as one table.
    static func openLoopTable(_ results: [OpenLoopResult], senderNodes: [String] = []) -> String {
        func milliseconds(_ duration: Duration?) -> String {
            duration.map { String(Int(($0.seconds * 1000).rounded())) } ?? "-"
        }
        var lines = [
            "open loop: latency from the instant each transaction was due to its commit on every node (seen through each node's newHeads feed)",
            "load  offered/s  achieved/s  offered  committed  never  p50 ms  p95 ms  p99 ms  max ms  resent",
        ]
        for result in results {
            let resent = result.refusals.values.reduce(0, +)
            let reasons = result.refusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let columns = [
                "\(Int((result.fraction * 100).rounded()))%".padding(toLength: 4, withPad: " ", startingAt: 0),
                String(Int(result.offeredRate.rounded())).leftPadded(to: 9), String(Int(result.achievedRate.rounded())).leftPadded(to: 10),
                String(result.offered).leftPadded(to: 7), String(result.committed).leftPadded(to: 9),
                String(result.neverCommitted).leftPadded(to: 5), milliseconds(result.latency?.p50).leftPadded(to: 6),
                milliseconds(result.latency?.p95).leftPadded(to: 6), milliseconds(result.latency?.p99).leftPadded(to: 6),
                milliseconds(result.latency?.max).leftPadded(to: 6), String(resent).leftPadded(to: 6),
            ]
            lines.append(columns.joined(separator: "  ") + (reasons.isEmpty ? "" : " (\(reasons))"))
            let bySender = result.latencyBySender.enumerated().map { sender, latency in
                let node = senderNodes.indices.contains(sender) ? senderNodes[sender] : "issuer \(sender + 1)"
                return "\(node) \(milliseconds(latency?.p50))/\(milliseconds(latency?.p99))"
            }
            if bySender.count > 1 { lines.append("      p50/p99 ms by the issuer's node: " + bySender.joined(separator: ", ")) }
            let followed = "\(result.nodesFollowedByFeed) of \(result.nodesWatched) nodes"
            lines.append("      commits seen through the newHeads feed of \(followed) (the rest polled)")
        }
        return lines.joined(separator: "\n")
    }

    /// Each node's peak and median resident memory over the run.
    static func memoryTable(nodes: [BenchNode], summary: [(peak: Int, median: Int, samples: Int)?]) -> String {
        var lines = ["resident memory per node over the run (sampled every \(ResidentMemorySampler.interval)):"]
        for (node, figures) in zip(nodes, summary) {
            guard let figures else {
                lines.append("  \(node.name): no samples")
                continue
            }
            lines.append(
                "  \(node.name): peak \(ResidentMemorySampler.mebibytes(figures.peak)), median \(ResidentMemorySampler.mebibytes(figures.median)) (\(figures.samples) samples)"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// The sbp executable beside this one, or `--sbp`.
    private func locateSBP() throws -> URL {
        if let sbp { return URL(fileURLWithPath: sbp) }
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let sibling = own.deletingLastPathComponent().appendingPathComponent("sbp")
        guard FileManager.default.isExecutableFile(atPath: sibling.path) else {
            throw ValidationError("no sbp beside \(own.path): build it (swift build -c release --product sbp) or pass --sbp")
        }
        return sibling
    }

    /// Sends one sender's transactions (nonces from `firstNonce`) in batches, keeping at most `window`
    /// uncommitted; a refused batch is sent again from its first refused transaction once the sender's
    /// nonce moved.
    ///
    /// `next` and `committed` count from `firstNonce`. Until 2026-12-05 the account's nonce was taken as
    /// the count, so on a populated store (nonces from hundreds of thousands) no window ever filled, and the
    /// mempool's per-sender bound refusing whole batches was the only pacing (`committedCount`).
    static func submit(
        _ transactions: [TxSendRequest], from sender: Address, firstNonce: UInt64, to rpc: some SubmitTarget,
        window windowPerSender: Int
    ) async throws -> SubmitStatistics {
        var statistics = SubmitStatistics()
        var next = 0
        var committed = 0
        while next < transactions.count {
            if next - committed >= windowPerSender {
                committed = committedCount(try await rpc.nonce(of: sender), firstNonce: firstNonce)
                if next - committed >= windowPerSender {
                    statistics.windowWaits += 1
                    try await Task.sleep(for: .milliseconds(20))  // pacing, not synchronization
                }
                continue
            }
            let end = min(transactions.count, next + batchSize, committed + windowPerSender)
            let sent = ContinuousClock.now
            let refused = try await rpc.send(Array(transactions[next..<end]))
            statistics.roundTrips.append(ContinuousClock.now - sent)
            if let first = refused {
                statistics.refusedBatches += 1
                statistics.refusals[first.reason, default: 0] += 1
                next += first.index
                committed = committedCount(try await rpc.nonce(of: sender), firstNonce: firstNonce)
                try await Task.sleep(for: .milliseconds(50))  // the pool is full: give the network time
            } else {
                next = end
            }
        }
        return statistics
    }

    /// How many of a sender's transactions, numbered from `firstNonce`, the account's next nonce `nonce`
    /// says are committed.
    static func committedCount(_ nonce: UInt64, firstNonce: UInt64) -> Int {
        nonce > firstNonce ? Int(clamping: nonce - firstNonce) : 0
    }

    private func waitUntil(_ what: String, seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("timed out after \(Int(seconds)) s waiting until \(what)")
    }
}

/// What the closed loop measured: the whole phase, and the rate it sustained once running.
///
/// The whole phase starts with the first batches' admission and ends with the last issuer's last batches,
/// which commit in small blocks once the other issuers are done; the sustained rate leaves both ends out:
/// it counts the transactions committed on every node in the middle eight tenths of the phase's time,
/// over that time. A window by time, not by counts: one node that lags and then catches up commits many
/// blocks at one instant, and a window between two counts then shrinks to that instant (a 20,000 run
/// with twelve issuers printed twice its whole rate so); by time the rate is at most 1.25 times the whole.
struct ClosedLoopResult {
    let transactions: Int
    /// From the first submission to the last commit seen on every node.
    let seconds: Double
    /// Transactions per second in the middle of the phase; nil for a phase without a span.
    let sustained: Double?

    /// The middle of the phase, as shares of its span.
    static let sustainedFrom = 0.1
    static let sustainedTo = 0.9

    /// The whole phase's rate: transactions over its span.
    var rate: Double { seconds > 0 ? Double(transactions) / seconds : 0 }

    /// The rate of the commits among `instants` (each transaction's commit on every node) that fall in
    /// the `sustainedFrom`…`sustainedTo` part of the span from `start` to the last of them; nil when the
    /// span is empty.
    static func sustainedRate(_ instants: [ContinuousClock.Instant], since start: ContinuousClock.Instant) -> Double? {
        guard let last = instants.max(), last > start else { return nil }
        let span = last - start
        let from = start + span * sustainedFrom
        let to = start + span * sustainedTo
        let committed = instants.count(where: { $0 > from && $0 <= to })
        return Double(committed) / (to - from).seconds
    }

    func report(bound: Double) -> String {
        func share(_ rate: Double) -> String { String(format: "%.1f", rate / bound * 100) }
        var lines = [
            "throughput:    \(Int(rate.rounded())) tx/s, \(share(rate))% of the signature bound (\(Int(bound.rounded())) tx/s), first submission to last commit on every node"
        ]
        if let sustained {
            lines.append(
                "sustained:     \(Int(sustained.rounded())) tx/s, \(share(sustained))% of the signature bound, committed on every node in the middle \(Int(((Self.sustainedTo - Self.sustainedFrom) * 100).rounded()))% of the phase's time"
            )
        } else {
            lines.append("sustained:     - (no commits to tell)")
        }
        return lines.joined(separator: "\n")
    }
}

/// What the closed loop's submitters saw: each `tx_send` batch's round trip, refusals and full windows.
///
/// One issuer sends one batch at a time, so when the round trip (admission of up to 100 transactions,
/// signatures checked, on the node) is long against a block, it and not the node's pipeline sets the pace.
struct SubmitStatistics: CustomStringConvertible {
    var roundTrips: [Duration] = []
    /// Batches with a refused transaction (sent again from it after 50 ms).
    var refusedBatches = 0
    /// Refused batches by the reason their first refused transaction gave.
    var refusals: [String: Int] = [:]
    /// Times a submitter found its window of uncommitted transactions full and waited 20 ms.
    var windowWaits = 0

    mutating func add(_ other: SubmitStatistics) {
        roundTrips += other.roundTrips
        refusedBatches += other.refusedBatches
        refusals.merge(other.refusals, uniquingKeysWith: +)
        windowWaits += other.windowWaits
    }

    var description: String {
        let sorted = roundTrips.sorted()
        func milliseconds(_ fraction: Double) -> String {
            sorted.isEmpty
                ? "-" : String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))].seconds * 1000)
        }
        let reasons =
            refusals.isEmpty ? "" : " (" + refusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        return
            "\(sorted.count) tx_send batches, round trip p50 \(milliseconds(0.5)) ms, p90 \(milliseconds(0.9)) ms; \(refusedBatches) with a refusal\(reasons); \(windowWaits) waits for a full window"
    }
}

/// One `sbp node start` process with its log in its home directory.
final class BenchNode: @unchecked Sendable {
    let name: String
    let home: String
    let rpc: BenchRPC
    private let process = Process()
    private var child: ChildProcess?

    /// The node's process id once started.
    var processIdentifier: Int32? { child?.processIdentifier }

    init(name: String, home: String, rpcURL: String, executable: URL, logLevel: String = "warning") throws {
        guard let url = URL(string: rpcURL) else { throw ValidationError("bad RPC URL \(rpcURL)") }
        self.name = name
        self.home = home
        self.rpc = BenchRPC(url: url)
        process.executableURL = executable
        process.arguments = ["node", "start", "--home", home]
        process.environment = ProcessInfo.processInfo.environment.merging(["SBP_LOG_LEVEL": logLevel]) { $1 }
    }

    /// Lifts the per-client RPC rate limits in the node's config: the benchmark's one submitter per node
    /// sends every transaction from one address, which the default (`RPCLimits.clientRequestsPerSecondDefault`,
    /// 2,000 calls a second after a burst of 5,000) would hold below what the node can admit.
    func liftClientLimits() throws {
        let path = home + "/config.toml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        if text.contains("\nclient_requests_per_second = 1000000\n") { return }  // a populated network's copy
        guard text.contains("\n[rpc]\n") else { throw ValidationError("no [rpc] section in \(path)") }
        let lifted = text.replacingOccurrences(
            of: "\n[rpc]\n", with: "\n[rpc]\nclient_requests_per_second = 1000000\nclient_requests_burst = 1000000\n")
        try lifted.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func start() throws {
        let log = home + "/node.log"
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw ValidationError("cannot create \(log)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        child = try ChildProcess(launching: process)
    }

    /// SIGTERM and wait (the node stops gracefully); SIGKILL if it has not stopped within `stopTimeout`.
    func stop() async {
        guard let child else { return }
        child.send(SIGTERM)
        if await child.exit(within: Self.stopTimeout) == nil {
            child.send(SIGKILL)
            _ = await child.exit()
        }
    }

    /// How long a node may take to stop gracefully (it finishes the block it is finalizing).
    static let stopTimeout: Duration = .seconds(60)
}

/// The signature bound of issue 18: each validator recovers each transaction's signature once, so on this
/// machine four validators can never commit more than cores × per-core recovery rate ÷ validators.
///
/// Measured in the same run as the throughput it bounds (before the nodes start), since the machine's
/// speed and load move both. The per-core rate is that of distinct signatures recovered in turn, as a node
/// recovers them, since 2026-12-05 evening: recovering one signature again and again, as before, ran 3-6 %
/// faster (the same branches every time), and the line prints that rate too.
struct SignatureBound: CustomStringConvertible {
    let processors: Int
    let perCore: Double
    /// The rate recovering one signature again and again (the bound's measure before 2026-12-05 evening).
    let perCoreRepeated: Double
    let validators: Int

    /// Distinct signed transactions the rate is measured over: far more than a core's branch predictor
    /// and caches remember between two recoveries of the same one.
    static let distinctSignatures = 1_024

    /// Transactions per second the bound allows.
    var rate: Double { Double(processors) * perCore / Double(validators) }

    /// Recovers distinct signed call transactions' signatures in turn on this thread for `seconds`, then one
    /// of them again and again for half as long.
    static func measure(seconds: Double, validators: Int) throws -> SignatureBound {
        let transactions = try (0..<distinctSignatures).map { nonce in
            try CallTransaction.signed(by: PrivateKey(), nonce: UInt64(nonce + 1))
        }
        var failures = 0
        var next = 0
        let perCore = sbp_bench.measure(seconds: seconds) {
            do { try transactions[next].verifySignature() } catch { failures += 1 }
            next = next + 1 == transactions.count ? 0 : next + 1
        }
        let repeated = transactions[0]
        let perCoreRepeated = sbp_bench.measure(seconds: seconds / 2) {
            do { try repeated.verifySignature() } catch { failures += 1 }
        }
        guard failures == 0 else { throw ValidationError("\(failures) signature checks failed") }
        return SignatureBound(
            processors: ProcessInfo.processInfo.activeProcessorCount, perCore: perCore, perCoreRepeated: perCoreRepeated,
            validators: validators)
    }

    var description: String {
        "signature bound: \(processors) cores × \(Int(perCore.rounded())) recoveries/s per core ÷ \(validators) validators = \(Int(rate.rounded())) tx/s"
            + " (\(Self.distinctSignatures) distinct signatures in turn; one again and again: \(Int(perCoreRepeated.rounded()))/s)"
    }
}
