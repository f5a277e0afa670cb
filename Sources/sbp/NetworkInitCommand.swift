import ArgumentParser
import Foundation
import Keys
import NetworkSetup
import Node

/// `sbp network init`: generate a network directory for `--departments` × `--validators-per-department` nodes.
struct NetworkInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate keys, certificates, genesis and one config per node for a new network.",
        discussion: """
            For each department: a P-256 CA, an admin and --issuers-per-department issuer account keys \
            (accounts ID-issuer, ID-issuer-2, …, with the issuer and submitter roles). For each validator: a \
            consensus key and a TLS certificate signed by its department's CA. Writes DIR/genesis.json, \
            DIR/network.json (the manifest), DIR/contracts/ (the standard contracts), \
            DIR/departments/ID/ (CA and department.json, as `sbp department init` writes them), \
            DIR/accounts/ (account keys) and DIR/NODE/config.toml with the node's keys and certificates. \
            Node i listens on the base ports + i, at --host or at the i-th address of --hosts.

            Keys are plaintext hex files with mode 0600 unless --encrypt-keys is given; then the \
            secp256k1 keys are keystore documents (see docs/keystore.md) encrypted under the password from \
            --password-file or $\(PasswordSource.environmentVariable), and nodes read that password from \
            the same variable. Plaintext keys let a devnet start unattended: never use them for a real \
            network. See docs/network-init.md.

            A non-empty DIR is refused; --force replaces a directory that an earlier `sbp network init` made.
            """)

    @Option(
        help: ArgumentHelp(
            "Comma-separated department ids, each optionally ID=Name (e.g. TD,IMMD,EPD,DH).", valueName: "ids"))
    var departments: String

    @Option(help: "Validators (nodes) per department.")
    var validatorsPerDepartment = 1

    @Option(help: "Issuer accounts per department (issuer and submitter roles): ID-issuer, ID-issuer-2, ….")
    var issuersPerDepartment = 1

    @Option(help: ArgumentHelp("Directory to create the network in.", valueName: "dir"))
    var out: String

    @Option(help: "Chain identifier written into genesis.")
    var chainId = "sbp-local"

    @Option(help: "Address every node listens on and is dialed at (default 127.0.0.1).")
    var host: String?

    @Option(
        help: ArgumentHelp(
            "Comma-separated addresses, one per node in department then validator order, instead of --host (nodes on several machines).",
            valueName: "hosts"))
    var hosts: String?

    @Option(help: "P2P port of the first node; node i gets base + i.")
    var p2pBasePort = NodeLimits.p2pBasePortDefault

    @Option(help: "JSON-RPC port of the first node; node i gets base + i (it also serves /metrics and /healthz).")
    var rpcBasePort = NodeLimits.rpcBasePortDefault

    @Option(help: ArgumentHelp("Directory with the standard contracts' .wasm modules.", valueName: "dir"))
    var contracts = "Genesis/contracts"

    @Option(help: ArgumentHelp("Genesis time in milliseconds since 1970 (default: now).", valueName: "ms"))
    var genesisTimeMs: UInt64?

    @Option(help: "Days the CA and node certificates stay valid.")
    var certificateValidityDays = NodeLimits.certificateValidityDaysDefault

    @Flag(help: "Encrypt the secp256k1 keys into keystore documents instead of writing them in plaintext (mode 0600).")
    var encryptKeys = false

    @Option(help: ArgumentHelp("With --encrypt-keys: file whose first line is the password.", valueName: "file"))
    var passwordFile: String?

    @Flag(help: "Replace an earlier network in the output directory.")
    var force = false

    @Option(help: "Output format: text or json (the manifest).")
    var output: OutputFormat = .text

    func validate() throws {
        if passwordFile != nil && !encryptKeys { throw ValidationError("--password-file needs --encrypt-keys") }
        if host != nil && hosts != nil {
            throw ValidationError("--host and --hosts are exclusive: give one address for all nodes, or one per node")
        }
    }

    func run() throws {
        var keyStorage = KeyStorage.plaintext
        if encryptKeys {
            let password = try PasswordSource.read(file: passwordFile, confirm: true)
            keyStorage = .keystore(password: password, parameters: .standard)
        }
        let options = NetworkOptions(
            departments: NetworkOptions.DepartmentSpec.parse(list: departments), validatorsPerDepartment: validatorsPerDepartment,
            issuersPerDepartment: issuersPerDepartment, outputDirectory: out, chainId: chainId, host: host ?? "127.0.0.1",
            hosts: hosts.map(NetworkOptions.parse(hosts:)),
            p2pBasePort: p2pBasePort, rpcBasePort: rpcBasePort,
            contractsDirectory: contracts, genesisTimeMs: genesisTimeMs, certificateValidityDays: certificateValidityDays,
            keyStorage: keyStorage, force: force)
        let manifest = try NetworkInitializer.run(options)
        switch output {
        case .json:
            FileHandle.standardOutput.write(manifest.encoded())
        case .text:
            print("network \(manifest.chainId) in \(out)")
            print("genesis \(manifest.genesisHash)")
            for node in manifest.nodes {
                print("\(node.name)\t\(node.department)\tp2p \(node.p2pAddress)\trpc \(node.rpcURL)\t\(node.configFile)")
            }
            if manifest.keyStorage == .plaintext {
                print("keys are plaintext files (mode 0600): for development networks only")
            }
        }
    }
}
