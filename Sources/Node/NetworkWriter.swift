import ChainTypes
import Foundation
import Keys
import PeerNetwork

/// Generates and writes one network into a (staging) directory; `NetworkInitializer` moves it into place.
///
/// Paths inside the network are relative to its root, and configs refer to files relative to their own
/// node directory, so the finished directory can be moved or committed as a whole.
struct NetworkWriter {
    let options: NetworkOptions
    let root: String

    /// A department's CA and account keys, kept in memory until every node certificate is issued.
    private struct DepartmentMaterial {
        var spec: NetworkOptions.DepartmentSpec
        var ca: IssuedCertificate
        var caPEM: String
        var admin: PrivateKey
        var issuer: PrivateKey
    }

    /// One validator node as planned: its place in the network fixes its host and ports.
    private struct PlannedNode {
        var name: String
        var department: String
        var host: String
        var p2pPort: Int
        var rpcPort: Int
    }

    init(options: NetworkOptions, root: String) {
        self.options = options
        self.root = root
    }

    func write(modules: [StandardContracts.Module]) throws(NetworkInitError) -> NetworkManifest {
        let contracts = try writeContracts(modules)
        let plannedNodes = planNodes()
        var genesisDepartments: [Genesis.Department] = []
        var genesisAccounts: [Genesis.Account] = []
        var manifestDepartments: [NetworkManifest.Department] = []
        var materials: [String: DepartmentMaterial] = [:]
        for spec in options.departments {
            let material = try makeDepartment(spec)
            materials[spec.id] = material
            let (department, accounts, entry) = try writeDepartment(material)
            genesisDepartments.append(department)
            genesisAccounts += accounts
            manifestDepartments.append(entry)
        }
        var validators: [Genesis.GenesisValidator] = []
        var manifestNodes: [NetworkManifest.Node] = []
        for node in plannedNodes {
            guard let material = materials[node.department] else { preconditionFailure("node \(node.name) of an unplanned department") }
            let (validator, entry) = try writeNode(node, material: material, peers: plannedNodes)
            validators.append(validator)
            manifestNodes.append(entry)
        }
        let genesis = Genesis(
            chainId: options.chainId, genesisTimeMs: options.genesisTimeMs, protocolVersion: 1, departments: genesisDepartments,
            validators: validators, accounts: genesisAccounts, consensus: NetworkInitializer.consensusParameters,
            governance: NetworkInitializer.governanceParameters,
            contracts: contracts.map {
                Genesis.GenesisContract(name: $0.name, address: $0.address, codeFile: $0.codeFile, codeHash: $0.codeHash)
            })
        let genesisHash = try writeGenesis(genesis)
        let manifest = NetworkManifest(
            version: NetworkManifest.currentVersion, chainId: options.chainId, genesisFile: NetworkInitializer.genesisFileName,
            genesisHash: genesisHash, keyStorage: keyStorageKind, departments: manifestDepartments, nodes: manifestNodes,
            contracts: contracts)
        try writeFile(Array(manifest.encoded()), to: NetworkManifest.fileName)
        return manifest
    }

    private var keyStorageKind: NetworkManifest.KeyStorageKind {
        switch options.keyStorage {
        case .plaintext: .plaintext
        case .keystore: .keystore
        }
    }

    /// Nodes in department order, then validator order; node i listens on its host at the base ports + i.
    private func planNodes() -> [PlannedNode] {
        var nodes: [PlannedNode] = []
        for department in options.departments {
            for index in 1...options.validatorsPerDepartment {
                nodes.append(
                    PlannedNode(
                        name: NetworkOptions.nodeName(department: department.id, index: index), department: department.id,
                        host: options.host(ofNode: nodes.count), p2pPort: options.p2pBasePort + nodes.count,
                        rpcPort: options.rpcBasePort + nodes.count))
            }
        }
        return nodes
    }

    // MARK: Contracts and genesis

