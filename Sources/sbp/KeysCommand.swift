import ArgumentParser

/// `sbp keys`: create, list, show keys and verify signatures.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage encrypted secp256k1 keys and verify signatures.",
        discussion: """
            Keys are stored one per file in the keystore directory, encrypted with scrypt and \
            AES-256-GCM (see docs/keystore.md).
            """,
        subcommands: [KeysNewCommand.self, KeysListCommand.self, KeysShowCommand.self, KeysVerifyCommand.self])
}
