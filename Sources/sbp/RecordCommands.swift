import ArgumentParser
import ChainTypes
import ContractVM
import Foundation
import Keys
import Node

/// Options every transaction-sending command shares: the node, the signing key, fuel.
struct SenderOptions: ParsableArguments {
    @Option(help: "JSON-RPC URL of a node.")
    var rpc = "http://127.0.0.1:8545"

    @Option(help: "The sender's key file (plaintext hex, mode 0600, as `sbp network init` writes in accounts/).")
    var key: String

    @Option(help: "Fuel limit of the transaction.")
    var fuel: UInt64 = 10_000_000

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text
}

/// Salted digests of personal data, computed on the caller's machine (DESIGN §6: no personal data on chain).
///
/// The digest is SHA-256 over a fixed label, the salt and the input, each length-prefixed; the salt never
/// leaves this process, and without it nobody can test a guess of the identity against the chain.
enum SaltedDigest {
    static func of(input: [UInt8], salt: String) -> Hash {
        var encoder = CanonicalEncoder()
        encoder.write(text: "sbp/salted-digest")
        encoder.write(text: salt)
        encoder.write(bytes: input)
        return Hash.sha256(encoder.bytes)
    }

    /// The digest of `--holder TEXT` or `--holder-file PATH`.
    static func of(text: String?, file: String?, salt: String, what: String) throws -> Hash {
        if let file {
            return of(input: Array(try Data(contentsOf: URL(fileURLWithPath: file))), salt: salt)
        }
        guard let text else { throw CommandError("give the \(what) as text or as a file") }
        return of(input: Array(text.utf8), salt: salt)
    }
}

/// Builds, signs and submits contract calls through JSON-RPC, waiting for the receipt.
struct ContractClient {
    let client: JSONRPCClient
    let contract: Address

    init(rpc: String, contract: Address) {
        client = JSONRPCClient(url: rpc)
        self.contract = contract
    }

    /// The contract's interface, as the node knows it (`contract_getInfo`).
    func interface() async throws -> ContractInterface {
        guard let info = try await client.call("contract_getInfo", params: [contract.description]) as? [String: Any],
            let interface = info["interface"], !(interface is NSNull)
        else { throw CommandError("the node has no interface description for \(contract)") }
        let data = try JSONSerialization.data(withJSONObject: interface)
        return try JSONDecoder().decode(ContractInterface.self, from: data)
    }

    /// Signs `method(arguments)` with the key in `options.key`, submits it and waits for its receipt.
    func send(_ method: String, _ arguments: [String], options: SenderOptions) async throws -> [String: Any] {
        let key: PrivateKey
        do {
            key = try KeyFile.readPlaintext(options.key)
        } catch {
            throw CommandError("\(error)")
        }
        let input = try ABICodec(interface: try await interface()).encodeCall(method: method, arguments: arguments)
        guard let status = try await client.call("node_status", params: []) as? [String: Any],
            let chainId = status["chainId"] as? String
        else { throw CommandError("node_status gave no chain id") }
        let latest = Self.uint64(status["latestHeight"]) ?? 0
        guard let account = try await client.call("membership_getAccount", params: [key.address.description]) as? [String: Any] else {
            throw CommandError("\(key.address) is not a registered account")
        }
        let body = TransactionBody(
            chainId: chainId, sender: key.address, nonce: Self.uint64(account["nonce"]) ?? 0, kind: .call,
            payload: CallPayload(contract: contract, input: input).canonicalBytes, fuelLimit: options.fuel, expiryHeight: latest + 1000)
        let transaction = try Transaction(signing: body, with: key)
        if options.output == .text { print("submitted \(transaction.hash), waiting for a block...") }
        guard
            let receipt = try await client.call(
                "tx_sendAndWait", params: ["0x" + Hex.encode(transaction.canonicalBytes), 30_000]) as? [String: Any]
        else { throw CommandError("no receipt") }
        return receipt
    }

    /// A read-only call (`contract_call`), the node decoding the result through the contract's interface.
    func query(_ method: String, _ arguments: [String]) async throws -> [String: Any] {
        let input: [String: Any] = ["method": method, "args": arguments]
        guard let result = try await client.call("contract_call", params: [contract.description, input]) as? [String: Any] else {
            throw CommandError("contract_call returned nothing")
        }
        return result
    }

    static func uint64(_ value: Any?) -> UInt64? {
        if let number = value as? Int { return UInt64(exactly: number) }
        if let number = value as? UInt64 { return number }
        if let text = value as? String { return UInt64(text) }
        return nil
    }

