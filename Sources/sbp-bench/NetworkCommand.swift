import ArgumentParser
import ChainTypes
import ChildProcesses
import ContractVM
import Foundation
import Keys
import NetworkSetup
import Node

/// `sbp-bench network`: signed `licence.issue` transactions through a real network of `sbp node start`
/// processes on loopback, from JSON-RPC submission to commit on every node.
///
/// Everything a deployment pays is in the figure: JSON-RPC decoding, mempool admission with signature
/// checks, gossip, PBFT over mutual TLS with journal fsyncs, execution and RocksDB finalization on every
/// validator. On one machine the validators share its cores, so the figure is a floor for a deployment
/// with one machine per department, not a ceiling.
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Transactions per second through a local network of sbp node processes (release build).")

    @Option(help: "Validators (one department each, 1...8).")
    var validators = 4

    @Option(help: "Signed licence.issue transactions to commit.")
    var transactions = 20_000

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

    @OptionGroup var mode: SmokeOption

    static let departmentNames = ["TD", "IMMD", "EPD", "DH", "LD", "FEHD", "HKPF", "CSD"]
    /// Transactions one sender may have submitted but not committed: below the mempool's per-sender bound.
    static let windowPerSender = 800
    /// Transactions per JSON-RPC batch (the server's default batch limit is 100).
    static let batchSize = 100

    mutating func validate() throws {
        if mode.smoke { transactions = 2 * validators }
        guard (1...Self.departmentNames.count).contains(validators) else {
            throw ValidationError("--validators must be 1...\(Self.departmentNames.count)")
        }
        guard transactions >= 1 else { throw ValidationError("--transactions must be positive") }
    }

    func run() async throws {
        let executable = try locateSBP()
        let directory = NSTemporaryDirectory() + "sbp-bench-network-\(UUID().uuidString.prefix(8))"
        let options = NetworkOptions(
            departments: Self.departmentNames.prefix(validators).map { NetworkOptions.DepartmentSpec(id: $0, name: $0) },
            outputDirectory: directory, chainId: "sbp-bench", p2pBasePort: p2pBasePort, rpcBasePort: rpcBasePort,
            contractsDirectory: contracts)
        let manifest = try NetworkInitializer.run(options)
        let nodes = try manifest.nodes.map { node in
            try BenchNode(name: node.name, home: directory + "/" + node.directory, rpcURL: node.rpcURL, executable: executable)
        }
        let outcome: Result<Void, any Error>
        do {
            try await measure(nodes: nodes, manifest: manifest, directory: directory, executable: executable)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        for node in nodes { await node.stop() }
        if keep { print("network kept in \(directory)") } else { try? FileManager.default.removeItem(atPath: directory) }
        try outcome.get()
    }

    /// Starts the nodes, submits the transactions and prints the figures; the caller stops the nodes.
    private func measure(nodes: [BenchNode], manifest: NetworkManifest, directory: String, executable: URL) async throws {
        print(Machine.current().description)
        print("starting \(validators) validators (\(executable.path))...")
        for node in nodes { try node.start() }
        try await waitUntil("every node commits a block", seconds: 180) {
            for node in nodes where (try? await node.rpc.height()) ?? 0 < 1 { return false }
            return true
        }

        let senders = try issuers(manifest: manifest, directory: directory)
        let signed = try sign(senders: senders, manifest: manifest, directory: directory)
        let startHeight = try await nodes[0].rpc.height()
        print("submitting \(transactions) signed licence.issue transactions from \(senders.count) issuers...")
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, sender) in senders.enumerated() {
                let node = nodes[index % nodes.count]
                let batch = signed[index]
                group.addTask { try await Self.submit(batch, from: sender.address, to: node.rpc) }
            }
            try await group.waitForAll()
        }
        // Every node has committed them all: the last nonce of each sender is used everywhere.
        try await waitUntil("every node commits every transaction", seconds: 300) {
            for node in nodes {
                for (index, sender) in senders.enumerated()
                where (try? await node.rpc.nonce(of: sender.address)) != UInt64(signed[index].count) {
                    return false
                }
            }
            return true
        }
        let elapsed = clock.now - started
        let endHeight = try await nodes[0].rpc.height()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let blocks = endHeight - startHeight
        print(
            """
            validators:    \(validators) processes on this machine (mutual TLS on loopback)
            transactions:  \(transactions) licence.issue, committed on every node
            elapsed:       \(String(format: "%.2f", seconds)) s
            throughput:    \(Int((Double(transactions) / seconds).rounded())) tx/s
            blocks:        \(blocks) (\(blocks > 0 ? transactions / Int(blocks) : 0) transactions per block on average)
            """)
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

    /// Every account with the issuer role, with its key.
    private func issuers(manifest: NetworkManifest, directory: String) throws -> [PrivateKey] {
        try manifest.departments.flatMap(\.accounts).filter { $0.roles.contains(.issuer) }.map { account in
            try KeyFile.readPlaintext(directory + "/" + account.keyFile)
        }
    }

    /// `transactions` signed issues, split between `senders`, each sender's in nonce order from 0.
    private func sign(senders: [PrivateKey], manifest: NetworkManifest, directory: String) throws -> [[Transaction]] {
        guard let contract = manifest.contracts.first(where: { $0.name == "licence_registry" }) else {
            throw ValidationError("the network has no licence_registry")
        }
        let interfacePath = directory + "/" + (contract.codeFile as NSString).deletingPathExtension + StandardContracts.interfaceSuffix
        let interface = try JSONDecoder().decode(ContractInterface.self, from: Data(contentsOf: URL(fileURLWithPath: interfacePath)))
        let codec = ABICodec(interface: interface)
        var signed = Array(repeating: [Transaction](), count: senders.count)
        for number in 0..<transactions {
            let index = number % senders.count
            let key = senders[index]
            let holder = Hash.sha256(Array("bench/holder/\(number)".utf8))
            let input = try codec.encodeCall(
                method: "issue", arguments: ["BENCH-\(number)", "driving", holder.hex, "1000", "4000000000000", "none"])
            let body = TransactionBody(
                chainId: manifest.chainId, sender: key.address, nonce: UInt64(signed[index].count), kind: .call,
                payload: CallPayload(contract: contract.address, input: input).canonicalBytes, fuelLimit: 1_000_000,
                expiryHeight: 1_000_000)
            signed[index].append(try Transaction(signing: body, with: key))
        }
        return signed
    }

    /// Sends one sender's transactions in batches, keeping at most `windowPerSender` uncommitted; a
    /// refused batch is sent again from its first refused transaction once the sender's nonce moved.
    private static func submit(_ transactions: [Transaction], from sender: Address, to rpc: BenchRPC) async throws {
        var next = 0
        var committed = 0
        while next < transactions.count {
            if next - committed >= windowPerSender {
                committed = Int(try await rpc.nonce(of: sender))
                if next - committed >= windowPerSender { try await Task.sleep(for: .milliseconds(20)) }  // pacing, not synchronization
                continue
            }
            let end = min(transactions.count, next + batchSize, committed + windowPerSender)
            let refused = try await rpc.send(Array(transactions[next..<end]))
            if let first = refused {
                next += first
                committed = Int(try await rpc.nonce(of: sender))
                try await Task.sleep(for: .milliseconds(50))  // the pool is full: give the network time
            } else {
                next = end
            }
        }
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

/// One `sbp node start` process with its log in its home directory.
final class BenchNode: @unchecked Sendable {
    let name: String
    let home: String
    let rpc: BenchRPC
    private let process = Process()
    private var child: ChildProcess?

    init(name: String, home: String, rpcURL: String, executable: URL) throws {
        guard let url = URL(string: rpcURL) else { throw ValidationError("bad RPC URL \(rpcURL)") }
        self.name = name
        self.home = home
        self.rpc = BenchRPC(url: url)
        process.executableURL = executable
        process.arguments = ["node", "start", "--home", home]
        process.environment = ProcessInfo.processInfo.environment.merging(["SBP_LOG_LEVEL": "warning"]) { $1 }
    }

    func start() throws {
        let log = home + "/node.log"
        FileManager.default.createFile(atPath: log, contents: nil)
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
