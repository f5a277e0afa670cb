import ChainTypes
import Crypto
import Foundation
import Keys
import Ledger
import LedgerFixtures
import NetworkSetup
import Storage
import Testing

@testable import sbp

/// A department that joins later makes its own keys (issue 16, deliver 1): `sbp department init` and
/// `sbp node init` run on the department's machine, only `join-request.json` and `registration.json`
/// travel, and `sbp governance propose add-department|add-validator --request` builds proposals from them
/// that a ledger admits.
@Suite("Joining departments: department init, node init and proposals from their files")
struct DepartmentJoinTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let contracts = repository.appendingPathComponent("Genesis/contracts").path
    static let strace = "/usr/bin/strace"
    static let password = "correct horse battery"

    // MARK: Two machines, real processes

    @Test("each step opens only its own department's files, and the files sent to the network hold no private key")
    func filesEachStepOpens() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.strace) else {
            Issue.record("\(Self.strace) is needed to see which files a command opens (Tools/bootstrap installs strace)")
            return
        }
        try withTemporaryDirectory { temporary in
            let root = URL(fileURLWithPath: temporary).resolvingSymlinksInPath().path
            let network = root + "/network"  // a founding department's machine
            let labour = root + "/labour"  // the Labour Department's machine
            for directory in [network, labour + "/genesis", network + "/inbox"] {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            let founded = try SBPProcess.run(
                ["network", "init", "--departments", "TD,IMMD,EPD,DH", "--out", network + "/net", "--contracts", Self.contracts])
            try #require(founded.status == 0, "\(founded.standardError)")
            // The network publishes its genesis document and contracts; nothing else reaches the newcomer.
            try FileManager.default.copyItem(atPath: network + "/net/genesis.json", toPath: labour + "/genesis/genesis.json")
            try FileManager.default.copyItem(atPath: network + "/net/contracts", toPath: labour + "/genesis/contracts")
            try Data((Self.password + "\n").utf8).write(to: URL(fileURLWithPath: labour + "/password"))
            let networkBefore = try Self.snapshot(network)

            let department = try Self.traced(
                [
                    "department", "init", "--id", "LD", "--name", "Labour Department", "--out", labour + "/ld", "--password-file",
                    labour + "/password",
                ], log: root + "/department.trace", under: root)
            try #require(department.status == 0, "\(department.standardError)")
            let departmentStray = department.opened.filter {
                !Self.inside($0, labour + "/ld") && !$0.hasPrefix(labour + "/.ld.init-") && $0 != labour + "/password"
            }
            #expect(departmentStray.isEmpty, "department init opened \(departmentStray)")
            #expect(
                try Self.files(labour + "/ld") == ["accounts/ld-admin.json", "ca.crt", "ca.key", "department.json", "join-request.json"])
            let departmentFiles = try Self.snapshot(labour + "/ld")

            let node = try Self.traced(
                [
                    "node", "init", "--department", labour + "/ld", "--name", "ld-1", "--genesis", labour + "/genesis/genesis.json",
                    "--endpoint", "127.0.0.1:26710", "--bootstrap", "127.0.0.1:26600", "--out", labour + "/ld-1", "--password-file",
                    labour + "/password",
                ], log: root + "/node.trace", under: root)
            try #require(node.status == 0, "\(node.standardError)")
            let departmentReads = ["department.json", "ca.crt", "ca.key"].map { labour + "/ld/" + $0 }
            let nodeStray = node.opened.filter {
                !Self.inside($0, labour + "/ld-1") && !$0.hasPrefix(labour + "/.ld-1.init-") && !Self.inside($0, labour + "/genesis")
                    && $0 != labour + "/password" && !departmentReads.contains($0)
            }
            #expect(nodeStray.isEmpty, "node init opened \(nodeStray) (the admin key is not needed to make a node)")
            #expect(try Self.snapshot(labour + "/ld") == departmentFiles, "node init wrote nothing in the department directory")
            #expect(
                try Self.files(labour + "/ld-1") == [
                    "ca.crt", "config.toml", "contracts/certificate_registry.interface.json", "contracts/certificate_registry.wasm",
                    "contracts/licence_registry.interface.json", "contracts/licence_registry.wasm", "genesis.json",
                    "keystore/consensus.json",
                    "registration.json", "tls.crt", "tls.key",
                ], "the CA key stays in the department directory")
            #expect(try Self.snapshot(network) == networkBefore, "nothing on the network's machine changed")

            // Only the two public files travel; they hold none of the department's secrets.
            let secrets = try Self.secrets(labour: labour)
            for (file, keys) in [
                ("ld/join-request.json", ["admins", "caCertificate", "id", "name", "version"]),
                (
                    "ld-1/registration.json",
                    [
                        "chainId", "consensusPublicKey", "department", "endpoints", "genesisHash", "name", "role", "tlsCertificate",
                        "version",
                    ]
                ),
            ] {
                let text = try String(contentsOfFile: labour + "/" + file, encoding: .utf8)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
                #expect(object.keys.sorted() == keys, "\(file)")
                #expect(!text.contains("PRIVATE KEY"), "\(file)")
                for secret in secrets { #expect(!text.contains(secret), "\(file) holds a secret") }
                try FileManager.default.copyItem(
                    atPath: labour + "/" + file, toPath: network + "/inbox/" + (file as NSString).lastPathComponent)
            }

            // A founding admin builds the proposals from those files alone.
            let tdAdmin = network + "/net/accounts/td-admin.key"
            let addDepartment = try ProposeAddDepartment.parse(["--request", network + "/inbox/join-request.json", "--key", tdAdmin])
                .change()
            let caPEM = try String(contentsOfFile: labour + "/ld/ca.crt", encoding: .utf8)
            let admin = try Self.keystoreKey(labour + "/ld/accounts/ld-admin.json")
            #expect(
                addDepartment
                    == .addDepartment(id: "LD", name: "Labour Department", adminKeys: [admin.publicKey.compressed], caCertificate: caPEM))
            let addValidator = try ProposeAddValidator.parse(["--request", network + "/inbox/registration.json", "--key", tdAdmin]).change()
            let consensus = try Self.keystoreKey(labour + "/ld-1/keystore/consensus.json")
            let tlsPEM = try String(contentsOfFile: labour + "/ld-1/tls.crt", encoding: .utf8)
            #expect(
                addValidator
                    == .addValidator(name: "ld-1", department: "LD", consensusKey: consensus.publicKey.compressed, tlsCertificate: tlsPEM))

            // Renewing ld-1's certificate (deliver 4) opens LD's CA and ld-1's config, writes only tls-next.*, and
            // reads neither the consensus key nor the live TLS key.
            let nodeFilesBefore = try Self.snapshot(labour + "/ld-1")
            let renewal = try Self.traced(
                ["node", "renew-certificate", "--department", labour + "/ld", "--home", labour + "/ld-1"], log: root + "/renew.trace",
                under: root)
            try #require(renewal.status == 0, "\(renewal.standardError)")
            let renewalStray = renewal.opened.filter {
                !departmentReads.contains($0) && $0 != labour + "/ld-1/config.toml"
                    && !(Self.inside($0, labour + "/ld-1") && ($0 as NSString).lastPathComponent.contains("tls-next"))
            }
            #expect(renewalStray.isEmpty, "renew-certificate opened \(renewalStray)")
            var nodeFilesAfter = try Self.snapshot(labour + "/ld-1")
            #expect(nodeFilesAfter.removeValue(forKey: "tls-next.crt") != nil && nodeFilesAfter.removeValue(forKey: "tls-next.key") != nil)
            #expect(nodeFilesAfter == nodeFilesBefore, "the live certificate, its key and the consensus key are untouched")
            #expect(try Self.snapshot(labour + "/ld") == departmentFiles, "renewal wrote nothing in the department directory")
        }
    }

    // MARK: Admission by a ledger

    @Test("proposals from a join request and a registration are admitted, pass, and make ld-1 an LD validator")
    func proposalsFromTheFilesAreAdmitted() throws {
        let chain = try FixtureChain()
        let ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        try withTemporaryDirectory { root in
            let genesis = try Self.publishGenesis(chain, into: root + "/genesis")
            // Certificates valid from the fixture chain's genesis time, so that its block times fall inside them.
            let now = Date(timeIntervalSince1970: Double(chain.genesis.genesisTimeMs / 1000))
            _ = try DepartmentInitializer.run(
                DepartmentOptions(id: "LD", name: "Labour Department", outputDirectory: root + "/ld", now: now, keyStorage: .plaintext))
            let registration = try NodeInitializer.run(
                NodeOptions(
                    departmentDirectory: root + "/ld", name: "ld-1", genesisFile: genesis, endpoint: "127.0.0.1:26710",
                    bootstrap: ["127.0.0.1:26600"], outputDirectory: root + "/ld-1", now: now, keyStorage: .plaintext))
            #expect(registration.genesisHash == chain.genesis.hash)

            let addDepartment = try ProposeAddDepartment.parse(["--request", root + "/ld/join-request.json", "--key", "unused"]).change()
            try Self.pass(addDepartment, id: 1, proposer: chain.admins["TD"]!, voters: ["IMMD", "EPD"], chain: chain, ledger: ledger)
            #expect(try ledger.view().department("LD")?.name == "Labour Department")

            let ldAdmin = try PrivateKey(
                bytes: Hex.decode(
                    try String(contentsOfFile: root + "/ld/accounts/ld-admin.key", encoding: .utf8)
                        .trimmingCharacters(in: .whitespacesAndNewlines)) ?? [])
            let addValidator = try ProposeAddValidator.parse(["--request", root + "/ld-1/registration.json", "--key", "unused"]).change()
            try Self.pass(addValidator, id: 2, proposer: ldAdmin, voters: ["TD", "IMMD", "EPD"], chain: chain, ledger: ledger)
            let validator = try #require(try ledger.view().validators().first { $0.name == "ld-1" })
            #expect(validator.department == "LD")
            #expect(Hex.encode(validator.consensusKey) == registration.consensusPublicKey)

            // A node certificate from another CA than the one voted in is refused at the door.
            _ = try DepartmentInitializer.run(
                DepartmentOptions(id: "LD", name: "Labour Department", outputDirectory: root + "/other", now: now, keyStorage: .plaintext))
            _ = try NodeInitializer.run(
                NodeOptions(
                    departmentDirectory: root + "/other", name: "ld-2", genesisFile: genesis, endpoint: "127.0.0.1:26711",
                    bootstrap: ["127.0.0.1:26600"], outputDirectory: root + "/ld-2", now: now, keyStorage: .plaintext))
            let foreign = try ProposeAddValidator.parse(["--request", root + "/ld-2/registration.json", "--key", "unused"]).change()
            let refused = Self.admission(
                chain.governance(.propose(change: foreign, activationHeight: 0, description: "ld-2"), from: ldAdmin), ledger: ledger)
            guard case .invalidProposal(let reason) = refused else {
                Issue.record("expected the foreign certificate to be refused, got \(String(describing: refused))")
                return
            }
            #expect(reason.contains("not signed by department LD's CA"), "\(reason)")
        }
    }

    // MARK: The options without files

    @Test("add-department and add-validator take --request or their options, never both and never half of the options")
    func requestOrOptions() {
        for arguments in [
            ["--request", "r.json", "--id", "LD"], ["--id", "LD", "--name", "Labour Department"],
            ["--admin-key", "02" + String(repeating: "11", count: 32)],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try ProposeAddDepartment.parse(arguments + ["--key", "k"]) }
        }
        for arguments in [
            ["--request", "r.json", "--name", "ld-1"], ["--name", "ld-1", "--department", "LD"], ["--tls-certificate", "t.crt"],
        ] {
            #expect(throws: (any Error).self, "\(arguments)") { try ProposeAddValidator.parse(arguments + ["--key", "k"]) }
        }
    }

    @Test("the options give the same changes as the files")
    func optionsMatchFiles() throws {
        try withTemporaryDirectory { root in
            let genesis = try Self.publishGenesis(try FixtureChain(), into: root + "/genesis")
            let request = try DepartmentInitializer.run(
                DepartmentOptions(id: "LD", name: "Labour Department", outputDirectory: root + "/ld", keyStorage: .plaintext))
            let registration = try NodeInitializer.run(
                NodeOptions(
                    departmentDirectory: root + "/ld", name: "ld-1", genesisFile: genesis, endpoint: "127.0.0.1:26710",
                    bootstrap: ["127.0.0.1:26600"], outputDirectory: root + "/ld-1", keyStorage: .plaintext))
            let fromOptions = try ProposeAddDepartment.parse([
                "--id", "LD", "--name", "Labour Department", "--admin-key", request.admins[0].publicKey, "--ca-certificate",
                root + "/ld/ca.crt",
                "--key", "k",
            ]).change()
            #expect(fromOptions == request.proposalChange)
            let validator = try ProposeAddValidator.parse([
                "--name", "ld-1", "--department", "LD", "--consensus-key", registration.consensusPublicKey, "--tls-certificate",
                root + "/ld-1/tls.crt", "--key", "k",
            ]).change()
            #expect(validator == registration.proposalChange)
        }
    }

    // MARK: Files from another department are checked before anything is proposed

    /// Edits of a good join request, each of which must make it unusable.
    enum RequestEdit: String, CaseIterable, Sendable {
        case version, id, noAdmins, address, privateKey

        func apply(to object: inout [String: Any]) {
            switch self {
            case .version: object["version"] = 2
            case .id: object["id"] = "L D"
            case .noAdmins: object["admins"] = [] as [Any]
            case .address:
                let admin = (object["admins"] as? [[String: Any]])?.first ?? [:]
                object["admins"] = [["publicKey": admin["publicKey"] ?? "", "address": "0x" + String(repeating: "00", count: 20)]]
            case .privateKey: object["caCertificate"] = "\(object["caCertificate"] ?? "")\n-----BEGIN PRIVATE KEY-----\n"
            }
        }

        var message: String {
            switch self {
            case .version: "version 2"
            case .id: "id must be"
            case .noAdmins: "1...16 admins"
            case .address: "not the address"
            case .privateKey: "holds a private key"
            }
        }
    }

    @Test("a join request that is malformed, or carries a private key, is refused naming the problem", arguments: RequestEdit.allCases)
    func malformedJoinRequests(edit: RequestEdit) throws {
        try withTemporaryDirectory { root in
            _ = try DepartmentInitializer.run(
                DepartmentOptions(id: "LD", name: "Labour Department", outputDirectory: root + "/ld", keyStorage: .plaintext))
            let original = root + "/ld/join-request.json"
            #expect(try JoinRequest.load(file: original).id == "LD")
            var object = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: original))) as? [String: Any])
            edit.apply(to: &object)
            let path = root + "/edited.json"
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SetupError.self) { try JoinRequest.load(file: path) }
            #expect(error?.description.contains(edit.message) == true, "\(edit): \(String(describing: error))")
        }
    }

    // MARK: Helpers

    /// The genesis document and contracts of `chain` as a network publishes them; returns the document's path.
    static func publishGenesis(_ chain: FixtureChain, into directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: contracts, toPath: directory + "/contracts")
        let path = directory + "/genesis.json"
        try JSONEncoder().encode(chain.genesis).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func admission(_ transaction: Transaction, ledger: Ledger) -> TransactionRejection? {
        if case .failure(let rejection) = ledger.check(transaction, context: AdmissionContext()) { return rejection }
        return nil
    }

    /// Proposes `change` (admitted first), has `voters` vote yes, and commits blocks until it activates.
    static func pass(
        _ change: ProposalChange, id: UInt64, proposer: PrivateKey, voters: [String], chain: FixtureChain, ledger: Ledger
    ) throws {
        let proposal = chain.governance(.propose(change: change, activationHeight: 0, description: change.kindName), from: proposer)
        let rejection = admission(proposal, ledger: ledger)
        #expect(rejection == nil, "\(String(describing: rejection))")
        let executed = try chain.commit([proposal], on: ledger)
        try #require(executed.receipts.first?.status == .success, "\(executed.receipts.first?.errorMessage ?? "")")
        #expect(executed.receipts[0].returnData == id.canonicalBytes)
        try chain.commit(voters.map { chain.governance(.vote(proposal: id, approve: true), from: chain.admins[$0]!) }, on: ledger)
        for _ in 0..<3 { try chain.commit([], on: ledger) }
        #expect(try ledger.view().proposal(id)?.status == .activated)
    }

    /// Runs `sbp arguments…` under strace; returns the result and every absolute path under `root` it opened,
    /// created, renamed or removed.
    static func traced(_ arguments: [String], log: String, under root: String) throws -> (
        status: Int32, standardError: String, opened: [String]
    ) {
        let calls = "open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,rmdir,truncate"
        let result = try SBPProcess.run(arguments, wrapper: [strace, "-f", "-qq", "-s", "4096", "-e", "trace=" + calls, "-o", log])
        let text = try String(contentsOfFile: log, encoding: .utf8)
        let quoted = /"([^"]*)"/
        var paths: Set<String> = []
        for line in text.split(separator: "\n") {
            for match in line.matches(of: quoted) where match.1.hasPrefix(root + "/") {
                paths.insert((String(match.1) as NSString).standardizingPath)
            }
        }
        return (result.status, result.standardError, paths.sorted())
    }

    static func inside(_ path: String, _ directory: String) -> Bool { path == directory || path.hasPrefix(directory + "/") }

    /// Regular files under `directory`, relative, sorted.
    static func files(_ directory: String) throws -> [String] {
        try snapshot(directory).keys.sorted()
    }

    /// Every regular file under `directory` with its contents.
    static func snapshot(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return result }
        for case let relative as String in enumerator {
            var isDirectory: ObjCBool = false
            let path = directory + "/" + relative
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            result[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
        }
        return result
    }

    static func keystoreKey(_ path: String) throws -> PrivateKey {
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try Keystore(directory: (path as NSString).deletingLastPathComponent).privateKey(
            named: name, password: Array(password.utf8))
    }

    /// The department's and node's secrets as text that could leak into a file: the secp256k1 keys in hex,
    /// the P-256 CA and TLS private scalars in hex and base64, and the PEM key files' whole base64 bodies.
    static func secrets(labour: String) throws -> [String] {
        var secrets = [
            try keystoreKey(labour + "/ld/accounts/ld-admin.json"), try keystoreKey(labour + "/ld-1/keystore/consensus.json"),
        ].map { $0.withUnsafeSecretBytes { Hex.encode($0) } }
        for file in ["/ld/ca.key", "/ld-1/tls.key"] {
            let pem = try String(contentsOfFile: labour + file, encoding: .utf8)
            let scalar = try P256.Signing.PrivateKey(pemRepresentation: pem).rawRepresentation
            secrets += [Hex.encode(Array(scalar)), scalar.base64EncodedString()]
            secrets.append(pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined())
        }
        return secrets
    }
}
