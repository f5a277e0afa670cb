import ArgumentParser
import Foundation
import Keys

/// `sbp keys new`: generate a key, encrypt it into the keystore, print its address.
struct KeysNewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Generate a new key and store it encrypted.",
        discussion: """
            Prints the new key's address. Refuses to overwrite an existing key of the same name. \
            The password is read from --password-file (first line), else from \
            $\(PasswordSource.environmentVariable), else from the terminal.
            """)

    @Option(help: "Name of the key (letters, digits, '.', '_', '-'; at most 64).")
    var name: String

    @OptionGroup var keystoreOptions: KeystoreOptions

    @Option(help: ArgumentHelp("File whose first line is the password.", valueName: "file"))
    var passwordFile: String?

    func run() throws {
        let keystore = keystoreOptions.keystore
        // Checked before asking for a password, so nobody types one for a command that cannot succeed.
        try Keystore.validate(name: name)
        if FileManager.default.fileExists(atPath: keystore.path(forKey: name)) { throw KeystoreError.keyExists(name: name) }
        let password = try PasswordSource.read(file: passwordFile, confirm: true)
        let entry = try keystore.create(name: name, password: password)
        print(entry.address)
    }
}
