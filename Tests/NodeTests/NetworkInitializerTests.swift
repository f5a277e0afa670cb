import ChainTypes
import Foundation
import Keys
import NetworkSetup
import Node
import PeerNetwork
import Testing
import X509

@Suite("NetworkInitializer")
struct NetworkInitializerTests {
    @Test(
        "init makes departments × validators nodes with distinct ports, configs and directories",
        arguments: [("TD,IMMD,EPD,DH", 1), ("TD,IMMD", 2), ("DH", 3)])
    func nodesAndPorts(departments: String, validatorsPerDepartment: Int) throws {
        try withTemporaryDirectory { directory in
            let options = TestSupport.options(in: directory, departments: departments, validatorsPerDepartment: validatorsPerDepartment)
            let manifest = try NetworkInitializer.run(options)
            let departmentCount = departments.split(separator: ",").count
            #expect(manifest.nodes.count == departmentCount * validatorsPerDepartment)
            #expect(Set(manifest.nodes.map(\.name)).count == manifest.nodes.count)
            #expect(manifest.nodes.map(\.p2pPort) == Array(26600..<(26600 + manifest.nodes.count)))
            #expect(manifest.nodes.map(\.rpcPort) == Array(8545..<(8545 + manifest.nodes.count)))
            #expect(manifest.nodes.first?.rpcURL == "http://127.0.0.1:8545")
            for node in manifest.nodes {
                let configuration = try NodeConfiguration.load(file: options.outputDirectory + "/" + node.configFile, environment: [:])
                #expect(configuration.nodeName == node.name && configuration.department == node.department)
                #expect(configuration.p2p.port == node.p2pPort && configuration.rpc.port == node.rpcPort)
                #expect(configuration.peers.count == manifest.nodes.count - 1)
                #expect(Set(configuration.peers.map(\.port)) == Set(manifest.nodes.map(\.p2pPort)).subtracting([node.p2pPort]))
                #expect(configuration.genesisFile == (options.outputDirectory + "/genesis.json" as NSString).standardizingPath)
            }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != "net" }
            #expect(leftovers.isEmpty, "the staging directory is gone: \(leftovers)")
        }
    }

    @Test("--hosts gives each node its own address: listen and RPC addresses, the peers that dial it, the manifest")
    func hostPerNode() throws {
        try withTemporaryDirectory { directory in
            var options = TestSupport.options(in: directory, departments: "TD,IMMD", validatorsPerDepartment: 2)
            let hosts = ["10.77.0.1", "10.77.0.2", "node-3.example", "::1"]
            options.hosts = hosts
            let manifest = try NetworkInitializer.run(options)
            #expect(manifest.nodes.map(\.name) == ["td-1", "td-2", "immd-1", "immd-2"])
            #expect(manifest.nodes.map(\.host) == hosts)
            #expect(manifest.nodes.map(\.p2pPort) == Array(26600..<26604), "ports stay base + i")
            #expect(manifest.nodes[0].rpcURL == "http://10.77.0.1:8545")
            #expect(manifest.nodes[3].p2pAddress == "[::1]:26603")
            let hostOfNode = Dictionary(uniqueKeysWithValues: manifest.nodes.map { ($0.name, $0.host) })
            for (index, node) in manifest.nodes.enumerated() {
                let configuration = try NodeConfiguration.load(file: options.outputDirectory + "/" + node.configFile, environment: [:])
                #expect(configuration.p2p.host == hosts[index] && configuration.rpc.host == hosts[index])
                #expect(configuration.peers.count == 3)
                for peer in configuration.peers { #expect(peer.host == hostOfNode[peer.name], "\(node.name) dials \(peer.name)") }
            }
        }
    }

    @Test("--hosts: items are trimmed, empty items are kept for validation to refuse")
    func parseHosts() {
        #expect(NetworkOptions.parse(hosts: " 10.0.0.1,10.0.0.2 ,,h") == ["10.0.0.1", "10.0.0.2", "", "h"])
    }

    @Test("the genesis validates, names every node, account and standard contract, and matches the manifest")
    func genesisValidates() throws {
        try withTemporaryDirectory { directory in
            let options = TestSupport.options(in: directory)
            let manifest = try NetworkInitializer.run(options)
            let json = try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/genesis.json"))
            let genesis = try Genesis.load(json: Array(json))
            try genesis.validate()
            #expect(genesis.hash == manifest.genesisHash)
            #expect(genesis.departments.map(\.id) == ["TD", "IMMD", "EPD", "DH"])
            #expect(genesis.departments.map(\.name).first == "Transport Department")
            #expect(try genesis.validatorSet().count == 4)
            #expect(genesis.validators.map(\.name) == manifest.nodes.map(\.name))
            #expect(genesis.accounts.count == 8)
            for department in manifest.departments {
                let admin = try #require(department.accounts.first { $0.roles == [.admin] })
                #expect(genesis.departments.first { $0.id == department.id }?.adminKeys == [admin.publicKey])
            }
            #expect(genesis.contracts.map(\.name) == ["certificate_registry", "licence_registry"])
            for contract in genesis.contracts {
                let code = try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/" + contract.codeFile))
                #expect(Hash.sha256(Array(code)) == contract.codeHash)
                #expect(contract.address == StandardContracts.address(name: contract.name))
                #expect(FileManager.default.fileExists(atPath: options.outputDirectory + "/contracts/\(contract.name).interface.json"))
            }
        }
    }

    @Test("--issuers-per-department makes id-issuer, id-issuer-2, … with the issuer and submitter roles in genesis and the manifest")
    func severalIssuers() throws {
        try withTemporaryDirectory { directory in
            var options = TestSupport.options(in: directory, departments: "TD,DH")
            options.issuersPerDepartment = 3
            let manifest = try NetworkInitializer.run(options)
            let genesis = try Genesis.load(
                json: Array(try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/genesis.json"))))
            #expect(genesis.accounts.count == 2 * (1 + 3))
            for department in manifest.departments {
                let id = department.id.lowercased()
                let issuers = department.accounts.filter { $0.roles.contains(.issuer) }
                #expect(issuers.map(\.name) == ["\(id)-issuer", "\(id)-issuer-2", "\(id)-issuer-3"])
                #expect(Set(issuers.map(\.address)).count == 3, "distinct keys")
                for issuer in issuers {
                    #expect(issuer.roles == [.issuer, .submitter])
                    #expect(issuer.keyFile == "accounts/\(issuer.name).key")
                    let key = try KeyFile.readPlaintext(options.outputDirectory + "/" + issuer.keyFile)
                    #expect(key.address == issuer.address)
                    let account = try #require(genesis.accounts.first { $0.address == issuer.address })
                    #expect(account.department == department.id && account.roles == [.issuer, .submitter])
                }
            }
        }
    }

    @Test("--issuers-per-department beyond SetupLimits.issuersPerDepartmentMax is refused with the value, before anything is written")
    func tooManyIssuers() throws {
        try withTemporaryDirectory { (directory: String) throws in
            var options = TestSupport.options(in: directory, departments: "TD")
            options.issuersPerDepartment = SetupLimits.issuersPerDepartmentMax + 1
            #expect {
                try NetworkInitializer.run(options)
            } throws: { error in
                guard case .invalidOption(let option, let reason) = error as? SetupError else { return false }
                return option == "--issuers-per-department" && reason.contains("\(SetupLimits.issuersPerDepartmentMax + 1)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test("node certificates chain to their department CA and PeerTrust accepts each as its node")
    func certificatesAreTrusted() throws {
        try withTemporaryDirectory { directory in
            let options = TestSupport.options(in: directory, departments: "TD,IMMD", validatorsPerDepartment: 2)
            let manifest = try NetworkInitializer.run(options)
            let genesis = try Genesis.load(
                json: Array(try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/genesis.json"))))
            let trust = try PeerTrust(genesis: genesis)
            for node in manifest.nodes {
                let configuration = try NodeConfiguration.load(file: options.outputDirectory + "/" + node.configFile, environment: [:])
                let tls = try configuration.loadTLSCertificate()
                let ca = try configuration.loadDepartmentCA()
                #expect(tls.certificate.issuer == ca.subject)
                #expect(ca.publicKey.isValidSignature(tls.certificate.signature, for: tls.certificate))
                #expect(PeerTrust.fingerprint(of: tls.certificate) == node.tlsCertificateFingerprint)
                let identity = try trust.identify(tls.certificate, at: TestSupport.now)
                #expect(identity == PeerIdentity(department: node.department, nodeName: node.name))
                let department = try #require(genesis.departments.first { $0.id == node.department })
                #expect(try Certificate(pemEncoded: department.caCertificate) == ca)
            }
        }
    }

    @Test("each node's consensus key is the one genesis names, and loads without a prompt")
    func consensusKeysMatchGenesis() throws {
        try withTemporaryDirectory { directory in
            let options = TestSupport.options(in: directory)
            let manifest = try NetworkInitializer.run(options)
            #expect(manifest.keyStorage == .plaintext)
            let genesis = try Genesis.load(
                json: Array(try Data(contentsOf: URL(fileURLWithPath: options.outputDirectory + "/genesis.json"))))
            for (node, validator) in zip(manifest.nodes, genesis.validators) {
                let configuration = try NodeConfiguration.load(file: options.outputDirectory + "/" + node.configFile, environment: [:])
                let key = try configuration.loadConsensusKey(environment: [:])
                #expect(Hex.encode(key.publicKey.compressed) == validator.consensusPublicKey)
            }
            for account in manifest.departments.flatMap(\.accounts) {
                let key = try KeyFile.readPlaintext(options.outputDirectory + "/" + account.keyFile)
                #expect(key.address == account.address)
                #expect(genesis.accounts.contains { $0.address == account.address && $0.roles == account.roles })
            }
        }
    }

    @Test("every secret file has mode 0600")
    func secretFileModes() throws {
        try withTemporaryDirectory { directory in
            let options = TestSupport.options(in: directory, departments: "TD,IMMD")
            let manifest = try NetworkInitializer.run(options)
            var secrets = manifest.departments.flatMap { [$0.caKeyFile] + $0.accounts.map(\.keyFile) }
            secrets += manifest.nodes.flatMap { ["\($0.directory)/consensus.key", "\($0.directory)/tls.key"] }
            #expect(secrets.count == 2 * 3 + 2 * 2)
            for secret in secrets {
                #expect(try mode(of: options.outputDirectory + "/" + secret) & 0o777 == 0o600, "\(secret)")
            }
            #expect(try mode(of: options.outputDirectory + "/genesis.json") & 0o077 != 0, "public files stay readable")
        }
    }

    @Test("with keystore storage the keys are encrypted and the node reads the password from the environment or a file")
    func encryptedKeys() throws {
        try withTemporaryDirectory { directory in
            let password = Array("devnet password".utf8)
            let options = TestSupport.options(
                in: directory, departments: "TD", keyStorage: .keystore(password: password, parameters: TestSupport.fastScrypt))
            let manifest = try NetworkInitializer.run(options)
            #expect(manifest.keyStorage == .keystore)
            let node = try #require(manifest.nodes.first)
            let file = options.outputDirectory + "/" + node.configFile
            var configuration = try NodeConfiguration.load(file: file, environment: [:])
            #expect(configuration.keys.consensusKeyFile.hasSuffix("/keystore/consensus.json"))
            #expect(throws: KeyFileError.noPassword(path: configuration.keys.consensusKeyFile)) {
                try configuration.loadConsensusKey(environment: [:])
            }
            let fromEnvironment = try configuration.loadConsensusKey(environment: ["SBP_KEYSTORE_PASSWORD": "devnet password"])
            #expect(Hex.encode(fromEnvironment.publicKey.compressed) == node.consensusPublicKey)
            #expect {
                try configuration.loadConsensusKey(environment: ["SBP_KEYSTORE_PASSWORD": "wrong"])
            } throws: { error in
                if case .keystore(.wrongPassword) = error as? KeyFileError { true } else { false }
            }

            let passwordFile = directory + "/password"
            try "devnet password\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            configuration.keys.keystorePasswordFile = passwordFile
            #expect(try configuration.loadConsensusKey(environment: [:]).publicKey == fromEnvironment.publicKey)

            let accounts = try Keystore(directory: options.outputDirectory + "/accounts").list()
            #expect(accounts.entries.map(\.name) == ["td-admin", "td-issuer"])
            #expect(accounts.problems.isEmpty)
            #expect(try mode(of: options.outputDirectory + "/accounts/td-admin.json") & 0o777 == 0o600)
        }
    }

    @Test("each founding department's directory is the one department init makes: node init takes it as it is")
    func departmentDirectories() throws {
        try withTemporaryDirectory { directory in
            let options = TestSupport.options(in: directory, departments: "TD,DH", validatorsPerDepartment: 1)
            let manifest = try NetworkInitializer.run(options)
            for department in manifest.departments {
                let home = options.outputDirectory + "/departments/" + department.id
                let written = try JSONDecoder().decode(
                    NetworkManifest.Department.self, from: Data(contentsOf: URL(fileURLWithPath: home + "/department.json")))
                #expect(written.id == department.id && written.name == department.name)
                #expect(written.caCertificateFile == "ca.crt" && written.caKeyFile == "ca.key")
                #expect(written.accounts.map(\.name) == department.accounts.map(\.name))
                for account in written.accounts {
                    #expect(FileManager.default.fileExists(atPath: home + "/" + account.keyFile), "\(account.keyFile) from \(home)")
                }
            }
            var node = NodeOptions(
                departmentDirectory: options.outputDirectory + "/departments/TD", name: "td-observer",
                genesisFile: options.outputDirectory + "/genesis.json", endpoint: "127.0.0.1:26700", bootstrap: ["127.0.0.1:26600"],
                outputDirectory: directory + "/td-observer", now: TestSupport.now, keyStorage: .plaintext)
            node.role = .observer
            let registration = try NodeInitializer.run(node)
            #expect(registration.department == "TD" && registration.genesisHash == manifest.genesisHash)
        }
    }

    @Test("re-running into a network without --force fails and changes nothing; --force replaces it")
    func reinit() throws {
        try withTemporaryDirectory { directory in
            let first = try NetworkInitializer.run(TestSupport.options(in: directory, departments: "TD"))
            #expect(throws: SetupError.outputNotEmpty(path: directory + "/net")) {
                try NetworkInitializer.run(TestSupport.options(in: directory, departments: "TD"))
            }
            #expect(try NetworkManifest.load(directory: directory + "/net") == first)
            let second = try NetworkInitializer.run(TestSupport.options(in: directory, departments: "TD,DH", force: true))
            #expect(second.nodes.count == 2)
            #expect(second.genesisHash != first.genesisHash)
            #expect(try NetworkManifest.load(directory: directory + "/net") == second)
        }
    }

    @Test("--force refuses a non-empty directory that no network init made; an empty directory is fine")
    func forceNeedsManifest() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/net", withIntermediateDirectories: true)
            _ = try NetworkInitializer.run(TestSupport.options(in: directory, departments: "TD"))
            try FileManager.default.removeItem(atPath: directory + "/net/network.json")
            #expect {
                try NetworkInitializer.run(TestSupport.options(in: directory, departments: "TD", force: true))
            } throws: { error in
                if case .refusingToReplace = error as? SetupError { true } else { false }
            }
            #expect(FileManager.default.fileExists(atPath: directory + "/net/genesis.json"), "nothing was deleted")
        }
    }

    static let badOptions: [(String, @Sendable (inout NetworkOptions) -> Void, String)] = [
        ("no departments", { $0.departments = [] }, "--departments"),
        ("duplicate department", { $0.departments = NetworkOptions.DepartmentSpec.parse(list: "TD,td") }, "--departments"),
        ("department id with a space", { $0.departments = NetworkOptions.DepartmentSpec.parse(list: "T D") }, "--departments"),
        ("department id ..", { $0.departments = NetworkOptions.DepartmentSpec.parse(list: "..") }, "--departments"),
        ("empty list item", { $0.departments = NetworkOptions.DepartmentSpec.parse(list: "TD,,DH") }, "--departments"),
        ("zero validators", { $0.validatorsPerDepartment = 0 }, "--validators-per-department"),
        ("zero issuers", { $0.issuersPerDepartment = 0 }, "--issuers-per-department"),
        ("too many validators", { $0.validatorsPerDepartment = NodeLimits.validatorsPerDepartmentMax + 1 }, "--validators-per-department"),
        ("ports past 65535", { $0.p2pBasePort = 65534 }, "--p2p-base-port"),
        ("port zero", { $0.rpcBasePort = 0 }, "--rpc-base-port"),
        ("overlapping ports", { $0.rpcBasePort = $0.p2pBasePort + 3 }, "--rpc-base-port"),
        ("chain id with a slash", { $0.chainId = "sbp/local" }, "--chain-id"),
        ("host with a space", { $0.host = "local host" }, "--host"),
        ("fewer hosts than nodes", { $0.hosts = ["10.77.0.1", "10.77.0.2", "10.77.0.3"] }, "--hosts"),
        ("more hosts than nodes", { $0.hosts = ["a", "b", "c", "d", "e"] }, "--hosts"),
        ("an empty host", { $0.hosts = NetworkOptions.parse(hosts: "a,,c,d") }, "--hosts"),
        ("a host with a slash", { $0.hosts = ["a", "b/24", "c", "d"] }, "--hosts"),
        ("no validity", { $0.certificateValidityDays = 0 }, "--certificate-validity-days"),
        ("empty password", { $0.keyStorage = .keystore(password: [], parameters: TestSupport.fastScrypt) }, "--password-file"),
    ]

    @Test("bad options are refused, naming the option, before anything is written", arguments: badOptions.indices)
    func badOption(index: Int) throws {
        let (name, edit, option) = Self.badOptions[index]
        try withTemporaryDirectory { directory in
            var options = TestSupport.options(in: directory)
            edit(&options)
            do {
                let manifest = try NetworkInitializer.run(options)
                Issue.record("\(name): made \(manifest.nodes.count) nodes")
            } catch let error as SetupError {
                if case .invalidOption(let named, _) = error {
                    #expect(named == option, "\(name)")
                } else {
                    Issue.record("\(name): \(error)")
                }
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, "\(name): nothing written")
        }
    }

    @Test("a missing contracts directory is a clear error and leaves nothing behind")
    func missingContracts() throws {
        try withTemporaryDirectory { directory in
            var options = TestSupport.options(in: directory)
            options.contractsDirectory = directory + "/no-contracts"
            #expect {
                try NetworkInitializer.run(options)
            } throws: { error in
                if case .contracts(let path, _) = error as? SetupError { path == directory + "/no-contracts" } else { false }
            }
            let entries = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(entries.isEmpty)
        }
    }

    @Test("department names: known ids get their names, ID=Name sets one")
    func departmentNames() {
        let specs = NetworkOptions.DepartmentSpec.parse(list: "TD, XYZ=Example Bureau ,ABC")
        #expect(
            specs == [
                NetworkOptions.DepartmentSpec(id: "TD", name: "Transport Department"),
                NetworkOptions.DepartmentSpec(id: "XYZ", name: "Example Bureau"),
                NetworkOptions.DepartmentSpec(id: "ABC", name: "ABC"),
            ])
    }
}
