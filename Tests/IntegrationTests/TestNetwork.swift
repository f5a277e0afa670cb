import ChainTypes
import Foundation
import Keys
import NetworkSetup
import Node
import Synchronization
import TestProcesses
import Testing

/// A four-department network of real `sbp node start` processes on loopback, made by `sbp network init`.
///
/// The network lives in a fresh temporary directory with its own ports. Nodes are started, stopped (SIGTERM),
/// killed (SIGKILL), wiped and restarted through `NodeProcess`; tests observe them only through JSON-RPC and
/// their log files. `shutdown()` (also run by `deinit`) kills every process and removes the directory, so
/// a failing or timed-out test leaves nothing running.
final class TestNetwork: Sendable {
    static let departments = ["TD", "IMMD", "EPD", "DH"]
    static let chainId = "sbp-integration"
    /// Ports per range: four validators and room for extra (rogue) nodes.
    static let portsPerRange = 8
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    let root: String
    /// The network directory `sbp network init` made (`root/net`).
    let directory: String
    let ports: PortBlock
    let manifest: NetworkManifest
    let sbp: URL
    /// The validators, in genesis (and manifest) order: index i is validator i.
    let nodes: [NodeProcess]
    let licences: LicenceRegistry
    private let extras = Mutex<[NodeProcess]>([])
    private let accounts: [String: Account]

    init(label: String) async throws {
        sbp = try HelperExecutable.locate("sbp")
        root = NSTemporaryDirectory() + "sbp-integration-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        directory = root + "/net"
        ports = try PortBlock.reserve(width: Self.portsPerRange)
        _ = try await HelperExecutable.runOffPool(
            sbp,
            arguments: [
                "network", "init", "--departments", Self.departments.joined(separator: ","), "--out", directory, "--chain-id",
                Self.chainId, "--p2p-base-port", "\(ports.p2pBase)", "--rpc-base-port", "\(ports.rpcBase)", "--contracts",
                Self.repositoryRoot.appendingPathComponent("Genesis/contracts").path,
            ])
        manifest = try NetworkManifest.load(directory: directory)
        let sbp = self.sbp
        let directory = self.directory
        nodes = try manifest.nodes.map { node in
            guard let url = URL(string: node.rpcURL) else { throw MalformedReply(method: "manifest", value: node.rpcURL) }
            return NodeProcess(name: node.name, home: directory + "/" + node.directory, rpcURL: url, executable: sbp)
        }
        var accounts: [String: Account] = [:]
        for account in manifest.departments.flatMap(\.accounts) {
            let key = try KeyFile.readPlaintext(directory + "/" + account.keyFile)
            precondition(key.address == account.address, "the manifest names the key file of \(account.name)")
            accounts[account.name] = Account(name: account.name, key: key, chainId: manifest.chainId)
        }
        self.accounts = accounts
        licences = try LicenceRegistry(manifest: manifest, directory: directory)
    }

    deinit {
        shutdown()
    }

    /// The account `td-issuer`, `immd-admin`, ... of the manifest.
    func account(_ name: String) -> Account {
        guard let account = accounts[name] else { preconditionFailure("no account \(name) in the manifest") }
        return account
    }

    /// Every process this network started, validators first.
    var allProcesses: [NodeProcess] { nodes + extras.withLock { $0 } }

    /// Process `index` of `allProcesses`: a genesis validator below `nodes.count`, then the extra nodes in
    /// the order they were added (the helpers below take either).
    func node(_ index: Int) -> NodeProcess {
        index < nodes.count ? nodes[index] : extras.withLock { $0[index - nodes.count] }
    }

    /// Registers a node whose home another command made (`sbp node init`), listening on the ports of extra
    /// `slot` of the port block; returns its index for the helpers below.
    func addNode(named name: String, home: String, slot: Int) -> Int {
        let slotIndex = nodes.count + slot
        guard let url = URL(string: "http://127.0.0.1:\(ports.rpcPort(slotIndex))") else { preconditionFailure("a loopback URL parses") }
        let process = NodeProcess(name: name, home: home, rpcURL: url, executable: sbp)
        return extras.withLock { extras in
            extras.append(process)
            return nodes.count + extras.count - 1
        }
    }

    // MARK: Lifecycle

    func startAll() throws {
        for node in nodes { try node.start() }
    }

