import ArgumentParser
import ChainTypes
import ContractVM
import Keys
import NetworkSetup
import Node

/// `sbp governance propose <change>`: one subcommand per kind of `ProposalChange` (`docs/ledger.md` §7.5).
///
/// Each subcommand builds its change from options and files (`change()`, checked here as far as possible
/// without the chain), then `ProposalOptions.submit` signs and sends it.
struct GovernancePropose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose", abstract: "Open a governance proposal; your department votes yes by proposing.",
        subcommands: [
            ProposeAddDepartment.self, ProposeRemoveDepartment.self, ProposeAddValidator.self, ProposeRemoveValidator.self,
            ProposeRotateValidator.self, ProposeRevokeCertificate.self, ProposeUpgradeContract.self, ProposeConsensusParameters.self,
            ProposeGovernanceParameters.self, ProposeProtocolVersion.self,
        ])
}

/// Checks an identifier (department id, validator or contract name) the way the chain bounds it.
private func checkedIdentifier(_ text: String, option: String) throws -> String {
    guard !text.isEmpty, text.utf8.count <= Limits.identifierBytesMax else {
        throw ValidationError("\(option) must be 1...\(Limits.identifierBytesMax) bytes")
    }
    return text
}

struct ProposeAddDepartment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-department",
        abstract: "Add a department: from its join request (`sbp department init`), or its admin keys and CA certificate.")

    @Option(help: ArgumentHelp("The department's join-request.json from `sbp department init`.", valueName: "file"))
    var request: String?
    @Option(help: "The new department's id (e.g. LD).") var id: String?
    @Option(help: "Its full name.") var name: String?
    @Option(
        name: .customLong("admin-key"),
        help: "An admin's secp256k1 public key in hex (`sbp keys show`); repeat for several (1...\(SetupLimits.adminKeysMax)).",
        transform: ArgumentTransforms.publicKey)
    var adminKeys: [PublicKey] = []
    @Option(help: ArgumentHelp("The department's CA certificate (PEM).", valueName: "file")) var caCertificate: String?
    @OptionGroup var proposal: ProposalOptions

    func validate() throws {
        if request != nil {
            guard id == nil, name == nil, adminKeys.isEmpty, caCertificate == nil else {
                throw ValidationError("--request replaces --id, --name, --admin-key and --ca-certificate; give one or the other")
            }
            return
        }
        guard let id, let name, caCertificate != nil else {
            throw ValidationError("give --request FILE, or --id, --name, --admin-key and --ca-certificate")
        }
        _ = try checkedIdentifier(id, option: "--id")
        guard (1...SetupLimits.adminKeysMax).contains(adminKeys.count) else {
            throw ValidationError("give 1...\(SetupLimits.adminKeysMax) --admin-key values")
        }
        guard name.utf8.count <= Limits.nameBytesMax else { throw ValidationError("--name is longer than \(Limits.nameBytesMax) bytes") }
    }

    func change() throws -> ProposalChange {
        if let request { return try JoinRequest.load(file: request).proposalChange }
        let ca = try CertificatePEM.read(caCertificate ?? "", what: "CA certificate")
        return .addDepartment(id: id ?? "", name: name ?? "", adminKeys: adminKeys.map(\.compressed), caCertificate: ca.pem)
    }

    func run() async throws { try await proposal.submit(try change()) }
}

struct ProposeRemoveDepartment: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-department", abstract: "Remove a department: its validators leave the set, its accounts stop.")
    @Option(help: "The department's id.") var id: String
    @OptionGroup var proposal: ProposalOptions

    func change() throws -> ProposalChange { .removeDepartment(id: try checkedIdentifier(id, option: "--id")) }
    func run() async throws { try await proposal.submit(try change()) }
}

struct ProposeAddValidator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-validator",
        abstract: "Add a validator node of a department: from its registration (`sbp node init`), or its keys and certificate.")
    @Option(help: ArgumentHelp("The node's registration.json from `sbp node init`.", valueName: "file")) var request: String?
    @Option(help: "The validator's node name.") var name: String?
    @Option(help: "Its department's id.") var department: String?
    @Option(help: "Its consensus public key in hex.", transform: ArgumentTransforms.publicKey) var consensusKey: PublicKey?
    @Option(help: ArgumentHelp("Its TLS certificate (PEM), issued by the department's CA.", valueName: "file")) var tlsCertificate: String?
    @OptionGroup var proposal: ProposalOptions

    func validate() throws {
        let fields = [name != nil, department != nil, consensusKey != nil, tlsCertificate != nil]
        if request != nil {
            guard !fields.contains(true) else {
                throw ValidationError(
                    "--request replaces --name, --department, --consensus-key and --tls-certificate; give one or the other")
            }
        } else if fields.contains(false) {
            throw ValidationError("give --request FILE, or --name, --department, --consensus-key and --tls-certificate")
        }
    }

    func change() throws -> ProposalChange {
        if let request {
            let registration = try NodeRegistration.load(file: request)
            guard registration.role == .validator else {
                throw CommandError(
                    "\(request) registers an observer, which needs no vote: its admin runs `sbp node register-observer --registration \(request)`"
                )
            }
            return registration.proposalChange
        }
        let tls = try CertificatePEM.read(tlsCertificate ?? "", what: "TLS certificate")
        return .addValidator(
            name: try checkedIdentifier(name ?? "", option: "--name"),
            department: try checkedIdentifier(department ?? "", option: "--department"), consensusKey: consensusKey?.compressed ?? [],
            tlsCertificate: tls.pem)
    }

    func run() async throws { try await proposal.submit(try change()) }
}

