import ArgumentParser
import ChainTypes
import Foundation
import NetworkSetup
import Node

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

/// `sbp node renew-certificate --department DIR --home NODEDIR`: a new TLS certificate for the same node.
struct NodeRenewCertificate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renew-certificate",
        abstract: "Issue a node a new TLS key and certificate from its department's CA (written as tls-next.crt/.key).",
        discussion: """
            Run on the department's machine. The node keeps presenting its current certificate until the chain \
            registers the new one: for a validator, `sbp governance propose rotate-validator --name NAME \
            --consensus-key KEY --tls-certificate NODEDIR/tls-next.crt` (its consensus key unchanged); for an \
            observer, `sbp node rotate-observer NAME --tls-certificate NODEDIR/tls-next.crt`. The running node \
            then moves to it by itself (no restart) and keeps the old pair as tls-previous.crt/.key.
            """)
    @Option(help: ArgumentHelp("The department directory made by `sbp department init` (its CA).", valueName: "dir"))
    var department: String
    @Option(help: ArgumentHelp("The node's directory, holding config.toml.", valueName: "dir")) var home: String
    @Option(help: "Days the new certificate stays valid.") var certificateValidityDays = NodeLimits.certificateValidityDaysDefault
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

    func run() throws {
        let renewed = try CertificateRenewal.run(departmentDirectory: department, nodeHome: home, days: certificateValidityDays)
        switch output {
        case .json: FileHandle.standardOutput.write(Data(try JSONEncoder().encode(renewed)))
        case .text:
            print("renewed TLS certificate of \(renewed.department)/\(renewed.name) (\(renewed.role)): \(renewed.certificateFile)")
            print("fingerprint \(renewed.fingerprint)")
            switch renewed.role {
            case NodeRole.observer.description:
                print("next: sbp node rotate-observer \(renewed.name) --tls-certificate \(renewed.certificateFile) --key ADMIN_KEY")
            default:
                print(
                    "next: sbp governance propose rotate-validator --name \(renewed.name) --consensus-key KEY "
                        + "--tls-certificate \(renewed.certificateFile) --key ADMIN_KEY")
            }
        }
    }
}

/// `sbp node rotate-observer NAME --tls-certificate FILE`: registers an observer's renewed certificate.
struct NodeRotateObserver: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-observer",
        abstract: "Register a renewed TLS certificate for an observer of your department (no vote); the observer moves to it by itself.")
    @Argument(help: "The observer's name.") var name: String
    @Option(help: ArgumentHelp("The renewed certificate (`sbp node renew-certificate` wrote tls-next.crt).", valueName: "file"))
    var tlsCertificate: String
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let certificate = try CertificatePEM.read(tlsCertificate, what: "TLS certificate")
        try await NodeRegistryCommand.submit(.rotateObserver(name: name, tlsCertificate: certificate.pem), sender: sender)
    }
}
