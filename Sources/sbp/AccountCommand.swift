import ArgumentParser
import ChainTypes
import Keys

/// `sbp account`: a department admin manages its own department's accounts (DESIGN §5,
/// `docs/ledger.md` §6.3); `show` reads any account.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Register, suspend, reinstate and change the roles of your department's accounts; show an account.",
        subcommands: [AccountAdd.self, AccountSuspend.self, AccountReinstate.self, AccountRoles.self, AccountShow.self])

    /// Signs and sends an account action with the admin key in `sender`.
    static func submit(_ action: AccountAction, sender: SenderOptions) async throws {
        try await TransactionSender(options: sender).run(
            .account, payload: action.canonicalBytes,
            announce: { _ in "account \(PayloadSummary.account(action)["action"]?.text ?? "") \(action.address)..." })
    }
}

/// The account an action is about: an address, or a public key whose address it is.
struct AccountTarget: ParsableArguments {
    @Argument(help: "The account's address.", transform: ArgumentTransforms.address)
    var address: Address?

    @Option(help: "Or its secp256k1 public key in hex (`sbp keys show`).", transform: ArgumentTransforms.publicKey)
    var publicKey: PublicKey?

    func validate() throws {
        guard (address == nil) != (publicKey == nil) else { throw ValidationError("give the account's ADDRESS or --public-key, not both") }
    }

    var resolved: Address {
        guard let resolved = address ?? publicKey?.address else { preconditionFailure("validate() requires an address or a key") }
        return resolved
    }
}

struct AccountAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Register an account in your department with roles.")
    @OptionGroup var target: AccountTarget
    @Option(help: "Comma-separated roles: admin, issuer, submitter, auditor.", transform: ArgumentTransforms.roles)
    var roles: [Genesis.Role]
    @OptionGroup var sender: SenderOptions

    func run() async throws { try await AccountCommand.submit(.add(address: target.resolved, roles: roles), sender: sender) }
}

struct AccountSuspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Stop an account of your department from sending.")
    @OptionGroup var target: AccountTarget
    @OptionGroup var sender: SenderOptions

    func run() async throws { try await AccountCommand.submit(.suspend(address: target.resolved), sender: sender) }
}

struct AccountReinstate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reinstate", abstract: "Lift an account's suspension.")
    @OptionGroup var target: AccountTarget
    @OptionGroup var sender: SenderOptions

    func run() async throws { try await AccountCommand.submit(.reinstate(address: target.resolved), sender: sender) }
}

struct AccountRoles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "roles", abstract: "Replace the roles of an account of your department.")
    @OptionGroup var target: AccountTarget
    @Option(name: .customLong("set"), help: "The new comma-separated roles.", transform: ArgumentTransforms.roles)
    var roles: [Genesis.Role]
    @OptionGroup var sender: SenderOptions

    func run() async throws { try await AccountCommand.submit(.setRoles(address: target.resolved, roles: roles), sender: sender) }
}

/// `sbp account show ADDRESS`: `membership_getAccount`.
struct AccountShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "An account's department, roles, suspension and next nonce.")
    @OptionGroup var target: AccountTarget
    @OptionGroup var read: ReadOptions

    func run() async throws {
        guard
            let account = try await read.client.object(
                "membership_getAccount", [.string(target.resolved.description)], nilOn: RPCClientError.notFoundCode)
        else { throw CommandError("\(target.resolved) is not a registered account") }
        switch read.output {
        case .json: print(account.rendered())
        case .text: for line in Self.textLines(account) { print(line) }
        }
    }

    static func textLines(_ account: JSON) -> [String] {
        [
            "account \(account["address"]?.text ?? "?")",
            "  department  \(account["department"]?.text ?? "?")",
            "  roles       \((account["roles"]?.array ?? []).map(\.text).joined(separator: ", "))",
            "  suspended   \(account["suspended"]?.bool == true ? "yes" : "no")",
            "  next nonce  \(account["nonce"]?.text ?? "?")",
        ]
    }
}
