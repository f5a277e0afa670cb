import ArgumentParser

/// The `sbp` command line: one executable for node operation, keys, transactions and queries (DESIGN §7).
@main
struct SBPCommand: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sbp",
        abstract: "SBP permissioned blockchain node and tools.",
        version: "sbp \(version)",
        subcommands: [KeysCommand.self, NetworkCommand.self])
}
