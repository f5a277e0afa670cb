import ArgumentParser
import ChainTypes

/// `sbp status`: the node's status (`node_status`).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "A node's chain, height, view and peers.")
    @OptionGroup var read: ReadOptions

    func run() async throws {
        let status = try await read.client.object("node_status")
        switch read.output {
        case .json: print(status.rendered())
        case .text: for line in Self.textLines(status) { print(line) }
        }
    }

    static func textLines(_ status: JSON) -> [String] {
        [
            "chain     \(status["chainId"]?.text ?? "?")",
            "node      \(status["nodeId"]?.text ?? "?")",
            "height    \(status["latestHeight"]?.text ?? "?") (\(status["latestHash"]?.text ?? "?"))",
            "view      \(status["view"]?.text ?? "?")",
            "peers     \(status["peersConnected"]?.text ?? "?") connected",
            "syncing   \(status["syncing"]?.bool == true ? "yes" : "no")",
            "protocol  chain protocol version \(status["protocolVersion"]?.text ?? "?") in force; this build executes "
                + "\(status["executableProtocolVersions"]?["lowest"]?.text ?? "?")…"
                + "\(status["executableProtocolVersions"]?["highest"]?.text ?? "?") and speaks peer protocol "
                + "\(status["peerProtocolVersions"]?["lowest"]?.text ?? "?")…\(status["peerProtocolVersions"]?["highest"]?.text ?? "?")",
        ]
    }
}

/// `sbp block [HEIGHT]`: a committed block, the latest by default (`chain_getBlockByHeight`).
struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "A committed block, the latest by default.")
    @Argument(help: "Block height.") var height: UInt64?
    @OptionGroup var read: ReadOptions

    func run() async throws {
        let client = read.client
        var target = height ?? 0
        if height == nil {
            guard let latest = try await client.call("chain_getLatestHeight").uint64 else {
                throw RPCClientError.unexpected(method: "chain_getLatestHeight", reason: "not a height")
            }
            target = latest
        }
        let block = try await client.object("chain_getBlockByHeight", [.uint64(target), "hashes"])
        switch read.output {
        case .json: print(block.rendered())
        case .text: for line in Self.textLines(block) { print(line) }
        }
    }

    static func textLines(_ block: JSON) -> [String] {
        let header = block["header"]
        var lines = [
            "block \(header?["height"]?.text ?? "?") \(block["hash"]?.text ?? "?")",
            "  chain         \(header?["chainId"]?.text ?? "?"), view \(header?["view"]?.text ?? "?")",
            "  timestamp     \(header?["timestampMs"]?.text ?? "?") ms",
            "  proposer      \(header?["proposer"]?.text ?? "?")",
            "  parent        \(header?["parentHash"]?.text ?? "?")",
            "  state root    \(header?["stateRoot"]?.text ?? "?") (state after block \(Self.previous(header?["height"])))",
            "  validators    \(header?["validatorsHash"]?.text ?? "?")",
            "  commit votes  \(block["lastCommit"]?["votes"]?.array?.count.description ?? "none") for the parent",
            "  transactions  \(block["transactionCount"]?.text ?? "?")",
        ]
        for transaction in block["transactions"]?.array ?? [] { lines.append("    \(transaction["hash"]?.text ?? transaction.text)") }
        return lines
    }

    private static func previous(_ height: JSON?) -> String {
        guard let height = height?.uint64, height > 0 else { return "?" }
        return "\(height - 1)"
    }
}

/// `sbp validators [--height H]`: the validator set deciding a height (`consensus_getValidators`).
struct ValidatorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validators", abstract: "The validator set deciding a height (default: the next block), with its quorum.")
    @Option(help: "The block height.") var height: UInt64?
    @OptionGroup var read: ReadOptions

    func run() async throws {
        let epoch = try await read.client.object("consensus_getValidators", height.map { [.uint64($0)] } ?? [])
        switch read.output {
        case .json: print(epoch.rendered())
        case .text: for line in Self.textLines(epoch) { print(line) }
        }
    }

    static func textLines(_ epoch: JSON) -> [String] {
        var lines = [
            "validators deciding height \(epoch["height"]?.text ?? "?") (this set since height \(epoch["firstHeight"]?.text ?? "?")): "
                + "\(epoch["count"]?.text ?? "?") validators, quorum \(epoch["quorum"]?.text ?? "?"), "
                + "tolerates \(epoch["faultsTolerated"]?.text ?? "?") faulty",
            "  set hash \(epoch["validatorsHash"]?.text ?? "?")",
        ]
        for validator in epoch["validators"]?.array ?? [] {
            lines.append(
                "  \(validator["index"]?.text ?? "?")  \(validator["name"]?.text ?? "?")  \(validator["department"]?.text ?? "?")  "
                    + "key \(validator["publicKey"]?.text ?? "?")  address \(validator["address"]?.text ?? "?")")
        }
        return lines
    }
}

/// `sbp nodes`: every registered node with its role and the endpoints peers dial (`membership_getNodes`).
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "Every registered node: validators and observers, with the endpoints on chain that peers dial.")
    @OptionGroup var read: ReadOptions

    func run() async throws {
        let nodes = try await read.client.call("membership_getNodes")
        switch read.output {
        case .json: print(nodes.rendered())
        case .text:
            for node in nodes.array ?? [] {
                let endpoints = (node["endpoints"]?.array ?? []).compactMap(\.text)
                print(
                    "\(node["name"]?.text ?? "?")  \(node["department"]?.text ?? "?")  \(node["role"]?.text ?? "?")  "
                        + (endpoints.isEmpty ? "(no endpoints on chain)" : endpoints.joined(separator: " ")))
            }
        }
    }
}