    /// Prints a receipt (text or JSON) and fails the command unless it succeeded.
    static func report(_ receipt: [String: Any], output: OutputFormat) throws {
        let status = receipt["status"] as? String ?? "unknown"
        switch output {
        case .json:
            let data = try JSONSerialization.data(withJSONObject: receipt, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print("\(status) in block \(receipt["height"] ?? "?") (fuel \(receipt["fuelUsed"] ?? "?"))")
            if let message = receipt["errorMessage"] as? String { print("  \(message)") }
            for case let event as [String: Any] in receipt["events"] as? [Any] ?? [] {
                print("  event \(event["topic"] ?? "?") \(event["decoded"].map { "\($0)" } ?? "")")
            }
        }
        guard status == "success" else { throw ExitCode(1) }
    }

    static func printJSON(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
        print(String(decoding: data, as: UTF8.self))
    }
}

// MARK: - Licences

/// `sbp licence`: the licence registry's workflows (DESIGN §6).
struct LicenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "licence", abstract: "Issue, change, verify and trace licences in the licence registry.",
        subcommands: [
            LicenceIssue.self, LicenceChange.Renew.self, LicenceChange.Suspend.self, LicenceChange.Reinstate.self,
            LicenceChange.Revoke.self, LicenceTransfer.self, LicenceVerify.self, LicenceHistory.self,
        ])

    static var registry: Address { StandardContracts.address(name: "licence_registry") }
}

/// The holder of a licence: text or a file, digested with a salt that stays local.
struct HolderOptions: ParsableArguments {
    @Option(help: "The holder's identity (hashed locally with --salt; never sent).")
    var holder: String?

    @Option(help: "A file holding the holder's identity (hashed locally with --salt).")
    var holderFile: String?

    @Option(help: "The salt for the holder digest; keep it to verify later. It never leaves this machine.")
    var salt: String

    func digest() throws -> Hash {
        try SaltedDigest.of(text: holder, file: holderFile, salt: salt, what: "holder (--holder or --holder-file)")
    }
}

struct LicenceIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue a licence (issuers of your department).")
    @Option(help: "Licence id.") var id: String
    @Option(help: "Licence type.") var type: String
    @OptionGroup var holder: HolderOptions
    @Option(help: "Valid from (seconds or any u64 the department uses consistently).") var validFrom: UInt64
    @Option(help: "Valid until (same unit).") var validUntil: UInt64
    @Option(help: "Conditions text.") var conditions = ""
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let arguments = [id, type, try holder.digest().hex, "\(validFrom)", "\(validUntil)", conditions]
        let receipt = try await ContractClient(rpc: sender.rpc, contract: LicenceCommand.registry).send("issue", arguments, options: sender)
        try ContractClient.report(receipt, output: sender.output)
    }
}

enum LicenceChange {
    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "renew", abstract: "Extend a licence's validity.")
        @Option(help: "Licence id.") var id: String
        @Option(help: "New valid-until.") var validUntil: UInt64
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceChange.send("renew", [id, "\(validUntil)"], sender) }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend a licence with a reason.")
        @Option(help: "Licence id.") var id: String
        @Option(help: "Reason.") var reason: String
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceChange.send("suspend", [id, reason], sender) }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reinstate", abstract: "Lift a licence's suspension.")
        @Option(help: "Licence id.") var id: String
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceChange.send("reinstate", [id], sender) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a licence with a reason.")
        @Option(help: "Licence id.") var id: String
        @Option(help: "Reason.") var reason: String
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceChange.send("revoke", [id, reason], sender) }
    }

    static func send(_ method: String, _ arguments: [String], _ sender: SenderOptions) async throws {
        let receipt = try await ContractClient(rpc: sender.rpc, contract: LicenceCommand.registry).send(method, arguments, options: sender)
        try ContractClient.report(receipt, output: sender.output)
    }
}

struct LicenceTransfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "transfer", abstract: "Transfer a licence to a new holder.")
    @Option(help: "Licence id.") var id: String
    @OptionGroup var holder: HolderOptions
    @OptionGroup var sender: SenderOptions
    func run() async throws { try await LicenceChange.send("transfer", [id, try holder.digest().hex], sender) }
}

