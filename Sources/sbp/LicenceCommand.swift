import ArgumentParser
import ChainTypes
import Node

/// `sbp licence`: the licence registry's workflows (DESIGN §6, `docs/contracts.md` §5).
struct LicenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "licence", abstract: "Issue, change, verify and trace licences in the licence registry.",
        subcommands: [
            LicenceIssue.self, LicenceChange.Renew.self, LicenceChange.Suspend.self, LicenceChange.Reinstate.self,
            LicenceChange.Revoke.self, LicenceTransfer.self, LicenceVerify.self, LicenceHistory.self,
        ])

    static var registry: Address { StandardContracts.address(name: "licence_registry") }

    /// Calls the registry's `method` in a signed transaction (the node knows the registry's interface).
    static func send(_ method: String, _ arguments: [String], _ sender: SenderOptions) async throws {
        let signer = try TransactionSender(options: sender)
        let target = try await ContractTarget.resolve(registry, interfaceFile: nil, client: sender.client)
        try await ContractCall.send(target, method: method, arguments: arguments, signer: signer)
    }
}

/// The holder of a licence: text or a file, digested with a salt that stays local.
struct HolderOptions: ParsableArguments {
    @Option(help: "The holder's identity (hashed locally with --salt; never sent).")
    var holder: String?

    @Option(help: "A file holding the holder's identity (hashed locally with --salt).")
    var holderFile: String?

    @Option(help: "The salt for the holder digest; keep it to verify later. It never leaves this machine.")
    var salt: String

    func validate() throws {
        guard (holder == nil) != (holderFile == nil) else { throw ValidationError("give exactly one of --holder or --holder-file") }
    }

    func digest() throws -> Hash {
        try LocalDigest.of(text: holder, file: holderFile, salt: salt, what: "holder (--holder or --holder-file)")
    }
}

struct LicenceIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue a licence (issuers of your department).")
    @Option(help: "Licence id.") var id: String
    @Option(help: "Licence type.") var type: String
    @OptionGroup var holder: HolderOptions
    @Option(help: "Valid from (seconds, or any u64 unit the department uses consistently).") var validFrom: UInt64
    @Option(help: "Valid until (same unit).") var validUntil: UInt64
    @Option(help: "Conditions text.") var conditions = ""
    @OptionGroup var sender: SenderOptions

    func run() async throws {
        try await LicenceCommand.send("issue", [id, type, try holder.digest().hex, "\(validFrom)", "\(validUntil)", conditions], sender)
    }
}

enum LicenceChange {
    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "renew", abstract: "Extend a licence's validity.")
        @Option(help: "Licence id.") var id: String
        @Option(help: "New valid-until.") var validUntil: UInt64
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceCommand.send("renew", [id, "\(validUntil)"], sender) }
    }

    struct Suspend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend a licence with a reason.")
        @Option(help: "Licence id.") var id: String
        @Option(help: "Reason.") var reason: String
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceCommand.send("suspend", [id, reason], sender) }
    }

    struct Reinstate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reinstate", abstract: "Lift a licence's suspension.")
        @Option(help: "Licence id.") var id: String
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceCommand.send("reinstate", [id], sender) }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a licence with a reason.")
        @Option(help: "Licence id.") var id: String
        @Option(help: "Reason.") var reason: String
        @OptionGroup var sender: SenderOptions
        func run() async throws { try await LicenceCommand.send("revoke", [id, reason], sender) }
    }
}

struct LicenceTransfer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "transfer", abstract: "Transfer a licence to a new holder.")
    @Option(help: "Licence id.") var id: String
    @OptionGroup var holder: HolderOptions
    @OptionGroup var sender: SenderOptions
    func run() async throws { try await LicenceCommand.send("transfer", [id, try holder.digest().hex], sender) }
}

struct LicenceVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a licence for a holder at a time: valid, expired, suspended, revoked, unknown, holderMismatch or notYetValid.")
    @Option(help: "Licence id.") var id: String
    @OptionGroup var holder: HolderOptions
    @Option(help: "The time to check at (same unit as --valid-from/--valid-until).") var at: UInt64
    @OptionGroup var read: ReadOptions

    func run() async throws {
        let result = try await ContractQuery.query(
            LicenceCommand.registry, method: "verify", arguments: [id, try holder.digest().hex, "\(at)"], client: read.client)
        switch read.output {
        case .json: print(result.rendered())
        case .text:
            if let outcome = result["decoded"]?["outcome"] {
                print("licence \(id): \(outcome.text)")
            } else {
                for line in ContractQuery.textLines(result) { print(line) }
            }
        }
        guard result["status"]?.string == "success" else { throw ExitCode.failure }
    }
}

struct LicenceHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "A licence's record and its full history.")
    @Option(help: "Licence id.") var id: String
    @OptionGroup var read: ReadOptions

    func run() async throws { try await RecordReport.show("records_getLicence", id: id, what: "licence", read: read) }
}

/// Prints a record and its history (`records_getLicence`, `records_getCertificate`).
enum RecordReport {
    static func show(_ method: String, id: String, what: String, read: ReadOptions) async throws {
        guard let record = try await read.client.object(method, [.string(id)], nilOn: RPCClientError.notFoundCode) else {
            throw CommandError("no \(what) with id \(id)")
        }
        switch read.output {
        case .json: print(record.rendered())
        case .text: for line in textLines(record) { print(line) }
        }
    }

    static func textLines(_ record: JSON) -> [String] {
        var lines = ["\(record["kind"]?.text ?? "record") \(record["id"]?.text ?? "?") at height \(record["height"]?.text ?? "?")"]
        let fields = record["record"]?.object ?? [:]
        for key in fields.keys.sorted() { lines.append("  \(key): \(fields[key]?.text ?? "")") }
        lines.append("history:")
        for event in record["history"]?.array ?? [] {
            let decoded = event["decoded"].flatMap { $0.isNull ? nil : $0.text } ?? ""
            lines.append(
                "  height \(event["height"]?.text ?? "?") \(event["topic"]?.text ?? "?") \(decoded) (transaction \(event["transactionHash"]?.text ?? "?"))"
            )
        }
        return lines
    }
}
