import ChainTypes
import Crypto
import Foundation
import Ledger
import Node
import PeerNetwork
import X509

/// What `sbp node init` is asked to make.
public struct NodeOptions: Sendable {
    /// The directory `sbp department init` made: the CA that issues the node's certificate.
    public var departmentDirectory: String
    public var name: String
    /// The network's genesis document, with the contract files it names beside it.
    public var genesisFile: String
    /// `host:port` the node listens on for peers and advertises in its registration.
    public var endpoint: String
    /// `host:port` addresses of running nodes to dial first.
    public var bootstrap: [String]
    public var rpcHost: String
    public var rpcPort: Int
    public var outputDirectory: String
    /// The start of the certificate's validity (less `CertificateValidity.skewAllowance`); a parameter for tests.
    public var now: Date
    public var certificateValidityDays: Int
    public var keyStorage: KeyStorage
    /// What the node will be: a validator (added by a governance vote) or an observer (registered by the
    /// department's admin alone, `sbp node register-observer`).
    public var role: NodeRegistration.Role = .validator

    public init(
        departmentDirectory: String, name: String, genesisFile: String, endpoint: String, bootstrap: [String],
        rpcHost: String = "127.0.0.1", rpcPort: Int = NodeLimits.rpcBasePortDefault, outputDirectory: String, now: Date = Date(),
        certificateValidityDays: Int = NodeLimits.certificateValidityDaysDefault, keyStorage: KeyStorage
    ) {
        self.departmentDirectory = departmentDirectory
        self.name = name
        self.genesisFile = genesisFile
        self.endpoint = endpoint
        self.bootstrap = bootstrap
        self.rpcHost = rpcHost
        self.rpcPort = rpcPort
        self.outputDirectory = outputDirectory
        self.now = now
        self.certificateValidityDays = certificateValidityDays
        self.keyStorage = keyStorage
    }

    /// Checks every option that needs no file; returns the parsed endpoint and bootstrap addresses.
    func validate() throws(SetupError) -> (endpoint: NodeConfiguration.Endpoint, bootstrap: [NodeConfiguration.Endpoint]) {
        if let problem = NameRules.problem(identifier: name) { throw .invalidOption(option: "--name", reason: problem) }
        let endpoint = try Self.endpoint(endpoint, option: "--endpoint")
        guard (1...SetupLimits.bootstrapAddressesMax).contains(bootstrap.count) else {
            throw .invalidOption(option: "--bootstrap", reason: "give 1...\(SetupLimits.bootstrapAddressesMax) addresses")
        }
        var addresses: [NodeConfiguration.Endpoint] = []
        for text in bootstrap { addresses.append(try Self.endpoint(text, option: "--bootstrap")) }
        if let problem = HostPort.problem(host: rpcHost) { throw .invalidOption(option: "--rpc-host", reason: problem) }
        guard (1...65535).contains(rpcPort) else { throw .invalidOption(option: "--rpc-port", reason: "must be 1...65535") }
        guard rpcPort != endpoint.port || rpcHost != endpoint.host else {
            throw .invalidOption(option: "--rpc-port", reason: "the RPC server cannot share the P2P address \(endpoint.address)")
        }
        try CertificateValidity.validate(days: certificateValidityDays)
        guard !outputDirectory.isEmpty else { throw .invalidOption(option: "--out", reason: "must not be empty") }
        try keyStorage.validate(option: "--password-file")
        return (endpoint, addresses)
    }

    private static func endpoint(_ text: String, option: String) throws(SetupError) -> NodeConfiguration.Endpoint {
        guard let (host, port) = HostPort.parse(text) else {
            throw .invalidOption(option: option, reason: "expected host:port or [ipv6]:port, got \"\(text)\"")
        }
        if let problem = HostPort.problem(host: host) { throw .invalidOption(option: option, reason: "host \(problem)") }
        guard (1...65535).contains(port) else { throw .invalidOption(option: option, reason: "port must be 1...65535, got \(port)") }
        return NodeConfiguration.Endpoint(host: host, port: port)
    }
}