struct LicenceVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a licence for a holder at a time: valid, expired, suspended, revoked, unknown or holder mismatch.")
    @Option(help: "Licence id.") var id: String
    @OptionGroup var holder: HolderOptions
    @Option(help: "The time to check at (same unit as validFrom/validUntil).") var at: UInt64
    @Option(help: "JSON-RPC URL of a node.") var rpc = "http://127.0.0.1:8545"
    @Option(help: "Output format: text or json.") var output: OutputFormat = .text

    func run() async throws {
        let result = try await ContractClient(rpc: rpc, contract: LicenceCommand.registry)
            .query("verify", [id, try holder.digest().hex, "\(at)"])
        switch output {
        case .json: try ContractClient.printJSON(result)
        case .text:
            let decoded = result["decoded"] as? [String: Any]
            print("licence \(id): \(decoded?["outcome"] ?? result["returnData"] ?? "?")")
        }
    }
}

struct LicenceHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "A licence's record and its full history.")
    @Option(help: "Licence id.") var id: String
    @Option(help: "JSON-RPC URL of a node.") var rpc = "http://127.0.0.1:8545"

    func run() async throws {
        try ContractClient.printJSON(try await JSONRPCClient(url: rpc).call("records_getLicence", params: [id]))
    }
}

// MARK: - Certificates

/// `sbp certificate`: the certificate registry's workflows.
struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate", abstract: "Issue, revoke, verify and read document certificates.",
        subcommands: [CertificateIssue.self, CertificateRevoke.self, CertificateVerify.self, CertificateGet.self])

    static var registry: Address { StandardContracts.address(name: "certificate_registry") }
}

struct DocumentOptions: ParsableArguments {
    @Option(help: "The document file (hashed locally with --salt; never sent).") var documentFile: String
    @Option(help: "The salt for the document digest; it never leaves this machine.") var salt: String
    func digest() throws -> Hash { try SaltedDigest.of(text: nil, file: documentFile, salt: salt, what: "document") }
}

struct CertificateIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue", abstract: "Certify a document's digest.")
    @Option(help: "Certificate id.") var id: String
    @OptionGroup var document: DocumentOptions
    @Option(help: "Certificate type.") var type: String
    @Option(help: "Metadata text (hashed locally with the same salt).") var metadata = ""
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let metadataDigest = SaltedDigest.of(input: Array(metadata.utf8), salt: document.salt)
        let arguments = [id, try document.digest().hex, type, metadataDigest.hex]
        let receipt = try await ContractClient(rpc: sender.rpc, contract: CertificateCommand.registry).send(
            "issue", arguments, options: sender)
        try ContractClient.report(receipt, output: sender.output)
    }
}

struct CertificateRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a certificate with a reason.")
    @Option(help: "Certificate id.") var id: String
    @Option(help: "Reason.") var reason: String
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let receipt = try await ContractClient(rpc: sender.rpc, contract: CertificateCommand.registry)
            .send("revoke", [id, reason], options: sender)
        try ContractClient.report(receipt, output: sender.output)
    }
}

struct CertificateVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Look a document up by its salted digest: issuing department, height, status.")
    @OptionGroup var document: DocumentOptions
    @Option(help: "JSON-RPC URL of a node.") var rpc = "http://127.0.0.1:8545"

    func run() async throws {
        let result = try await ContractClient(rpc: rpc, contract: CertificateCommand.registry)
            .query("verifyDocument", [try document.digest().hex])
        try ContractClient.printJSON(result["decoded"] ?? result)
    }
}

struct CertificateGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "A certificate's record and history.")
    @Option(help: "Certificate id.") var id: String
    @Option(help: "JSON-RPC URL of a node.") var rpc = "http://127.0.0.1:8545"

    func run() async throws {
        try ContractClient.printJSON(try await JSONRPCClient(url: rpc).call("records_getCertificate", params: [id]))
    }
}

// MARK: - Chain

/// `sbp status`: the node's status.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "A node's chain, height, view and peers.")
    @Option(help: "JSON-RPC URL of a node.") var rpc = "http://127.0.0.1:8545"

    func run() async throws { try ContractClient.printJSON(try await JSONRPCClient(url: rpc).call("node_status", params: [])) }
}

/// `sbp block [HEIGHT]`: a block (the latest by default).
struct BlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "A committed block, the latest by default.")
    @Argument(help: "Block height.") var height: UInt64?
    @Option(help: "JSON-RPC URL of a node.") var rpc = "http://127.0.0.1:8545"

    func run() async throws {
        let client = JSONRPCClient(url: rpc)
        var target = height ?? 0
        if height == nil { target = ContractClient.uint64(try await client.call("chain_getLatestHeight", params: [])) ?? 0 }
        try ContractClient.printJSON(try await client.call("chain_getBlockByHeight", params: [target, "hashes"]))
    }
}
