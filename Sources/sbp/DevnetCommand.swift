import ArgumentParser
import ChildProcesses
import Foundation
import Keys
import NetworkSetup
import Node

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `sbp devnet`: a local network of N validator processes on loopback, with TLS, until Ctrl-C.
///
/// Creates the network with `sbp network init` when the directory has none, starts one
/// `sbp node start` process per validator (logs in each node's `node.log`), waits until every node has
/// committed blocks, prints the RPC URLs, the block explorer's URL and how to send a first transaction, and
/// on Ctrl-C or SIGTERM stops every node with SIGTERM and waits for them to exit. At rest it waits on the nodes' exits
/// (`ChildProcess`) and its signal sources, so the supervisor itself costs no CPU.
struct DevnetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devnet", abstract: "Run a local multi-department network of validator processes until Ctrl-C.")

    @Option(help: "Validators, one per department (the first of TD, IMMD, EPD, DH, then D5, D6, ...).")
    var validators = 4

    @Option(help: "Network directory (created with `sbp network init` when it holds no network.json).")
    var dir = ".devnet"

    @Option(help: ArgumentHelp("Directory with the standard contracts' .wasm modules.", valueName: "dir"))
    var contracts = "Genesis/contracts"

    @Option(help: "P2P port of the first node.")
    var p2pBasePort = NodeLimits.p2pBasePortDefault

    @Option(help: "JSON-RPC port of the first node.")
    var rpcBasePort = NodeLimits.rpcBasePortDefault

    @Option(help: "Seconds to wait for every node to commit blocks.")
    var startTimeout = 120

    @Flag(help: "Start, wait for committed blocks, print the URLs, then stop (for scripts and CI).")
    var once = false

    func validate() throws {
        guard (1...64).contains(validators) else { throw ValidationError("--validators must be 1...64") }
    }

    func run() async throws {
        let manifestPath = (dir as NSString).appendingPathComponent(NetworkManifest.fileName)
        if !FileManager.default.fileExists(atPath: manifestPath) {
            let standard = ["TD", "IMMD", "EPD", "DH"]
            let ids = (0..<validators).map { $0 < standard.count ? standard[$0] : "D\($0 + 1)" }
            let options = NetworkOptions(
                departments: NetworkOptions.DepartmentSpec.parse(list: ids.joined(separator: ",")), outputDirectory: dir,
                chainId: "sbp-devnet", p2pBasePort: p2pBasePort, rpcBasePort: rpcBasePort, contractsDirectory: contracts)
            _ = try NetworkInitializer.run(options)
            say("created a \(validators)-department network in \(dir)")
        }
        let manifestBytes: [UInt8]
        do {
            manifestBytes = try BoundedFile.read(manifestPath, bytesMax: NodeLimits.configurationFileBytesMax)
        } catch {
            throw CommandError("cannot read the network manifest \(manifestPath): \(error.reason)")
        }
        let manifest = try JSONDecoder().decode(NetworkManifest.self, from: Data(manifestBytes))
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var processes: [(name: String, child: ChildProcess)] = []
        for node in manifest.nodes {
            let home = (dir as NSString).appendingPathComponent(node.directory)
            let log = (home as NSString).appendingPathComponent("node.log")
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let process = Process()
            process.executableURL = executable
            process.arguments = ["node", "start", "--home", home]
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            let child = try ChildProcess(launching: process)
            processes.append((node.name, child))
            say("started \(node.name) (pid \(child.processIdentifier)), log \(log)")
        }
        let stopper = Stopper(children: processes.map(\.child))
        stopper.installSignalHandlers()
        say("waiting for blocks to be committed...")
        let deadline = ContinuousClock.now + .seconds(startTimeout)
        var heights: [String: UInt64] = [:]
        while ContinuousClock.now < deadline, !stopper.isStopping {
            for node in manifest.nodes { heights[node.name] = await Self.height(rpcURL: node.rpcURL) }
            if heights.values.allSatisfy({ $0 >= 2 }) && heights.count == manifest.nodes.count { break }
            if let exited = processes.first(where: { !$0.child.isRunning }), let exit = exited.child.exitIfEnded {
                stopper.stop()
                throw CommandError("node \(exited.name) \(exit); see its node.log")
            }
            try await Task.sleep(for: .milliseconds(500))  // polling the RPC of separate processes
        }
        guard heights.values.allSatisfy({ $0 >= 2 }), heights.count == manifest.nodes.count else {
            stopper.stop()
            throw CommandError("nodes did not commit blocks within \(startTimeout) s (heights \(heights)); see the node.log files")
        }
        say("")
        say("devnet \(manifest.chainId) is committing blocks:")
        for node in manifest.nodes { say("  \(node.name)\t\(node.rpcURL)\theight \(heights[node.name] ?? 0)") }
        say("")
        let sbp = CommandLine.arguments[0]
        let rpcURL = manifest.nodes[0].rpcURL
        say("block explorer (in a browser, served by \(manifest.nodes[0].name)): \(Self.explorerURL(rpcURL: rpcURL))")
        say("")
        let issuer = manifest.departments.first?.accounts.first { $0.roles.contains(.issuer) }
        let keyFile = issuer.map { (dir as NSString).appendingPathComponent($0.keyFile) } ?? "ISSUER.key"
        say("a first transaction (the \(manifest.departments.first?.id ?? "") issuer's key from the network directory):")
        say("  \(sbp) licence issue --rpc \(rpcURL) --key \(keyFile) \\")
        say("    --id L-1 --type driving --holder 'Alice Chan' --salt my-salt --valid-from 0 --valid-until 4000000000")
        say("  \(sbp) licence verify --rpc \(rpcURL) --id L-1 --holder 'Alice Chan' --salt my-salt --at 1700000000")
        say("  \(sbp) evidence export --rpc \(rpcURL) --licence L-1 --out L-1.evidence")
        say("  \(sbp) verify L-1.evidence --genesis \((dir as NSString).appendingPathComponent(manifest.genesisFile))")
        say("Ctrl-C stops every node.")
        if once {
            stopper.stop()
        }
        await stopper.waitUntilStopped()
        say("all nodes stopped")
    }

    /// The explorer's address on a node's RPC URL (`/explorer/`, docs/explorer.md).
    static func explorerURL(rpcURL: String) -> String {
        (rpcURL.hasSuffix("/") ? String(rpcURL.dropLast()) : rpcURL) + "/explorer/"
    }

    /// The latest height a node reports through `node_status`, or 0 when it does not answer yet.
    static func height(rpcURL: String) async -> UInt64 {
        guard let url = URL(string: rpcURL) else { return 0 }
        var request = URLRequest(url: url, timeoutInterval: 2)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = Data(#"{"jsonrpc":"2.0","id":1,"method":"node_status"}"#.utf8)
        guard let (data, _) = try? await URLSession.shared.data(for: request),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let result = object["result"] as? [String: Any]
        else { return 0 }
        if let height = result["latestHeight"] as? Int { return UInt64(max(0, height)) }
        if let text = result["latestHeight"] as? String { return UInt64(text) ?? 0 }
        return 0
    }
}

/// Stops the devnet's node processes on Ctrl-C or SIGTERM (or when asked) and waits for them.
final class Stopper: @unchecked Sendable {
    private let children: [ChildProcess]
    private let lock = NSLock()
    private var stopping = false
    private var sources: [any DispatchSourceSignal] = []

    init(children: [ChildProcess]) {
        self.children = children
    }

    var isStopping: Bool { lock.withLock { stopping } }

    func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.stop() }
            source.resume()
            sources.append(source)
        }
    }

    /// Sends SIGTERM to every running node (once).
    func stop() {
        let first = lock.withLock {
            defer { stopping = true }
            return !stopping
        }
        guard first else { return }
        say("\nstopping nodes...")
        for child in children { child.send(SIGTERM) }
    }

    /// Returns once every node process has exited; suspends without polling meanwhile.
    func waitUntilStopped() async {
        for child in children { _ = await child.exit() }
    }
}

/// Writes a line to standard output at once (unbuffered), so progress shows even when piped to a file.
func say(_ line: String = "") {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