    /// Rewrites the genesis document before the first start so that departments may deploy contracts
    /// (`departmentsMayDeploy`, off in what `sbp network init` writes).
    func allowDepartmentDeploys() throws {
        let url = URL(fileURLWithPath: directory + "/" + manifest.genesisFile)
        var genesis = try Genesis.load(json: Array(try Data(contentsOf: url)))
        genesis.governance.departmentsMayDeploy = true
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(genesis).write(to: url)
    }

    /// Kills every process (SIGKILL) and removes the directory, unless `SBP_KEEP_INTEGRATION_DIRS` is set.
    func shutdown() {
        for node in allProcesses { node.killNow() }
        if ProcessInfo.processInfo.environment["SBP_KEEP_INTEGRATION_DIRS"] == nil {
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Registers an extra node whose home is a copy of validator `index`'s home without its data, with the
    /// TLS certificate and key replaced, listening on the extra ports `slot` of the port block.
    ///
    /// The copy keeps the validator's consensus key and config (so it dials the other validators), which is
    /// how an attacker holding a stolen consensus key but a bad certificate would look.
    func addImpostor(copying index: Int, named name: String, slot: Int, certificatePEM: String, privateKeyPEM: String) throws
        -> NodeProcess
    {
        let source = nodes[index]
        let home = directory + "/" + name
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        for file in try FileManager.default.contentsOfDirectory(atPath: source.home)
        where !["data", "node.log", ".sbp-node-started", "tls.crt", "tls.key"].contains(file) {
            try FileManager.default.copyItem(atPath: source.home + "/" + file, toPath: home + "/" + file)
        }
        try Data(certificatePEM.utf8).write(to: URL(fileURLWithPath: home + "/tls.crt"))
        try KeyFile.writeSecret(Array(privateKeyPEM.utf8), to: home + "/tls.key")
        let slotIndex = nodes.count + slot
        guard let url = URL(string: "http://127.0.0.1:\(ports.rpcPort(slotIndex))") else { preconditionFailure("a loopback URL parses") }
        let process = NodeProcess(
            name: name, home: home, rpcURL: url, executable: sbp,
            environment: ["SBP_P2P_PORT": "\(ports.p2pPort(slotIndex))", "SBP_RPC_PORT": "\(ports.rpcPort(slotIndex))"])
        extras.withLock { $0.append(process) }
        return process
    }

    // MARK: Observing

    /// `node_status` of every node in `indices`, or nil when one of them does not answer.
    func statuses(_ indices: [Int]) async -> [NodeStatusReply]? {
        var result: [NodeStatusReply] = []
        for index in indices {
            guard let status = await status(index) else { return nil }
            result.append(status)
        }
        return result
    }

    /// `node_status` of a node, or nil while it does not answer (starting, stopped, busy).
    func status(_ index: Int) async -> NodeStatusReply? {
        try? await node(index).rpc.status()
    }

    /// Waits until every node in `indices` has committed at least `height`; returns their statuses.
    @discardableResult
    func waitForHeight(_ height: UInt64, on indices: [Int], within timeout: Duration) async throws -> [NodeStatusReply] {
        try await eventually("nodes \(names(indices)) reach height \(height)", within: timeout) {
            var statuses: [NodeStatusReply] = []
            for index in indices {
                guard let status = await status(index), status.latestHeight >= height else { return nil }
                statuses.append(status)
            }
            return statuses
        }
    }

    /// Waits until the highest height among `indices` grows by `blocks` from what it is now.
    @discardableResult
    func waitForProgress(_ blocks: UInt64, on indices: [Int], within timeout: Duration) async throws -> UInt64 {
        let start = try await eventually("a node of \(names(indices)) answers", within: timeout) { await highestHeight(indices) }
        try await waitForHeight(start + blocks, on: indices, within: timeout)
        return start + blocks
    }

    /// The highest height any node in `indices` reports, or nil when none answers.
    func highestHeight(_ indices: [Int]) async -> UInt64? {
        var highest: UInt64?
        for index in indices {
            if let status = await status(index) { highest = max(highest ?? 0, status.latestHeight) }
        }
        return highest
    }

    /// Reads blocks `from`...`height` from every node in `indices` and requires identical hashes at every
    /// height (so identical state roots, which the headers carry); returns the agreed chain. A node restored
    /// from a state snapshot holds blocks from the snapshot's height only: `from` starts there.
    func agreedChain(from: UInt64 = 1, upTo height: UInt64, on indices: [Int]) async throws -> [BlockReply] {
        var chain: [BlockReply] = []
        for blockHeight in stride(from: from, through: height, by: 1) {
            var first: BlockReply?
            for index in indices {
                let block = try #require(
                    try await node(index).rpc.block(at: blockHeight), "\(node(index).name) has no block \(blockHeight)")
                #expect(block.height == blockHeight)
                if let first {
                    try #require(
                        block.hash == first.hash && block.stateRoot == first.stateRoot,
                        "height \(blockHeight): \(node(index).name) has \(block.hash), \(node(indices[0]).name) has \(first.hash)")
                } else {
                    first = block
                }
            }
            if let first { chain.append(first) }
        }
        return chain
    }

