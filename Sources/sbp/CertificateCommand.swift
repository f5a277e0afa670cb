import ArgumentParser
import ChainTypes
import Node

/// `sbp certificate`: the certificate registry's workflows (`docs/contracts.md` §5).
struct CertificateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificate", abstract: "Issue, revoke, verify and read document certificates.",
        subcommands: [CertificateIssue.self, CertificateRevoke.self, CertificateVerify.self, CertificateGet.self])

    static var registry: Address { StandardContracts.address(name: "certificate_registry") }

    static func send(_ method: String, _ arguments: [String], _ sender: SenderOptions) async throws {
        let signer = try TransactionSender(options: sender)
        let target = try await ContractTarget.resolve(registry, interfaceFile: nil, client: sender.client)
        try await ContractCall.send(target, method: method, arguments: arguments, signer: signer)
    }
}

struct DocumentOptions: ParsableArguments {
    @Option(help: "The document file (hashed locally with --salt; never sent).") var documentFile: String
    @Option(help: "The salt for the document digest; it never leaves this machine.") var salt: String
    func digest() throws -> Hash { try LocalDigest.of(text: nil, file: documentFile, salt: salt, what: "document") }
}

struct CertificateIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue", abstract: "Certify a document's digest.")
    @Option(help: "Certificate id.") var id: String
    @OptionGroup var document: DocumentOptions
    @Option(help: "Certificate type.") var type: String
    @Option(help: "Metadata text (hashed locally with the same salt).") var metadata = ""
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let metadataDigest = LocalDigest.of(input: Array(metadata.utf8), salt: document.salt)
        try await CertificateCommand.send("issue", [id, try document.digest().hex, type, metadataDigest.hex], sender)
    }
}

struct CertificateRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a certificate with a reason.")
    @Option(help: "Certificate id.") var id: String
    @Option(help: "Reason.") var reason: String
    @OptionGroup var sender: SenderOptions

    func run() async throws { try await CertificateCommand.send("revoke", [id, reason], sender) }
}

struct CertificateVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Look a document up by its salted digest: status, certificate id, department, type, height.")
    @OptionGroup var document: DocumentOptions
    @OptionGroup var read: ReadOptions

    func run() async throws {
        let result = try await ContractQuery.query(
            CertificateCommand.registry, method: "verifyDocument", arguments: [try document.digest().hex], client: read.client)
        try ContractQuery.print(result, output: read.output)
    }
}

struct CertificateGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "A certificate's record and history.")
    @Option(help: "Certificate id.") var id: String
    @OptionGroup var read: ReadOptions

    func run() async throws { try await RecordReport.show("records_getCertificate", id: id, what: "certificate", read: read) }
}
