import ArgumentParser
import ChainTypes
import NetworkSetup

/// Signs and sends a `node` transaction with the admin key in `sender` (`docs/ledger.md` §6.5).
enum NodeRegistryCommand {
    static func submit(_ action: NodeAction, sender: SenderOptions) async throws {
        try await TransactionSender(options: sender).run(
            .node, payload: action.canonicalBytes,
            announce: { _ in "node \(PayloadSummary.node(action)["action"]?.text ?? "") \(action.name)..." })
    }

    /// `host:port` endpoints, checked here with the rules the chain applies.
    static func checked(_ endpoints: [String]) throws -> [String] {
        if let problem = NodeEndpoints.problem(list: endpoints) { throw ValidationError(problem) }
        return endpoints
    }
}

/// `sbp node set-endpoints NAME --endpoint HOST:PORT …`: where peers reach one of the department's nodes.
struct NodeSetEndpoints: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-endpoints",
        abstract: "Put a node's endpoints on chain (a validator or observer of your department); every node redials, no restart.")
    @Argument(help: "The node's name.") var name: String
    @Option(
        name: .customLong("endpoint"),
        help: ArgumentHelp(
            "An address peers reach the node at; repeat for more (at most \(Limits.nodeEndpointsMax)).", valueName: "host:port"))
    var endpoints: [String] = []
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        try await NodeRegistryCommand.submit(
            .setEndpoints(name: name, endpoints: try NodeRegistryCommand.checked(endpoints)), sender: sender)
    }
}

/// `sbp node register-observer --registration FILE`: the department admin registers its observer, no vote.
struct NodeRegisterObserver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register-observer",
        abstract: "Register an observer node of your department from its registration.json (no vote: observers never count).")
    @Option(help: ArgumentHelp("The registration.json `sbp node init --role observer` wrote.", valueName: "file"))
    var registration: String
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let loaded = try NodeRegistration.load(file: registration)
        guard loaded.role == .observer else {
            throw CommandError(
                "\(registration) registers a validator, which joins by a governance vote: sbp governance propose add-validator")
        }
        try await NodeRegistryCommand.submit(loaded.observerRegistration, sender: sender)
    }
}

/// `sbp node remove-observer NAME`: the department admin removes its observer; peers close its links.
struct NodeRemoveObserver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-observer", abstract: "Remove an observer node of your department; its links close within one block.")
    @Argument(help: "The observer's name.") var name: String
    @OptionGroup var sender: SenderOptions

    func run() async throws { try await NodeRegistryCommand.submit(.removeObserver(name: name), sender: sender) }
}

extension NodeRegistration.Role: ExpressibleByArgument {}
