import ChainTypes

/// A registered node's entry in the node registry: its role, department, endpoints and, for an
/// observer, its TLS certificate (a validator's certificate stays in its `ValidatorRecord`).
///
/// Nodes dial each other from these records (DESIGN §5 "Node roles and endpoints"; issue 16, deliver 2):
/// a department admin writes its own nodes' records with `node` transactions, without a vote.
public struct NodeRecord: Hashable, Sendable {
    public var name: String
    public var department: String
    public var role: NodeRole
    /// PEM, for observers; empty for validators.
    public var tlsCertificate: String
    /// `host:port` addresses, checked by `NodeEndpoints.problem(list:)` before they are written.
    public var endpoints: [String]

    public init(name: String, department: String, role: NodeRole, tlsCertificate: String = "", endpoints: [String]) {
        self.name = name
        self.department = department
        self.role = role
        self.tlsCertificate = tlsCertificate
        self.endpoints = endpoints
    }
}

extension NodeRecord: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: name)
        encoder.write(text: department)
        encoder.write(role.rawValue)
        encoder.write(text: tlsCertificate)
        encoder.write(UInt32(endpoints.count))
        for endpoint in endpoints { encoder.write(text: endpoint) }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        name = try decoder.readText(field: "node.name", limit: Limits.identifierBytesMax)
        department = try decoder.readText(field: "node.department", limit: Limits.identifierBytesMax)
        let tag = try decoder.readUInt8()
        guard let role = NodeRole(rawValue: tag) else { throw .unknownVariant(type: "NodeRole", tag: UInt64(tag)) }
        self.role = role
        tlsCertificate = try decoder.readText(field: "node.tlsCertificate", limit: Limits.certificatePEMBytesMax)
        endpoints = try NodeEndpoints.read(from: &decoder)
    }
}

extension BlockState {
    func nodeNames() throws(LedgerError) -> [String] {
        try record(StateLayout.nodeList, as: TextList.self)?.items ?? []
    }

    func node(_ name: String) throws(LedgerError) -> NodeRecord? { try record(StateLayout.node(name)) }

    /// Every node record, in registration order.
    func nodes() throws(LedgerError) -> [NodeRecord] {
        var records: [NodeRecord] = []
        for name in try nodeNames() {
            if let record = try node(name) { records.append(record) }
        }
        return records
    }

    /// Writes `record`, listing its name if it is new.
    func setNode(_ record: NodeRecord) throws(LedgerError) {
        var names = try nodeNames()
        if !names.contains(record.name) {
            names.append(record.name)
            setRecord(StateLayout.nodeList, TextList(names))
        }
        setRecord(StateLayout.node(record.name), record)
    }

    /// Deletes node `name`'s record and its list entry.
    func removeNode(_ name: String) throws(LedgerError) {
        let names = try nodeNames()
        guard names.contains(name) else { return }
        setRecord(StateLayout.nodeList, TextList(names.filter { $0 != name }))
        set(StateLayout.node(name), nil)
    }
}

/// `node` transactions (`docs/ledger.md` §6.5): a department admin registers and removes its observers
/// and sets its nodes' endpoints. Everything is checked against state here, since a hostile admin signs
/// whatever it likes: names, certificates, endpoint counts and syntax, and which department owns a node.
enum NodeRegistry {
    /// What `action` changes for `department`, or why it is reverted.
    static func apply(_ action: NodeAction, department: String, state: BlockState) throws(LedgerError) -> Result<Void, NodeActionRefusal> {
        let validators = try state.validators()
        let existing = try state.node(action.name)
        switch action {
        case .registerObserver(let name, let certificate, let endpoints):
            if let problem = NodeEndpoints.problem(list: endpoints) { return .failure(.badEndpoints(problem)) }
            if validators.contains(where: { $0.name == name }) || existing != nil { return .failure(.nameTaken(name)) }
            guard try state.nodeNames().count < LedgerLimits.nodesMax else { return .failure(.tooManyNodes(LedgerLimits.nodesMax)) }
            let caPEM = try state.department(department)?.caCertificate
            if let problem = CertificateChecks.nodeCertificateProblem(
                certificate, name: name, department: department, departmentCA: caPEM, atMs: nil)
            {
                return .failure(.badCertificate(problem))
            }
            try state.setNode(
                NodeRecord(name: name, department: department, role: .observer, tlsCertificate: certificate, endpoints: endpoints))
        case .removeObserver(let name):
            guard let existing, existing.role == .observer else { return .failure(.unknownObserver(name)) }
            guard existing.department == department else { return .failure(.otherDepartment(name, owner: existing.department)) }
            try state.removeNode(name)
        case .rotateObserver(let name, let certificate):
            guard var record = existing, record.role == .observer else { return .failure(.unknownObserver(name)) }
            guard record.department == department else { return .failure(.otherDepartment(name, owner: record.department)) }
            guard record.tlsCertificate != certificate else { return .failure(.badCertificate("the certificate is the one registered")) }
            let caPEM = try state.department(department)?.caCertificate
            if let problem = CertificateChecks.nodeCertificateProblem(
                certificate, name: name, department: department, departmentCA: caPEM, atMs: nil)
            {
                return .failure(.badCertificate(problem))
            }
            record.tlsCertificate = certificate
            try state.setNode(record)
        case .setEndpoints(let name, let endpoints):
            if let problem = NodeEndpoints.problem(list: endpoints) { return .failure(.badEndpoints(problem)) }
            if let validator = validators.first(where: { $0.name == name }) {
                guard validator.department == department else { return .failure(.otherDepartment(name, owner: validator.department)) }
                if existing == nil {
                    guard try state.nodeNames().count < LedgerLimits.nodesMax else {
                        return .failure(.tooManyNodes(LedgerLimits.nodesMax))
                    }
                }
                try state.setNode(NodeRecord(name: name, department: department, role: .validator, endpoints: endpoints))
            } else if var record = existing, record.role == .observer {
                guard record.department == department else { return .failure(.otherDepartment(name, owner: record.department)) }
                record.endpoints = endpoints
                try state.setNode(record)
            } else {
                return .failure(.unknownNode(name))
            }
        }
        return .success(())
    }
}

/// Why a `node` transaction is reverted; its description is the receipt's error message.
enum NodeActionRefusal: Error, Hashable, CustomStringConvertible {
    case badEndpoints(String)
    case nameTaken(String)
    case tooManyNodes(Int)
    case badCertificate(String)
    case unknownObserver(String)
    case unknownNode(String)
    case otherDepartment(String, owner: String)

    var description: String {
        switch self {
        case .badEndpoints(let problem): problem
        case .nameTaken(let name): "node name \(name) is already registered"
        case .tooManyNodes(let max): "the chain already registers the most nodes it can (\(max))"
        case .badCertificate(let problem): problem
        case .unknownObserver(let name): "unknown observer \(name)"
        case .unknownNode(let name): "unknown node \(name): not a validator or an observer"
        case .otherDepartment(let name, let owner): "node \(name) belongs to department \(owner)"
        }
    }
}