    private func writeContracts(_ modules: [StandardContracts.Module]) throws(NetworkInitError) -> [NetworkManifest.Contract] {
        try makeDirectory(StandardContracts.directoryName)
        var contracts: [NetworkManifest.Contract] = []
        for module in modules {
            let codeFile = "\(StandardContracts.directoryName)/\(module.name).\(StandardContracts.moduleExtension)"
            try writeFile(module.code, to: codeFile)
            if let interface = module.interface {
                try writeFile(interface, to: "\(StandardContracts.directoryName)/\(module.name)\(StandardContracts.interfaceSuffix)")
            }
            contracts.append(
                NetworkManifest.Contract(
                    name: module.name, address: StandardContracts.address(name: module.name), codeFile: codeFile, codeHash: module.codeHash)
            )
        }
        return contracts
    }

    /// Writes `genesis.json` and checks it the way a node will: `Genesis.load(json:)` on the written bytes.
    private func writeGenesis(_ genesis: Genesis) throws(NetworkInitError) -> Hash {
        let encoder = JSONEncoder()
        // Sorted keys: regenerating a network gives a readable diff. The genesis hash ignores key order.
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json: [UInt8]
        do {
            json = Array(try encoder.encode(genesis)) + Array("\n".utf8)
        } catch {
            preconditionFailure("encoding a genesis document cannot fail: \(error)")
        }
        let loaded: Genesis
        do {
            loaded = try Genesis.load(json: json)
        } catch {
            throw .genesis(error)
        }
        try writeFile(json, to: NetworkInitializer.genesisFileName)
        return loaded.hash
    }

    // MARK: Departments

    private func makeDepartment(_ spec: NetworkOptions.DepartmentSpec) throws(NetworkInitError) -> DepartmentMaterial {
        do {
            let ca = try PeerCertificates.makeDepartmentCA(
                department: spec.id, notValidBefore: notValidBefore, notValidAfter: notValidAfter)
            return DepartmentMaterial(spec: spec, ca: ca, caPEM: try ca.certificatePEM, admin: PrivateKey(), issuer: PrivateKey())
        } catch {
            throw .certificate(reason: "department \(spec.id) CA: \(error)")
        }
    }

    private func writeDepartment(
        _ material: DepartmentMaterial
    ) throws(NetworkInitError) -> (Genesis.Department, [Genesis.Account], NetworkManifest.Department) {
        let id = material.spec.id
        let directory = "\(NetworkInitializer.departmentsDirectoryName)/\(id)"
        try makeDirectory(directory)
        try writeFile(Array(material.caPEM.utf8), to: "\(directory)/ca.crt")
        try writeSecret(Array(material.ca.privateKeyPEM.utf8), to: "\(directory)/ca.key")
        let accounts = [
            (material.admin, "\(id.lowercased())-admin", [Genesis.Role.admin]),
            (material.issuer, "\(id.lowercased())-issuer", [Genesis.Role.issuer, .submitter]),
        ]
        try makeDirectory(NetworkInitializer.accountsDirectoryName)
        var manifestAccounts: [NetworkManifest.Account] = []
        for (key, name, roles) in accounts {
            let keyFile = try writeKey(key, directory: NetworkInitializer.accountsDirectoryName, name: name)
            manifestAccounts.append(
                NetworkManifest.Account(
                    name: name, address: key.address, publicKey: Hex.encode(key.publicKey.compressed), roles: roles, keyFile: keyFile))
        }
        let department = Genesis.Department(
            id: id, name: material.spec.name, adminKeys: [Hex.encode(material.admin.publicKey.compressed)], caCertificate: material.caPEM)
        let genesisAccounts = manifestAccounts.map { Genesis.Account(address: $0.address, department: id, roles: $0.roles) }
        let entry = NetworkManifest.Department(
            id: id, name: material.spec.name, caCertificateFile: "\(directory)/ca.crt", caKeyFile: "\(directory)/ca.key",
            accounts: manifestAccounts)
        return (department, genesisAccounts, entry)
    }

    // MARK: Nodes

