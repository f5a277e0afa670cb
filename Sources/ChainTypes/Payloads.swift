/// The payload of a `deploy` transaction: a contract's name and WebAssembly code (DESIGN §4, §6).
///
/// The contract's address is not chosen by the sender: it is `Address.contract(deployer:nonce:)`, so two
/// deployments can never race for one address and a receipt names where the code went.
public struct DeployPayload: Hashable, Sendable {
    public var name: String
    public var code: [UInt8]

    public init(name: String, code: [UInt8]) {
        self.name = name
        self.code = code
    }
}

extension DeployPayload: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: name)
        encoder.write(bytes: code)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        name = try decoder.readText(field: "deploy.name", limit: Limits.identifierBytesMax)
        code = try decoder.readBytes(field: "deploy.code", limit: Limits.transactionPayloadBytesMax)
    }
}

/// The payload of a `call` transaction: the contract and its ABI-encoded input (`docs/contracts.md`).
public struct CallPayload: Hashable, Sendable {
    public var contract: Address
    /// The canonical encoding of the method name and arguments.
    public var input: [UInt8]

    public init(contract: Address, input: [UInt8]) {
        self.contract = contract
        self.input = input
    }
}

extension CallPayload: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(contract)
        encoder.write(bytes: input)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        contract = try decoder.read()
        input = try decoder.readBytes(field: "call.input", limit: Limits.transactionPayloadBytesMax)
    }
}

extension Genesis.Role: CanonicalCodable {
    /// The wire tag of each role; the same numbers the contract host API uses for `caller_has_role`.
    public var tag: UInt8 {
        switch self {
        case .admin: 0
        case .issuer: 1
        case .submitter: 2
        case .auditor: 3
        }
    }

    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(tag) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        guard let role = Self.allCases.first(where: { $0.tag == tag }) else {
            throw .unknownVariant(type: "Role", tag: UInt64(tag))
        }
        self = role
    }

    /// Reads a role list: at most one of each, in tag order, so a set of roles has one encoding.
    static func readSet(from decoder: inout CanonicalDecoder, field: String) throws(CanonicalDecodingError) -> [Genesis.Role] {
        let roles = try decoder.readSequence(of: Genesis.Role.self, field: field, limit: Genesis.Role.allCases.count)
        for index in roles.indices.dropFirst() where roles[index - 1].tag >= roles[index].tag {
            throw .invalidValue(field: field, reason: "roles must be distinct and in tag order")
        }
        return roles
    }
}

/// The payload of an `account` transaction: a department admin manages its own department's accounts (DESIGN §5).
public enum AccountAction: Hashable, Sendable {
    /// Registers `address` in the admin's department with `roles`.
    case add(address: Address, roles: [Genesis.Role])
    /// Stops `address` from sending transactions until reinstated.
    case suspend(address: Address)
    /// Lifts a suspension.
    case reinstate(address: Address)
    /// Replaces the roles of `address`.
    case setRoles(address: Address, roles: [Genesis.Role])

    /// The account the action is about.
    public var address: Address {
        switch self {
        case .add(let address, _), .suspend(let address), .reinstate(let address), .setRoles(let address, _): address
        }
    }
}

extension AccountAction: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .add(let address, let roles):
            encoder.write(UInt8(1))
            encoder.write(address)
            encoder.write(sequence: roles.sorted { $0.tag < $1.tag })
        case .suspend(let address):
            encoder.write(UInt8(2))
            encoder.write(address)
        case .reinstate(let address):
            encoder.write(UInt8(3))
            encoder.write(address)
        case .setRoles(let address, let roles):
            encoder.write(UInt8(4))
            encoder.write(address)
            encoder.write(sequence: roles.sorted { $0.tag < $1.tag })
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1: self = .add(address: try decoder.read(), roles: try Genesis.Role.readSet(from: &decoder, field: "account.roles"))
        case 2: self = .suspend(address: try decoder.read())
        case 3: self = .reinstate(address: try decoder.read())
        case 4: self = .setRoles(address: try decoder.read(), roles: try Genesis.Role.readSet(from: &decoder, field: "account.roles"))
        default: throw .unknownVariant(type: "AccountAction", tag: UInt64(tag))
        }
    }
}

/// The payload of a `governance` transaction: open a proposal or vote on one (DESIGN §5).
public enum GovernanceAction: Hashable, Sendable {
    /// Opens a proposal that, once passed, takes effect at `activationHeight` (or as soon as it passes,
    /// when that height is already behind; validator changes never sooner than two blocks after passing).
    case propose(change: ProposalChange, activationHeight: UInt64, description: String)
    /// The sender's department votes on proposal `proposal`.
    case vote(proposal: UInt64, approve: Bool)
}

