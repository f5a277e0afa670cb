import ArgumentParser
import Foundation
import Keys

/// `sbp keys list`: names, addresses and public keys of every stored key.
struct KeysListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the keys in the keystore (no password needed).",
        discussion: "Files that are not valid keystore documents are reported on standard error and skipped.")

    @OptionGroup var keystoreOptions: KeystoreOptions

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let listing = try keystoreOptions.keystore.list()
        for problem in listing.problems {
            FileHandle.standardError.write(Data("warning: \(problem)\n".utf8))
        }
        switch output {
        case .json:
            print(try KeyDescription.json(listing.entries.map(KeyDescription.init)))
        case .text:
            for entry in listing.entries { print("\(entry.name)\t\(entry.address)") }
        }
    }
}