    /// Waits until every node in `indices` has reached a common height at least `minimum`, then checks they
    /// agree on every block up to it; returns the agreed chain.
    func waitForAgreement(on indices: [Int], atLeast minimum: UInt64, within timeout: Duration) async throws -> [BlockReply] {
        let statuses = try await waitForHeight(minimum, on: indices, within: timeout)
        let common = statuses.map(\.latestHeight).min() ?? minimum
        return try await agreedChain(upTo: common, on: indices)
    }

    func names(_ indices: [Int]) -> String { indices.map { node($0).name }.joined(separator: ", ") }

    // MARK: Transactions

    /// Sends `transaction` to the nodes in `targets`, in turn, until one accepts it.
    ///
    /// A node may refuse a transaction whose earlier nonces it has not yet received by gossip
    /// (`nonceGap`) or be unreachable (stopped, restarting); both are retried until `timeout`. A refusal
    /// for any other reason fails at once.
    @discardableResult
    func submit(_ transaction: Transaction, to targets: [Int], within timeout: Duration = .seconds(30)) async throws -> Int {
        var attempt = 0
        var lastProblem = ""
        return try await eventually("\(transaction.hash) accepted by one of \(names(targets)) (\(lastProblem))", within: timeout) {
            let index = targets[attempt % targets.count]
            attempt += 1
            do {
                try await node(index).rpc.send(transaction)
                return index
            } catch let failure as RPCFailure where failure.reason == "nonceGap" || failure.reason == "mempoolFull" {
                lastProblem = "\(node(index).name): \(failure)"
                return nil
            } catch let failure as RPCFailure where failure.reason == "nonceTooLow" && attempt > 1 {
                // An earlier attempt's node admitted it and its answer was lost (a restart, a timeout on a busy
                // machine); a block holding it since has used the nonce. Any other user of the nonce is a failure.
                if (try? await node(index).rpc.receipt(transaction.hash)) != nil { return index }
                throw failure
            } catch let failure as RPCFailure {
                throw failure
            } catch {
                lastProblem = "\(node(index).name): \(error)"
                return nil
            }
        }
    }

    /// Waits for the receipt of `hash` on node `index`.
    func receipt(_ hash: Hash, on index: Int, within timeout: Duration) async throws -> ReceiptReply {
        try await eventually("receipt of \(hash) on \(node(index).name)", within: timeout) {
            try? await node(index).rpc.receipt(hash)
        }
    }

    // MARK: Diagnostics

    /// Prints every process's state and the tail of its log (on failure).
    func printDiagnostics(reason: String) {
        var text = "integration test failed (\(reason)); network in \(directory)\n"
        for node in allProcesses {
            text += "----- \(node.name): \(node.isRunning ? "running" : node.exitDescription ?? "not started"); last log lines:\n"
            text += node.logTail(40) + "\n"
        }
        print(text)
    }
}

/// Runs `body` with a fresh network and always tears it down; on any failure (thrown or recorded by
/// `#expect`) prints the tail of every node's log first.
func withNetwork(_ label: String, _ body: (TestNetwork) async throws -> Void) async throws {
    let network = try await TestNetwork(label: label)
    FailureFlag.reset()
    do {
        try await body(network)
    } catch {
        network.printDiagnostics(reason: "\(error)")
        network.shutdown()
        throw error
    }
    if FailureFlag.isSet { network.printDiagnostics(reason: "an expectation failed") }
    network.shutdown()
}

/// Set by the suite's issue handler whenever a test records an issue; the suite runs one test at a time.
enum FailureFlag {
    private static let value = Mutex(false)
    static func reset() { value.withLock { $0 = false } }
    static func set() { value.withLock { $0 = true } }
    static var isSet: Bool { value.withLock { $0 } }
}