extension GovernanceAction: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .propose(let change, let activationHeight, let description):
            encoder.write(UInt8(1))
            encoder.write(change)
            encoder.write(activationHeight)
            encoder.write(text: description)
        case .vote(let proposal, let approve):
            encoder.write(UInt8(2))
            encoder.write(proposal)
            encoder.write(approve)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1:
            self = .propose(
                change: try decoder.read(), activationHeight: try decoder.readUInt64(),
                description: try decoder.readText(field: "proposal.description", limit: Limits.nameBytesMax))
        case 2: self = .vote(proposal: try decoder.readUInt64(), approve: try decoder.readBool())
        default: throw .unknownVariant(type: "GovernanceAction", tag: UInt64(tag))
        }
    }
}

/// What a governance proposal changes once it passes (DESIGN §5).
public enum ProposalChange: Hashable, Sendable {
    /// Adds a department with its admins' compressed public keys and its CA certificate (PEM).
    case addDepartment(id: String, name: String, adminKeys: [[UInt8]], caCertificate: String)
    /// Removes a department: its accounts can no longer send, its validators leave the set.
    case removeDepartment(id: String)
    /// Adds a validator (compressed consensus key, TLS certificate PEM).
    case addValidator(name: String, department: String, consensusKey: [UInt8], tlsCertificate: String)
    case removeValidator(name: String)
    /// Replaces a validator's consensus key and TLS certificate.
    case rotateValidator(name: String, consensusKey: [UInt8], tlsCertificate: String)
    /// Revokes a node certificate by the SHA-256 of its DER encoding; links using it are closed.
    case revokeCertificate(certificateDigest: Hash)
    /// Deploys or replaces the code of a standard contract at a fixed address.
    case upgradeContract(name: String, address: Address, code: [UInt8])
    case setConsensusParameters(Genesis.ConsensusParameters)
    case setGovernanceParameters(Genesis.GovernanceParameters)
    case setProtocolVersion(UInt32)

    /// Whether the change alters the validator set, which consensus must learn two blocks ahead (rule 20).
    public var changesValidators: Bool {
        switch self {
        case .addValidator, .removeValidator, .rotateValidator, .removeDepartment: true
        default: false
        }
    }

    /// Whether the change alters departments or validators: such changes activate no sooner than two
    /// blocks after passing, so the set consensus is told two heights ahead is final (rule 20).
    public var affectsRoster: Bool {
        if case .addDepartment = self { return true }
        return changesValidators
    }

    /// A short name for logs, receipts and the explorer.
    public var kindName: String {
        switch self {
        case .addDepartment: "addDepartment"
        case .removeDepartment: "removeDepartment"
        case .addValidator: "addValidator"
        case .removeValidator: "removeValidator"
        case .rotateValidator: "rotateValidator"
        case .revokeCertificate: "revokeCertificate"
        case .upgradeContract: "upgradeContract"
        case .setConsensusParameters: "setConsensusParameters"
        case .setGovernanceParameters: "setGovernanceParameters"
        case .setProtocolVersion: "setProtocolVersion"
        }
    }
}

