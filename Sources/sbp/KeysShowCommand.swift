import ArgumentParser
import ChainTypes
import Keys

/// `sbp keys show NAME`: one key's address and public key.
struct KeysShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a key's address and public key (no password needed).")

    @Argument(help: "Name of the key.")
    var name: String

    @OptionGroup var keystoreOptions: KeystoreOptions

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let entry = try keystoreOptions.keystore.entry(named: name)
        switch output {
        case .json:
            print(try KeyDescription.json(KeyDescription(entry)))
        case .text:
            print("name:       \(entry.name)")
            print("address:    \(entry.address)")
            print("public key: \(Hex.encode(entry.publicKey.compressed))")
        }
    }
}