struct ProposeRemoveValidator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove-validator", abstract: "Remove a validator from the set.")
    @Option(help: "The validator's node name.") var name: String
    @OptionGroup var proposal: ProposalOptions

    func change() throws -> ProposalChange { .removeValidator(name: try checkedIdentifier(name, option: "--name")) }
    func run() async throws { try await proposal.submit(try change()) }
}

struct ProposeRotateValidator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-validator", abstract: "Replace a validator's consensus key and TLS certificate.")
    @Option(help: "The validator's node name.") var name: String
    @Option(help: "The new consensus public key in hex.", transform: ArgumentTransforms.publicKey) var consensusKey: PublicKey
    @Option(help: ArgumentHelp("The new TLS certificate (PEM).", valueName: "file")) var tlsCertificate: String
    @OptionGroup var proposal: ProposalOptions

    func change() throws -> ProposalChange {
        let tls = try CertificatePEM.read(tlsCertificate, what: "TLS certificate")
        return .rotateValidator(
            name: try checkedIdentifier(name, option: "--name"), consensusKey: consensusKey.compressed, tlsCertificate: tls.pem)
    }

    func run() async throws { try await proposal.submit(try change()) }
}

struct ProposeRevokeCertificate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-certificate", abstract: "Revoke a node's TLS certificate; live links using it are closed.")
    @Option(help: ArgumentHelp("The certificate to revoke (PEM).", valueName: "file")) var certificate: String?
    @Option(help: "Or its SHA-256 fingerprint (of the DER) in hex.", transform: ArgumentTransforms.hash) var digest: Hash?
    @OptionGroup var proposal: ProposalOptions

    func validate() throws {
        guard (certificate == nil) != (digest == nil) else { throw ValidationError("give exactly one of --certificate or --digest") }
    }

    func change() throws -> ProposalChange {
        if let digest { return .revokeCertificate(certificateDigest: digest) }
        return .revokeCertificate(certificateDigest: try CertificatePEM.read(certificate ?? "", what: "certificate").fingerprint)
    }

    func run() async throws { try await proposal.submit(try change()) }
}

struct ProposeUpgradeContract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upgrade-contract", abstract: "Install or replace a standard contract's code (its storage is kept).")
    @Option(help: "The standard contract's name (e.g. licence_registry).") var name: String
    @Option(help: ArgumentHelp("The new WebAssembly module.", valueName: "file")) var wasm: String
    @Option(help: "Its address (default: the standard address for --name).", transform: ArgumentTransforms.address) var address: Address?
    @OptionGroup var proposal: ProposalOptions

    func change() throws -> ProposalChange {
        let code = try ArgumentTransforms.readFile(wasm, what: "contract module")
        do {
            _ = try ContractModule(code: code)
        } catch {
            throw CommandError("\(wasm) would be refused: \(error)")
        }
        let name = try checkedIdentifier(name, option: "--name")
        return .upgradeContract(name: name, address: address ?? StandardContracts.address(name: name), code: code)
    }

    func run() async throws { try await proposal.submit(try change()) }
}

struct ProposeConsensusParameters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus-params", abstract: "Change consensus parameters; the ones not given keep their current values.")
    @OptionGroup var overrides: ConsensusParameterOverrides
    @OptionGroup var proposal: ProposalOptions

    func validate() throws {
        guard !overrides.isEmpty else { throw ValidationError("give at least one parameter to change (see --help)") }
    }

    func run() async throws {
        try await proposal.submitParameters(
            "consensus", parse: ConsensusParameterOverrides.parse, apply: overrides.applied,
            validate: { parameters throws(GenesisError) in try parameters.validate() },
            change: ProposalChange.setConsensusParameters)
    }
}

struct ProposeGovernanceParameters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "governance-params", abstract: "Change governance parameters; the ones not given keep their current values.")
    @OptionGroup var overrides: GovernanceParameterOverrides
    @OptionGroup var proposal: ProposalOptions

    func validate() throws {
        guard !overrides.isEmpty else { throw ValidationError("give at least one parameter to change (see --help)") }
    }

    func run() async throws {
        try await proposal.submitParameters(
            "governance", parse: GovernanceParameterOverrides.parse, apply: overrides.applied,
            validate: { parameters throws(GenesisError) in try parameters.validate() },
            change: ProposalChange.setGovernanceParameters)
    }
}

struct ProposeProtocolVersion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocol-version", abstract: "Raise the protocol version (it must be higher than the current one).")
    @Argument(help: "The new protocol version.") var protocolVersion: UInt32
    @OptionGroup var proposal: ProposalOptions

    func run() async throws { try await proposal.submit(.setProtocolVersion(protocolVersion)) }
}