extension ProposalChange: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .addDepartment(let id, let name, let adminKeys, let caCertificate):
            encoder.write(UInt8(1))
            encoder.write(text: id)
            encoder.write(text: name)
            encoder.write(UInt32(adminKeys.count))
            for key in adminKeys { encoder.write(fixed: key) }
            encoder.write(text: caCertificate)
        case .removeDepartment(let id):
            encoder.write(UInt8(2))
            encoder.write(text: id)
        case .addValidator(let name, let department, let consensusKey, let tlsCertificate):
            encoder.write(UInt8(3))
            encoder.write(text: name)
            encoder.write(text: department)
            encoder.write(fixed: consensusKey)
            encoder.write(text: tlsCertificate)
        case .removeValidator(let name):
            encoder.write(UInt8(4))
            encoder.write(text: name)
        case .rotateValidator(let name, let consensusKey, let tlsCertificate):
            encoder.write(UInt8(5))
            encoder.write(text: name)
            encoder.write(fixed: consensusKey)
            encoder.write(text: tlsCertificate)
        case .revokeCertificate(let digest):
            encoder.write(UInt8(6))
            encoder.write(digest)
        case .upgradeContract(let name, let address, let code):
            encoder.write(UInt8(7))
            encoder.write(text: name)
            encoder.write(address)
            encoder.write(bytes: code)
        case .setConsensusParameters(let parameters):
            encoder.write(UInt8(8))
            encoder.write(parameters)
        case .setGovernanceParameters(let parameters):
            encoder.write(UInt8(9))
            encoder.write(parameters)
        case .setProtocolVersion(let version):
            encoder.write(UInt8(10))
            encoder.write(version)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1:
            let id = try decoder.readText(field: "proposal.department", limit: Limits.identifierBytesMax)
            let name = try decoder.readText(field: "proposal.name", limit: Limits.nameBytesMax)
            let count = Int(try decoder.readUInt32())
            guard count >= 1, count <= 16 else {
                throw .lengthExceedsLimit(field: "proposal.adminKeys", length: count, limit: 16)
            }
            var keys: [[UInt8]] = []
            for _ in 0..<count { keys.append(try Self.readKey(&decoder, field: "proposal.adminKeys")) }
            let pem = try decoder.readText(field: "proposal.caCertificate", limit: Limits.certificatePEMBytesMax)
            self = .addDepartment(id: id, name: name, adminKeys: keys, caCertificate: pem)
        case 2: self = .removeDepartment(id: try decoder.readText(field: "proposal.department", limit: Limits.identifierBytesMax))
        case 3:
            self = .addValidator(
                name: try decoder.readText(field: "proposal.validator", limit: Limits.identifierBytesMax),
                department: try decoder.readText(field: "proposal.department", limit: Limits.identifierBytesMax),
                consensusKey: try Self.readKey(&decoder, field: "proposal.consensusKey"),
                tlsCertificate: try decoder.readText(field: "proposal.tlsCertificate", limit: Limits.certificatePEMBytesMax))
        case 4: self = .removeValidator(name: try decoder.readText(field: "proposal.validator", limit: Limits.identifierBytesMax))
        case 5:
            self = .rotateValidator(
                name: try decoder.readText(field: "proposal.validator", limit: Limits.identifierBytesMax),
                consensusKey: try Self.readKey(&decoder, field: "proposal.consensusKey"),
                tlsCertificate: try decoder.readText(field: "proposal.tlsCertificate", limit: Limits.certificatePEMBytesMax))
        case 6: self = .revokeCertificate(certificateDigest: try decoder.read())
        case 7:
            self = .upgradeContract(
                name: try decoder.readText(field: "proposal.contract", limit: Limits.identifierBytesMax), address: try decoder.read(),
                code: try decoder.readBytes(field: "proposal.code", limit: Limits.transactionPayloadBytesMax))
        case 8: self = .setConsensusParameters(try decoder.read())
        case 9: self = .setGovernanceParameters(try decoder.read())
        case 10: self = .setProtocolVersion(try decoder.readUInt32())
        default: throw .unknownVariant(type: "ProposalChange", tag: UInt64(tag))
        }
    }

    private static func readKey(_ decoder: inout CanonicalDecoder, field: String) throws(CanonicalDecodingError) -> [UInt8] {
        let key = try decoder.readFixed(count: Validator.publicKeyByteCount)
        guard key[0] == 0x02 || key[0] == 0x03 else {
            throw .invalidValue(field: field, reason: "expected a compressed secp256k1 public key")
        }
        return key
    }
}

extension Genesis.ConsensusParameters: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encodeCanonical(to: &encoder) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        self.init(
            checkpointInterval: try decoder.readUInt64(), watermarkWindow: try decoder.readUInt64(),
            viewChangeTimeoutTicks: try decoder.readUInt64(), viewChangeTimeoutTicksMax: try decoder.readUInt64(),
            tickMs: try decoder.readUInt64(), blockTransactionsMax: try decoder.readUInt32(), blockBytesMax: try decoder.readUInt32(),
            blockFuelMax: try decoder.readUInt64(), timestampDriftMsMax: try decoder.readUInt64(),
            transactionFuelMax: try decoder.readUInt64(), blockWriteBytesMax: try decoder.readUInt64())
    }
}

extension Genesis.GovernanceParameters: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encodeCanonical(to: &encoder) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        self.init(
            thresholdNumerator: try decoder.readUInt32(), thresholdDenominator: try decoder.readUInt32(),
            proposalLifetimeBlocks: try decoder.readUInt64(), departmentsMayDeploy: try decoder.readBool())
    }
}

extension Address {
    /// The address of a contract deployed by `deployer` with its transaction nonce `nonce`.
    public static func contract(deployer: Address, nonce: UInt64) -> Address {
        var encoder = CanonicalEncoder(reservingCapacity: 28)
        encoder.write(deployer)
        encoder.write(nonce)
        return Address(publicKeyDigest: Hash.tagged(.contractAddress, encoder.bytes))
    }
}
