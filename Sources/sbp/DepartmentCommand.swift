import ArgumentParser
import Foundation
import Keys
import NetworkSetup
import Node

/// `sbp department`: a department's own identity, made on its own machine.
struct DepartmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "department", abstract: "Create a department's CA, admin key and join request.",
        subcommands: [DepartmentInitCommand.self])
}

/// `sbp department init`: the department CA, an admin account key and `join-request.json` in `--out`.
struct DepartmentInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Generate a department's CA, admin account key and join request (run on the department's own machine).",
        discussion: """
            Writes DIR/department.json, DIR/ca.crt and DIR/ca.key (the department CA, profile of \
            docs/peer-network.md), DIR/accounts/ID-admin.json (the admin key, an encrypted keystore document \
            under the password from --password-file or $\(PasswordSource.environmentVariable)) and \
            DIR/join-request.json. Send only join-request.json to the network: an admin of a member \
            department proposes it with `sbp governance propose add-department --request FILE`. \
            Then make nodes with `sbp node init --department DIR`. See docs/operations.md.
            """)

    @Option(help: "The department id the network will know it by (e.g. LD).") var id: String
    @Option(help: "The department's full name.") var name: String
    @Option(help: ArgumentHelp("Directory to create (must not exist or be empty).", valueName: "dir")) var out: String
    @Option(help: "Days the CA certificate stays valid.") var certificateValidityDays = NodeLimits.certificateValidityDaysDefault
    @OptionGroup var keys: SetupKeyOptions
    @Option(help: "Output format: text or json (the join request).") var output: OutputFormat = .text

    func run() throws {
        let request = try DepartmentInitializer.run(
            DepartmentOptions(
                id: id, name: name, outputDirectory: out, certificateValidityDays: certificateValidityDays,
                keyStorage: try keys.keyStorage()))
        switch output {
        case .json: FileHandle.standardOutput.write(Data(try JSONEncoder().encode(request)))
        case .text:
            print("department \(request.id) (\(request.name)) in \(out)")
            for admin in request.admins { print("admin \(admin.address)\t\(admin.publicKey)") }
            print("join request: \((out as NSString).appendingPathComponent(JoinRequest.fileName)) (send only this file)")
        }
    }
}

/// How the setup commands store the secp256k1 keys they make: encrypted by default.
struct SetupKeyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("File whose first line is the keystore password.", valueName: "file")) var passwordFile: String?

    @Flag(help: "Write secp256k1 keys as plaintext hex files (mode 0600) instead of encrypting them: for development only.")
    var plaintextKeys = false

    func validate() throws {
        if plaintextKeys && passwordFile != nil { throw ValidationError("--password-file and --plaintext-keys are exclusive") }
    }

    func keyStorage() throws -> KeyStorage {
        if plaintextKeys { return .plaintext }
        return .keystore(password: try PasswordSource.read(file: passwordFile, confirm: true), parameters: .standard)
    }
}
