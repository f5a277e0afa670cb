import ChainTypes
import Foundation
import Keys
import Node
import PeerNetwork

/// Generates and writes one network into a (staging) directory; `NetworkInitializer` moves it into place.
///
/// Each founding department is made as `sbp department init` makes one (`DepartmentIdentity`) and each
/// node as `sbp node init` makes one (`NodeIdentity`); only the layout differs. Paths inside the network
/// are relative to its root, and configs refer to files relative to their own node directory, so the
/// finished directory can be moved or committed as a whole.
struct NetworkWriter {
    let options: NetworkOptions
    let output: SetupDirectory

    /// A department's identity and its issuer account keys, kept in memory until every node certificate is issued.
    private struct DepartmentMaterial {
        var identity: DepartmentIdentity
        var issuers: [PrivateKey]
    }

    /// One validator node as planned: its place in the network fixes its host and ports.
    private struct PlannedNode {
        var name: String
        var department: String
        var host: String
        var p2pPort: Int
        var rpcPort: Int
    }

    init(options: NetworkOptions, output: SetupDirectory) {
        self.options = options
        self.output = output
    }

    func write(modules: [StandardContracts.Module]) throws(SetupError) -> NetworkManifest {
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
            validators: validators, accounts: genesisAccounts, consensus: .defaults,
            governance: .defaults,
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
        switch output.keyStorage {
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

    private func writeContracts(_ modules: [StandardContracts.Module]) throws(SetupError) -> [NetworkManifest.Contract] {
        try output.makeDirectory(StandardContracts.directoryName)
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
    private func writeGenesis(_ genesis: Genesis) throws(SetupError) -> Hash {
        // Sorted keys: regenerating a network gives a readable diff. The genesis hash ignores key order.
        let json = SetupDirectory.json(genesis)
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

    private func makeDepartment(_ spec: NetworkOptions.DepartmentSpec) throws(SetupError) -> DepartmentMaterial {
        DepartmentMaterial(
            identity: try DepartmentIdentity.make(id: spec.id, name: spec.name, validity: validity),
            issuers: (0..<options.issuersPerDepartment).map { _ in PrivateKey() })
    }

    private func writeDepartment(
        _ material: DepartmentMaterial
    ) throws(SetupError) -> (Genesis.Department, [Genesis.Account], NetworkManifest.Department) {
        let identity = material.identity
        let id = identity.id
        let directory = "\(NetworkInitializer.departmentsDirectoryName)/\(id)"
        try output.makeDirectory(directory)
        let (caCertificateFile, caKeyFile) = try identity.writeCA(into: output, directory: directory)
        let accounts =
            [(identity.admin, identity.adminKeyName, [Genesis.Role.admin])]
            + material.issuers.enumerated().map { index, key in
                (key, NetworkOptions.issuerName(department: id, index: index + 1), [Genesis.Role.issuer, .submitter])
            }
        try output.makeDirectory(NetworkInitializer.accountsDirectoryName)
        var manifestAccounts: [NetworkManifest.Account] = []
        for (key, name, roles) in accounts {
            let keyFile = try output.writeKey(
                key, directory: NetworkInitializer.accountsDirectoryName, keystoreDirectory: NetworkInitializer.accountsDirectoryName,
                name: name)
            manifestAccounts.append(
                NetworkManifest.Account(
                    name: name, address: key.address, publicKey: Hex.encode(key.publicKey.compressed), roles: roles, keyFile: keyFile))
        }
        // The department directory is the one `sbp department init` makes (`department.json`, `ca.crt`,
        // `ca.key`), so `sbp node init` and `sbp node renew-certificate` take `--department departments/ID`;
        // its account keys stay in the network's `accounts/`, named relative to the department directory.
        let departmentManifest = NetworkManifest.Department(
            id: id, name: identity.name, caCertificateFile: DepartmentIdentity.caCertificateFileName,
            caKeyFile: DepartmentIdentity.caKeyFileName,
            accounts: manifestAccounts.map { account in
                var relative = account
                relative.keyFile = "../../" + account.keyFile
                return relative
            })
        try writeFile(SetupDirectory.json(departmentManifest), to: "\(directory)/\(DepartmentInitializer.manifestFileName)")
        let department = identity.genesisDepartment
        let genesisAccounts = manifestAccounts.map { Genesis.Account(address: $0.address, department: id, roles: $0.roles) }
        let entry = NetworkManifest.Department(
            id: id, name: identity.name, caCertificateFile: caCertificateFile, caKeyFile: caKeyFile,
            accounts: manifestAccounts)
        return (department, genesisAccounts, entry)
    }

    // MARK: Nodes

    private func writeNode(
        _ node: PlannedNode, material: DepartmentMaterial, peers: [PlannedNode]
    ) throws(SetupError) -> (Genesis.GenesisValidator, NetworkManifest.Node) {
        try output.makeDirectory(node.name)
        let identity = try NodeIdentity.make(
            name: node.name, department: node.department, ca: material.identity.ca, validity: validity)
        let keys = try identity.write(into: output, directory: node.name, caPEM: material.identity.caPEM)
        let configuration = NodeConfiguration(
            nodeName: node.name, department: node.department, genesisFile: "../\(NetworkInitializer.genesisFileName)",
            keys: keys,
            p2p: NodeConfiguration.ListenAddress(host: node.host, port: node.p2pPort),
            peers: peers.filter { $0.name != node.name }.map {
                NodeConfiguration.Peer(name: $0.name, department: $0.department, host: $0.host, port: $0.p2pPort)
            },
            rpc: NodeConfiguration.ListenAddress(host: node.host, port: node.rpcPort))
        let configFile = "\(node.name)/\(NetworkInitializer.configFileName)"
        try output.writeFile(Array(configuration.render().utf8), to: configFile)
        var validator = identity.genesisValidator
        // Genesis carries every founding node's endpoint, so nodes dial each other from chain state (issue 16).
        validator.endpoints = [HostPort.format(host: node.host, port: node.p2pPort)]
        let rpcURL = HostPort.httpURL(host: node.host, port: node.rpcPort)
        let entry = NetworkManifest.Node(
            name: node.name, department: node.department, directory: node.name, configFile: configFile, host: node.host,
            p2pPort: node.p2pPort, rpcPort: node.rpcPort, p2pAddress: HostPort.format(host: node.host, port: node.p2pPort),
            rpcURL: rpcURL, metricsURL: rpcURL + "/metrics", healthURL: rpcURL + "/healthz",
            consensusPublicKey: identity.consensusPublicKey,
            tlsCertificateFingerprint: PeerTrust.fingerprint(of: identity.tls.certificate))
        return (validator, entry)
    }

    // MARK: Files

    private var validity: CertificateValidity { CertificateValidity(now: options.now, days: options.certificateValidityDays) }

    private func writeFile(_ bytes: [UInt8], to relative: String) throws(SetupError) { try output.writeFile(bytes, to: relative) }
}
