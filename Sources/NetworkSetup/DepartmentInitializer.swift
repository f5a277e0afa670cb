import ChainTypes
import Foundation
import Node

/// What `sbp department init` is asked to make.
public struct DepartmentOptions: Sendable {
    public var id: String
    public var name: String
    public var outputDirectory: String
    /// The start of the CA's validity (less `CertificateValidity.skewAllowance`); a parameter for tests.
    public var now: Date
    public var certificateValidityDays: Int
    public var keyStorage: KeyStorage

    public init(
        id: String, name: String, outputDirectory: String, now: Date = Date(),
        certificateValidityDays: Int = NodeLimits.certificateValidityDaysDefault, keyStorage: KeyStorage
    ) {
        self.id = id
        self.name = name
        self.outputDirectory = outputDirectory
        self.now = now
        self.certificateValidityDays = certificateValidityDays
        self.keyStorage = keyStorage
    }

    func validate() throws(SetupError) {
        if let problem = DepartmentIdentity.problem(id: id, name: name) {
            throw .invalidOption(option: problem.option, reason: problem.reason)
        }
        try CertificateValidity.validate(days: certificateValidityDays)
        guard !outputDirectory.isEmpty else { throw .invalidOption(option: "--out", reason: "must not be empty") }
        try keyStorage.validate(option: "--password-file")
    }
}

/// `sbp department init`: a department's CA, its admin account key and its join request, on its own machine.
///
/// Writes, into a new directory:
///
///     department.json      the department's manifest: id, name, CA files, admin account
///     ca.crt, ca.key       the department CA (P-256, self-signed, pathLen 0) and its key (0600)
///     accounts/ID-admin.json   the admin account key (keystore document; ID-admin.key in plaintext)
///     join-request.json    id, name, admin public keys and CA certificate: the only file the network sees
///
/// Nothing outside the output directory is read or written (a test checks the files each step opens).
public enum DepartmentInitializer {
    public static let manifestFileName = "department.json"
    public static let accountsDirectoryName = "accounts"

    /// Makes the department directory and returns its join request.
    public static func run(_ options: DepartmentOptions) throws(SetupError) -> JoinRequest {
        try options.validate()
        let target = SetupDirectory.absoluteTarget(options.outputDirectory)
        let exists = try SetupDirectory.checkEmptyTarget(target)
        let identity = try DepartmentIdentity.make(
            id: options.id, name: options.name, validity: CertificateValidity(now: options.now, days: options.certificateValidityDays))
        return try SetupDirectory.stage(target: target, replacing: exists, keyStorage: options.keyStorage) { output throws(SetupError) in
            let (certificateFile, keyFile) = try identity.writeCA(into: output, directory: "")
            try output.makeDirectory(accountsDirectoryName)
            let adminFile = try output.writeKey(
                identity.admin, directory: accountsDirectoryName, keystoreDirectory: accountsDirectoryName, name: identity.adminKeyName)
            let manifest = NetworkManifest.Department(
                id: identity.id, name: identity.name, caCertificateFile: certificateFile, caKeyFile: keyFile,
                accounts: [
                    NetworkManifest.Account(
                        name: identity.adminKeyName, address: identity.admin.address,
                        publicKey: Hex.encode(identity.admin.publicKey.compressed), roles: [.admin], keyFile: adminFile)
                ])
            try output.writeFile(SetupDirectory.json(manifest), to: manifestFileName)
            let request = identity.joinRequest
            try output.writeFile(request.encoded(), to: JoinRequest.fileName)
            return request
        }
    }
}

extension DepartmentIdentity {
    /// Why `id` and `name` cannot name a department, with the option to blame; nil when they can.
    static func problem(id: String, name: String) -> (option: String, reason: String)? {
        if let problem = NameRules.problem(identifier: id) { return ("--id", "department id \"\(id)\" \(problem)") }
        // Ids name directories (`departments/TD`), so they may not be `.` or `..`.
        guard id.first.map({ $0.isLetter || $0.isNumber }) == true else {
            return ("--id", "department id \"\(id)\" must start with a letter or digit")
        }
        guard !name.isEmpty, name.utf8.count <= Limits.nameBytesMax else {
            return ("--name", "the name of \(id) must be 1...\(Limits.nameBytesMax) bytes")
        }
        return nil
    }
}
