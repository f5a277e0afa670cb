import ArgumentParser
import Foundation
import NetworkSetup
import Node

/// `sbp node init`: a node's keys, certificate, config and registration, made on its department's machine.
struct NodeInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate a node's keys, a TLS certificate from the department CA, config.toml and registration.json.",
        discussion: """
            Reads the department directory of `sbp department init` and the network's genesis (with its \
            contracts beside it); writes NODEDIR/config.toml, the consensus key (NODEDIR/keystore/consensus.json, \
            encrypted; the node reads the password from $\(PasswordSource.environmentVariable) or \
            keys.keystore_password_file), NODEDIR/tls.crt and tls.key, a copy of the genesis and contracts, \
            and NODEDIR/registration.json. Send only registration.json to the network: an admin proposes it \
            with `sbp governance propose add-validator --request FILE`. The node listens on --endpoint and \
            first dials the --bootstrap addresses. With --role observer the node follows the chain and serves             JSON-RPC without voting; its own department's admin registers it with             `sbp node register-observer --registration FILE` (no vote).
            """)

    @Option(help: ArgumentHelp("The department directory made by `sbp department init`.", valueName: "dir")) var department: String
    @Option(help: "The node's name (its validator name and certificate CN), e.g. ld-1.") var name: String
    @Option(help: ArgumentHelp("The network's genesis.json, with its contracts/ beside it.", valueName: "file")) var genesis: String
    @Option(help: ArgumentHelp("Where the node listens for and is reached by peers.", valueName: "host:port")) var endpoint: String
    @Option(
        help: ArgumentHelp("Comma-separated addresses of running nodes to dial first.", valueName: "host:port[,…]"),
        transform: { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } })
    var bootstrap: [String]
    @Option(help: "Address the JSON-RPC server listens on.") var rpcHost = "127.0.0.1"
    @Option(help: "Port of the JSON-RPC server (it also serves /metrics and /healthz).") var rpcPort = NodeLimits.rpcBasePortDefault
    @Option(help: ArgumentHelp("Directory to create (must not exist or be empty).", valueName: "dir")) var out: String
    @Option(help: "Days the TLS certificate stays valid.") var certificateValidityDays = NodeLimits.certificateValidityDaysDefault
    @OptionGroup var keys: SetupKeyOptions
    @Option(help: "Output format: text or json (the registration).") var output: OutputFormat = .text
    @Option(help: "validator (joins by a governance vote) or observer (registered by its department, never votes).")
    var role: NodeRegistration.Role = .validator

    func run() throws {
        var options = NodeOptions(
            departmentDirectory: department, name: name, genesisFile: genesis, endpoint: endpoint, bootstrap: bootstrap,
            rpcHost: rpcHost, rpcPort: rpcPort, outputDirectory: out, certificateValidityDays: certificateValidityDays,
            keyStorage: try keys.keyStorage())
        options.role = role
        let registration = try NodeInitializer.run(options)
        switch output {
        case .json: FileHandle.standardOutput.write(Data(try JSONEncoder().encode(registration)))
        case .text:
            print("node \(registration.name) of \(registration.department) (\(registration.role.rawValue)) in \(out)")
            print("chain \(registration.chainId) genesis \(registration.genesisHash)")
            print("p2p \(registration.endpoints.p2p)\tconsensus key \(registration.consensusPublicKey)")
            print("registration: \((out as NSString).appendingPathComponent(NodeRegistration.fileName)) (send only this file)")
        }
    }
}
