import Foundation
import Testing

/// Runs the CLI steps of the network tests under `strace` and checks that no step of one department opens,
/// writes, renames or removes a private key file of another (issue 16, "Done when").
///
/// The department that owns a key file is read from where the test layouts put it: an account key is
/// `accounts/ID-ROLE.key` (or `.json`), a department's CA key is in `departments/ID/` or in the
/// department's own directory (`ld/`), and a node's keys are in its directory (`td-1/`, `ld-1/`,
/// `td-observer/`, or the staging directory a setup command writes first), named after its department. A key file whose owner cannot be read counts as foreign.
struct KeyFileAudit: Sendable {
    static let strace = "/usr/bin/strace"
    /// Every test network lives under here (`TestNetwork`).
    static let scope = NSTemporaryDirectory() + "sbp-integration-"

    let cli: CLIProcess

    /// One traced step: what it opened, and which of those were private keys of another department.
    struct Step: Sendable {
        var department: String
        var keyFiles: [String]
        var foreign: [String]
    }

    /// Runs `sbp arguments… --rpc … --output json` for `department` as `CLIProcess.json` does, and records
    /// an issue for every private key file of another department the command touched; requires that it
    /// touched at least one key file of its own (a command that signs reads its key), so that a trace that
    /// saw nothing cannot pass.
    func json(_ arguments: [String], by department: String) async throws -> [String: Any] {
        let (reply, step) = try await traced(department) { try await $0.json(arguments) }
        #expect(!step.keyFiles.isEmpty, "sbp \(arguments.joined(separator: " ")) opened no key file at all (is the trace working?)")
        #expect(
            step.foreign.isEmpty,
            "sbp \(arguments.joined(separator: " ")) run by \(department) touched another department's private keys: \(step.foreign)")
        return reply
    }

    /// Runs `body` with a CLI whose commands are traced; returns its value and the step's key files.
    func traced<Value>(_ department: String, _ body: (CLIProcess) async throws -> Value) async throws -> (Value, Step) {
        try #require(FileManager.default.isExecutableFile(atPath: Self.strace), "\(Self.strace) is needed (Tools/bootstrap installs it)")
        let log = NSTemporaryDirectory() + "sbp-key-audit-" + UUID().uuidString + ".trace"
        defer { try? FileManager.default.removeItem(atPath: log) }
        var tracing = cli
        tracing.wrapper = [
            Self.strace, "-f", "-qq", "-s", "4096", "-e", "trace=open,openat,creat,rename,renameat,renameat2,unlink,unlinkat,truncate",
            "-o", log,
        ]
        let value = try await body(tracing)
        let keyFiles = try Self.keyFiles(inTrace: log)
        return (value, Step(department: department, keyFiles: keyFiles, foreign: keyFiles.filter { Self.owner(of: $0) != department }))
    }

    /// The private key files (by the test layouts' names) a trace shows the command touched.
    static func keyFiles(inTrace log: String) throws -> [String] {
        let text = try String(contentsOfFile: log, encoding: .utf8)
        var paths: Set<String> = []
        for line in text.split(separator: "\n") {
            for match in line.matches(of: /"([^"]*)"/) where match.1.hasPrefix(scope) {
                let path = (String(match.1) as NSString).standardizingPath
                if isPrivateKey(path) { paths.insert(path) }
            }
        }
        return paths.sorted()
    }

    /// A secret by its name: `*.key` (CA, TLS, consensus and plaintext account keys) or a keystore document
    /// (`accounts/*.json`, `keystore/*.json`).
    static func isPrivateKey(_ path: String) -> Bool {
        let components = (path as NSString).pathComponents
        guard let file = components.last else { return false }
        if file.hasSuffix(".key") { return true }
        let parent = components.dropLast().last ?? ""
        return file.hasSuffix(".json") && (parent == "accounts" || parent == "keystore")
    }

    /// The department a key file belongs to (upper case), or nil when the layout does not say.
    static func owner(of path: String) -> String? {
        var components = Array((path as NSString).pathComponents)
        guard let file = components.popLast() else { return nil }
        if components.last == "accounts" {
            return file.split(separator: "-").first.map { $0.uppercased() }
        }
        if components.last == "keystore" { components.removeLast() }
        guard var directory = components.last else { return nil }
        // A setup command writes into a staging directory beside its target (`.ld-1.init-RANDOM`).
        if directory.hasPrefix("."), let staging = directory.range(of: ".init-") {
            directory = String(directory[directory.index(after: directory.startIndex)..<staging.lowerBound])
        }
        if components.dropLast().last == "departments" { return directory.uppercased() }
        return directory.split(separator: "-").first.map { $0.uppercased() }
    }
}

extension IntegrationTests {
    @Test("the key-file audit names each test layout's owner, and flags a step that reads another department's key")
    func keyFileAuditCanFail() async throws {
        let root = KeyFileAudit.scope + "audit/net"
        for (path, owner) in [
            ("/accounts/td-admin.key", "TD"), ("/accounts/immd-issuer.json", "IMMD"), ("/departments/EPD/ca.key", "EPD"),
            ("/dh-1/tls.key", "DH"), ("/../labour/ld/ca.key", "LD"), ("/../labour/ld/accounts/ld-admin.key", "LD"),
            ("/../labour/ld-1/keystore/consensus.json", "LD"), ("/../td-observer/tls-next.key", "TD"),
            ("/../.td-observer.init-x1Y2/tls.key", "TD"), ("/../labour/.ld.init-AB/ca.key", "LD"),
        ] {
            let file = ((root + path) as NSString).standardizingPath
            #expect(KeyFileAudit.isPrivateKey(file), "\(file)")
            #expect(KeyFileAudit.owner(of: file) == owner, "\(file)")
        }
        #expect(!KeyFileAudit.isPrivateKey(root + "/../labour/ld/join-request.json"))
        #expect(!KeyFileAudit.isPrivateKey(root + "/td-1/tls.crt"))

        // A real trace of a command that reads LD's key on TD's behalf is flagged.
        let directory = KeyFileAudit.scope + "audit-" + UUID().uuidString.prefix(8) + "/labour/ld"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        try Data("00\n".utf8).write(to: URL(fileURLWithPath: directory + "/ca.key"))
        let audit = KeyFileAudit(cli: CLIProcess(executable: URL(fileURLWithPath: "/bin/cat"), rpcURL: ""))
        let (result, step) = try await audit.traced("TD") { try await $0.run([directory + "/ca.key"]) }
        #expect(result.status == 0, "\(result.summary)")
        #expect(step.foreign == [directory + "/ca.key"], "\(step)")
    }
}