    private func writeNode(
        _ node: PlannedNode, material: DepartmentMaterial, peers: [PlannedNode]
    ) throws(NetworkInitError) -> (Genesis.GenesisValidator, NetworkManifest.Node) {
        try makeDirectory(node.name)
        let consensusKey = PrivateKey()
        let tls: IssuedCertificate
        let tlsPEM: String
        do {
            tls = try PeerCertificates.makeNodeCertificate(
                nodeName: node.name, department: node.department, issuer: material.ca, notValidBefore: notValidBefore,
                notValidAfter: notValidAfter)
            tlsPEM = try tls.certificatePEM
        } catch {
            throw .certificate(reason: "node \(node.name): \(error)")
        }
        let consensusKeyFile = try writeKey(consensusKey, directory: node.name, name: "consensus")
        try writeFile(Array(tlsPEM.utf8), to: "\(node.name)/tls.crt")
        try writeSecret(Array(tls.privateKeyPEM.utf8), to: "\(node.name)/tls.key")
        try writeFile(Array(material.caPEM.utf8), to: "\(node.name)/ca.crt")
        let configuration = NodeConfiguration(
            nodeName: node.name, department: node.department, genesisFile: "../\(NetworkInitializer.genesisFileName)",
            keys: NodeConfiguration.KeyFiles(
                consensusKeyFile: String(consensusKeyFile.dropFirst(node.name.count + 1)), tlsCertificateFile: "tls.crt",
                tlsKeyFile: "tls.key", departmentCAFile: "ca.crt"),
            p2p: NodeConfiguration.ListenAddress(host: node.host, port: node.p2pPort),
            peers: peers.filter { $0.name != node.name }.map {
                NodeConfiguration.Peer(name: $0.name, department: $0.department, host: $0.host, port: $0.p2pPort)
            },
            rpc: NodeConfiguration.ListenAddress(host: node.host, port: node.rpcPort))
        let configFile = "\(node.name)/\(NetworkInitializer.configFileName)"
        try writeFile(Array(configuration.render().utf8), to: configFile)
        let publicKey = Hex.encode(consensusKey.publicKey.compressed)
        let validator = Genesis.GenesisValidator(
            name: node.name, department: node.department, consensusPublicKey: publicKey, tlsCertificate: tlsPEM)
        let rpcURL = HostPort.httpURL(host: node.host, port: node.rpcPort)
        let entry = NetworkManifest.Node(
            name: node.name, department: node.department, directory: node.name, configFile: configFile, host: node.host,
            p2pPort: node.p2pPort, rpcPort: node.rpcPort, p2pAddress: HostPort.format(host: node.host, port: node.p2pPort),
            rpcURL: rpcURL, metricsURL: rpcURL + "/metrics", healthURL: rpcURL + "/healthz", consensusPublicKey: publicKey,
            tlsCertificateFingerprint: PeerTrust.fingerprint(of: tls.certificate))
        return (validator, entry)
    }

    // MARK: Files

    private var notValidBefore: Date { options.now.addingTimeInterval(-3600) }
    private var notValidAfter: Date { options.now.addingTimeInterval(Double(options.certificateValidityDays) * 86_400) }

    /// Writes a secp256k1 key as the options ask; returns its path relative to the network root.
    private func writeKey(_ key: PrivateKey, directory: String, name: String) throws(NetworkInitError) -> String {
        switch options.keyStorage {
        case .plaintext:
            let path = "\(directory)/\(name).\(KeyFile.plaintextExtension)"
            do {
                try KeyFile.writePlaintext(key, to: absolute(path))
            } catch {
                throw .keyFile(error)
            }
            return path
        case .keystore(let password, let parameters):
            let keystoreDirectory = directory == NetworkInitializer.accountsDirectoryName ? directory : "\(directory)/keystore"
            do {
                try Keystore(directory: absolute(keystoreDirectory)).create(
                    name: name, key: key, password: password, parameters: parameters)
            } catch {
                throw .keystore(error)
            }
            return "\(keystoreDirectory)/\(name).\(Keystore.fileExtension)"
        }
    }

    private func absolute(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    private func makeDirectory(_ relative: String) throws(NetworkInitError) {
        do {
            try FileManager.default.createDirectory(atPath: absolute(relative), withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: absolute(relative), reason: "cannot create directory: \(error.localizedDescription)")
        }
    }

    private func writeFile(_ bytes: [UInt8], to relative: String) throws(NetworkInitError) {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: absolute(relative)), options: .withoutOverwriting)
        } catch {
            throw .fileSystem(path: absolute(relative), reason: "cannot write file: \(error.localizedDescription)")
        }
    }

    private func writeSecret(_ bytes: [UInt8], to relative: String) throws(NetworkInitError) {
        do {
            try KeyFile.writeSecret(bytes, to: absolute(relative))
        } catch {
            throw .keyFile(error)
        }
    }
}
