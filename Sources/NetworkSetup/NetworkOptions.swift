import ChainTypes
import Foundation
import Keys
import Node

/// What `sbp network init` is asked to make: departments, validators per department, ports and key storage.
///
/// `validate()` checks everything that does not need the disk before a single key is generated, so a bad
/// option costs nothing and leaves nothing behind.
public struct NetworkOptions: Sendable {
    /// A department to create: its genesis id and human-readable name.
    public struct DepartmentSpec: Hashable, Sendable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }

        /// Names of the departments the project's examples use; others default to their id.
        static let knownNames = [
            "TD": "Transport Department", "IMMD": "Immigration Department", "EPD": "Environmental Protection Department",
            "DH": "Department of Health",
        ]

        /// Parses `TD,IMMD,EPD=Environmental Protection Department`: ids, each optionally `=Name`.
        public static func parse(list: String) -> [DepartmentSpec] {
            list.split(separator: ",", omittingEmptySubsequences: false).map { item in
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let id = parts[0].trimmingCharacters(in: .whitespaces)
                let name = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : (knownNames[id] ?? id)
                return DepartmentSpec(id: id, name: name)
            }
        }
    }

    public var departments: [DepartmentSpec]
    public var validatorsPerDepartment: Int
    /// Issuer accounts per department (roles issuer and submitter): `<id>-issuer`, `<id>-issuer-2`, ….
    public var issuersPerDepartment: Int
    public var outputDirectory: String
    public var chainId: String
    /// The address every node listens on and is dialed at, unless `hosts` gives one per node.
    public var host: String
    /// One address per node, in node order (department order, then validator order), for nodes on
    /// different machines; nil gives every node `host`. Hosts may repeat: node i's ports stay base + i.
    public var hosts: [String]?
    /// Node i (in department order, then validator order) listens on base + i.
    public var p2pBasePort: Int
    public var rpcBasePort: Int
    /// The directory holding the standard contracts' `.wasm` modules.
    public var contractsDirectory: String
    public var genesisTimeMs: UInt64
    /// The start of the certificates' validity; they are valid from an hour before, to tolerate clock skew.
    public var now: Date
    public var certificateValidityDays: Int
    public var keyStorage: KeyStorage
    /// Replace an earlier network in `outputDirectory`.
    public var force: Bool

    /// Options with the command's defaults; `genesisTimeMs` defaults to `now`.
    ///
    /// `now` is a parameter so that tests make certificates valid at a fixed instant.
    public init(
        departments: [DepartmentSpec], validatorsPerDepartment: Int = 1, issuersPerDepartment: Int = 1, outputDirectory: String,
        chainId: String = "sbp-local",
        host: String = "127.0.0.1", hosts: [String]? = nil, p2pBasePort: Int = NodeLimits.p2pBasePortDefault,
        rpcBasePort: Int = NodeLimits.rpcBasePortDefault,
        contractsDirectory: String = "Genesis/contracts", genesisTimeMs: UInt64? = nil, now: Date = Date(),
        certificateValidityDays: Int = NodeLimits.certificateValidityDaysDefault, keyStorage: KeyStorage = .plaintext, force: Bool = false
    ) {
        self.departments = departments
        self.validatorsPerDepartment = validatorsPerDepartment
        self.issuersPerDepartment = issuersPerDepartment
        self.outputDirectory = outputDirectory
        self.chainId = chainId
        self.host = host
        self.hosts = hosts
        self.p2pBasePort = p2pBasePort
        self.rpcBasePort = rpcBasePort
        self.contractsDirectory = contractsDirectory
        self.genesisTimeMs = genesisTimeMs ?? UInt64(max(0, now.timeIntervalSince1970 * 1000))
        self.now = now
        self.certificateValidityDays = certificateValidityDays
        self.keyStorage = keyStorage
        self.force = force
    }

    /// The number of validators, and so of nodes.
    public var nodeCount: Int { departments.count * validatorsPerDepartment }

    /// The address node `index` (0-based, in node order) listens on and is dialed at.
    public func host(ofNode index: Int) -> String {
        guard let hosts else { return host }
        precondition(hosts.indices.contains(index), "node \(index) of \(hosts.count) hosts: validate() first")
        return hosts[index]
    }

    /// Parses `--hosts`: comma-separated addresses, surrounding spaces ignored; empty items are kept so that
    /// `validate()` reports them.
    public static func parse(hosts list: String) -> [String] {
        list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The account name of issuer `index` (1-based) of `department`: `td-issuer` for the first, then
    /// `td-issuer-2`, `td-issuer-3`, …, so a network with one issuer per department names it as before.
    public static func issuerName(department: String, index: Int) -> String {
        index == 1 ? "\(department.lowercased())-issuer" : "\(department.lowercased())-issuer-\(index)"
    }

    /// The name of validator `index` (1-based) of `department`: its id in lower case, a dash, the index.
    public static func nodeName(department: String, index: Int) -> String { "\(department.lowercased())-\(index)" }

    /// Checks every option against the limits and against each other.
    public func validate() throws(SetupError) {
        try validateDepartments()
        guard (1...NodeLimits.validatorsPerDepartmentMax).contains(validatorsPerDepartment) else {
            throw .invalidOption(option: "--validators-per-department", reason: "must be 1...\(NodeLimits.validatorsPerDepartmentMax)")
        }
        guard nodeCount <= Limits.validatorsMax else {
            throw .invalidOption(option: "--validators-per-department", reason: "at most \(Limits.validatorsMax) validators in all")
        }
        guard (1...SetupLimits.issuersPerDepartmentMax).contains(issuersPerDepartment) else {
            throw .invalidOption(
                option: "--issuers-per-department",
                reason: "must be 1...\(SetupLimits.issuersPerDepartmentMax), got \(issuersPerDepartment)")
        }
        guard chainId.utf8.count <= Limits.chainIdBytesMax else {
            throw .invalidOption(option: "--chain-id", reason: "at most \(Limits.chainIdBytesMax) characters")
        }
        if let problem = NameRules.problem(identifier: chainId) { throw .invalidOption(option: "--chain-id", reason: problem) }
        if let problem = HostPort.problem(host: host) { throw .invalidOption(option: "--host", reason: problem) }
        try validateHosts()
        try validatePorts()
        try CertificateValidity.validate(days: certificateValidityDays)
        guard !outputDirectory.isEmpty else { throw .invalidOption(option: "--out", reason: "must not be empty") }
        try keyStorage.validate(option: "--password-file")
    }

    private func validateDepartments() throws(SetupError) {
        guard !departments.isEmpty else { throw .invalidOption(option: "--departments", reason: "at least one department is required") }
        guard departments.count <= NodeLimits.departmentsMax else {
            throw .invalidOption(option: "--departments", reason: "at most \(NodeLimits.departmentsMax) departments")
        }
        var seen: Set<String> = []
        for department in departments {
            if let problem = DepartmentIdentity.problem(id: department.id, name: department.name) {
                throw .invalidOption(option: "--departments", reason: problem.reason)
            }
            // Node and key names use the id in lower case; `td` and `TD` would collide.
            guard seen.insert(department.id.lowercased()).inserted else {
                throw .invalidOption(option: "--departments", reason: "department \"\(department.id)\" is listed twice")
            }
        }
    }

    private func validateHosts() throws(SetupError) {
        guard let hosts else { return }
        guard hosts.count == nodeCount else {
            throw .invalidOption(
                option: "--hosts",
                reason: "expected \(nodeCount) hosts, one per node in department then validator order, got \(hosts.count)")
        }
        for (index, host) in hosts.enumerated() {
            if let problem = HostPort.problem(host: host) {
                throw .invalidOption(option: "--hosts", reason: "host \(index + 1) (\"\(host)\") \(problem)")
            }
        }
    }

    private func validatePorts() throws(SetupError) {
        for (option, base) in [("--p2p-base-port", p2pBasePort), ("--rpc-base-port", rpcBasePort)] {
            guard base >= 1, base <= 65535 - (nodeCount - 1) else {
                throw .invalidOption(
                    option: option, reason: "\(nodeCount) nodes need ports \(base)...\(base + nodeCount - 1) within 1...65535")
            }
        }
        let p2pPorts = p2pBasePort..<(p2pBasePort + nodeCount)
        let rpcPorts = rpcBasePort..<(rpcBasePort + nodeCount)
        guard !p2pPorts.overlaps(rpcPorts) else {
            throw .invalidOption(option: "--rpc-base-port", reason: "RPC ports \(rpcPorts) overlap P2P ports \(p2pPorts)")
        }
    }
}