/// `sbp node init`: a node's keys, certificate, config and registration, on its department's machine.
///
/// Reads the department directory (`department.json`, `ca.crt`, `ca.key`) and the network's genesis
/// with its contract files; writes, into a new directory:
///
///     config.toml              the node's configuration: genesis.json, its keys, --endpoint, --bootstrap
///     consensus.key            secp256k1 consensus key, 0600 (keystore/consensus.json when encrypted)
///     tls.crt, tls.key, ca.crt TLS certificate from the department CA, its key (0600), the CA certificate
///     genesis.json, contracts/ a copy of the genesis and its contracts, so the directory is self-contained
///     registration.json        name, department, role, consensus public key, TLS certificate, endpoints
///
/// The department's CA key is read to sign the certificate and never copied.
public enum NodeInitializer {
    /// Makes the node directory and returns its registration.
    public static func run(_ options: NodeOptions) throws(SetupError) -> NodeRegistration {
        let (endpoint, bootstrap) = try options.validate()
        let department = try DepartmentFiles.load(directory: options.departmentDirectory)
        let genesis = try GenesisFiles.load(path: options.genesisFile)
        try check(genesis.bundle.genesis, admits: options.name, of: department)
        let target = SetupDirectory.absoluteTarget(options.outputDirectory)
        let exists = try SetupDirectory.checkEmptyTarget(target)
        let identity = try NodeIdentity.make(
            name: options.name, department: department.id, ca: department.ca,
            validity: CertificateValidity(now: options.now, days: options.certificateValidityDays))
        return try SetupDirectory.stage(target: target, replacing: exists, keyStorage: options.keyStorage) { output throws(SetupError) in
            let keys = try identity.write(into: output, directory: "", caPEM: department.caPEM)
            try genesis.write(into: output)
            var configuration = NodeConfiguration(
                nodeName: identity.name, department: department.id, genesisFile: NetworkInitializer.genesisFileName, keys: keys,
                p2p: NodeConfiguration.ListenAddress(host: endpoint.host, port: endpoint.port),
                rpc: NodeConfiguration.ListenAddress(host: options.rpcHost, port: options.rpcPort))
            configuration.bootstrap = bootstrap
            configuration.role = options.role.nodeRole
            try output.writeFile(Array(configuration.render().utf8), to: NetworkInitializer.configFileName)
            let registration = NodeRegistration(
                version: NodeRegistration.currentVersion, chainId: genesis.bundle.genesis.chainId, genesisHash: genesis.bundle.genesis.hash,
                name: identity.name, department: department.id, role: options.role, consensusPublicKey: identity.consensusPublicKey,
                tlsCertificate: identity.tlsPEM, endpoints: NodeRegistration.Endpoints(p2p: endpoint.address))
            try output.writeFile(registration.encoded(), to: NodeRegistration.fileName)
            return registration
        }
    }

    /// A node joining a chain may not take a genesis validator's name, and a founding department's node
    /// must be signed by the CA genesis lists for it (else no peer would accept its certificate).
    private static func check(_ genesis: Genesis, admits name: String, of department: DepartmentFiles) throws(SetupError) {
        if genesis.validators.contains(where: { $0.name == name }) {
            throw .invalidOption(option: "--name", reason: "genesis already has a validator named \(name)")
        }
        if let listed = genesis.departments.first(where: { $0.id == department.id }),
            listed.caCertificate.trimmingCharacters(in: .whitespacesAndNewlines)
                != department.caPEM.trimmingCharacters(in: .whitespacesAndNewlines)
        {
            throw .invalidOption(
                option: "--department",
                reason: "genesis lists department \(department.id) with another CA certificate than \(department.directory)")
        }
    }
}

/// A department directory as `sbp department init` wrote it, read on the same machine by `sbp node init`.
struct DepartmentFiles {
    var directory: String
    var id: String
    var ca: IssuedCertificate
    var caPEM: String

