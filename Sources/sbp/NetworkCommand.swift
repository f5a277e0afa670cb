import ArgumentParser

/// `sbp network`: create the files a network of nodes starts from.
struct NetworkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Create networks: keys, certificates, genesis and node configs.",
        subcommands: [NetworkInitCommand.self])
}