    static func load(directory: String) throws(SetupError) -> DepartmentFiles {
        let manifestPath = (directory as NSString).appendingPathComponent(DepartmentInitializer.manifestFileName)
        let manifest = try SetupDirectory.decode(
            NetworkManifest.Department.self, from: manifestPath, limit: SetupLimits.departmentFileBytesMax, what: "a department manifest")
        if let problem = DepartmentIdentity.problem(id: manifest.id, name: manifest.name) {
            throw .invalidFile(path: manifestPath, reason: problem.reason)
        }
        let caPEM = try text(directory, manifest.caCertificateFile)
        let keyPEM = try text(directory, manifest.caKeyFile)
        let ca: IssuedCertificate
        do {
            ca = try IssuedCertificate(certificatePEM: caPEM, privateKeyPEM: keyPEM)
        } catch {
            throw .invalidFile(path: manifestPath, reason: "the CA certificate or key does not parse: \(error)")
        }
        guard ca.certificate.publicKey == Certificate.PublicKey(ca.privateKey.publicKey) else {
            throw .invalidFile(path: manifestPath, reason: "\(manifest.caKeyFile) is not the key of \(manifest.caCertificateFile)")
        }
        return DepartmentFiles(directory: directory, id: manifest.id, ca: ca, caPEM: caPEM)
    }

    /// A file named by the manifest, which must stay inside the department directory.
    private static func text(_ directory: String, _ relative: String) throws(SetupError) -> String {
        guard let path = GenesisFiles.inside(directory, relative) else {
            throw .invalidFile(path: directory, reason: "\(relative) is not a path inside the department directory")
        }
        return String(decoding: try SetupDirectory.read(path, limit: NodeLimits.keyFileBytesMax), as: UTF8.self)
    }
}

/// A genesis document with its contract files, read to be copied into a node directory.
struct GenesisFiles {
    var bytes: [UInt8]
    var bundle: GenesisBundle
    /// Contract and interface files by their path relative to the genesis document.
    var files: [(path: String, bytes: [UInt8])]

    /// Reads and checks the genesis and its contracts as a node will (`GenesisBundle`).
    static func load(path: String) throws(SetupError) -> GenesisFiles {
        let bytes = try SetupDirectory.read(path, limit: Limits.genesisFileBytesMax)
        let genesis: Genesis
        do {
            genesis = try Genesis.load(json: bytes)
        } catch {
            throw .invalidFile(path: path, reason: "\(error)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var code: [String: [UInt8]] = [:]
        var files: [(path: String, bytes: [UInt8])] = []
        for contract in genesis.contracts {
            guard let file = inside(directory, contract.codeFile) else {
                throw .invalidFile(path: path, reason: "contract file \(contract.codeFile) is not a path beside the genesis")
            }
            let module = try SetupDirectory.read(file, limit: NodeLimits.contractFileBytesMax)
            code[contract.name] = module
            files.append((contract.codeFile, module))
            let moduleSuffix = "." + StandardContracts.moduleExtension
            let stem =
                contract.codeFile.hasSuffix(moduleSuffix) ? String(contract.codeFile.dropLast(moduleSuffix.count)) : contract.codeFile
            let interface = stem + StandardContracts.interfaceSuffix
            if let interfaceFile = inside(directory, interface), FileManager.default.fileExists(atPath: interfaceFile) {
                files.append((interface, try SetupDirectory.read(interfaceFile, limit: NodeLimits.contractFileBytesMax)))
            }
        }
        do {
            return GenesisFiles(bytes: bytes, bundle: try GenesisBundle(genesis: genesis, code: code), files: files)
        } catch {
            throw .invalidFile(path: path, reason: "\(error)")
        }
    }

    /// Writes `genesis.json` and the contract files at their relative paths.
    func write(into output: SetupDirectory) throws(SetupError) {
        try output.writeFile(bytes, to: NetworkInitializer.genesisFileName)
        for file in files {
            let directory = (file.path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try output.makeDirectory(directory) }
            try output.writeFile(file.bytes, to: file.path)
        }
    }

    /// `directory/relative` when `relative` is a plain relative path (no `..`, not absolute), else nil.
    static func inside(_ directory: String, _ relative: String) -> String? {
        let components = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, !relative.hasPrefix("/"), !components.contains(where: { $0 == ".." || $0.isEmpty }) else { return nil }
        return (directory as NSString).appendingPathComponent(relative)
    }
}
