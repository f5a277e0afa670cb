import ChainTypes

/// A registered account: its department, roles, suspension and next nonce (DESIGN §5).
public struct AccountRecord: Hashable, Sendable {
    public var department: String
    public var roles: [Genesis.Role]
    public var suspended: Bool
    /// The nonce the account's next transaction must carry.
    public var nonce: UInt64

    public init(department: String, roles: [Genesis.Role], suspended: Bool = false, nonce: UInt64 = 0) {
        self.department = department
        self.roles = roles.sorted { $0.tag < $1.tag }
        self.suspended = suspended
        self.nonce = nonce
    }

    public func has(_ role: Genesis.Role) -> Bool { roles.contains(role) }
}

extension AccountRecord: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: department)
        encoder.write(sequence: roles)
        encoder.write(suspended)
        encoder.write(nonce)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        department = try decoder.readText(field: "account.department", limit: Limits.identifierBytesMax)
        roles = try decoder.readSequence(field: "account.roles", limit: Genesis.Role.allCases.count)
        suspended = try decoder.readBool()
        nonce = try decoder.readUInt64()
    }
}

/// A department: its admin keys and the CA that signs its nodes' TLS certificates.
public struct DepartmentRecord: Hashable, Sendable {
    public var id: String
    public var name: String
    /// Compressed secp256k1 public keys of the admins the department was created with (genesis or
    /// `addDepartment`). Each became an admin account; votes and account actions are authorized by the
    /// `admin` role of the sender's account, not by this list.
    public var adminKeys: [[UInt8]]
    /// The department's CA certificate, PEM.
    public var caCertificate: String

    public init(id: String, name: String, adminKeys: [[UInt8]], caCertificate: String) {
        self.id = id
        self.name = name
        self.adminKeys = adminKeys
        self.caCertificate = caCertificate
    }
}

extension DepartmentRecord: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: id)
        encoder.write(text: name)
        encoder.write(UInt32(adminKeys.count))
        for key in adminKeys { encoder.write(bytes: key) }
        encoder.write(text: caCertificate)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        id = try decoder.readText(field: "department.id", limit: Limits.identifierBytesMax)
        name = try decoder.readText(field: "department.name", limit: Limits.nameBytesMax)
        let count = Int(try decoder.readUInt32())
        guard count <= 64 else { throw .lengthExceedsLimit(field: "department.adminKeys", length: count, limit: 64) }
        var keys: [[UInt8]] = []
        for _ in 0..<count { keys.append(try decoder.readBytes(field: "department.adminKey", limit: 65)) }
        adminKeys = keys
        caCertificate = try decoder.readText(field: "department.caCertificate", limit: Limits.certificatePEMBytesMax)
    }
}

/// A validator as the ledger keeps it: consensus identity plus the TLS certificate its peers must present.
public struct ValidatorRecord: Hashable, Sendable {
    public var name: String
    public var department: String
    public var consensusKey: [UInt8]
    /// PEM; peers refuse links from any other certificate (DESIGN §5).
    public var tlsCertificate: String

    public init(name: String, department: String, consensusKey: [UInt8], tlsCertificate: String) {
        self.name = name
        self.department = department
        self.consensusKey = consensusKey
        self.tlsCertificate = tlsCertificate
    }
}

extension ValidatorRecord: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: name)
        encoder.write(text: department)
        encoder.write(bytes: consensusKey)
        encoder.write(text: tlsCertificate)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        name = try decoder.readText(field: "validator.name", limit: Limits.identifierBytesMax)
        department = try decoder.readText(field: "validator.department", limit: Limits.identifierBytesMax)
        consensusKey = try decoder.readBytes(field: "validator.consensusKey", limit: Validator.publicKeyByteCount)
        tlsCertificate = try decoder.readText(field: "validator.tlsCertificate", limit: Limits.certificatePEMBytesMax)
    }
}

/// A deployed contract: where its code is and who deployed it.
public struct ContractRecord: Hashable, Sendable {
    public var name: String
    public var codeHash: Hash
    public var codeBytes: UInt32
    /// The deploying department; empty for standard contracts, which governance owns.
    public var department: String
    public var deployer: Address
    /// Standard contracts are deployed at genesis or by governance and upgraded only by governance.
    public var isStandard: Bool
    public var deployedHeight: UInt64

    public init(
        name: String, codeHash: Hash, codeBytes: UInt32, department: String, deployer: Address, isStandard: Bool,
        deployedHeight: UInt64
    ) {
        self.name = name
        self.codeHash = codeHash
        self.codeBytes = codeBytes
        self.department = department
        self.deployer = deployer
        self.isStandard = isStandard
        self.deployedHeight = deployedHeight
    }
}

extension ContractRecord: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: name)
        encoder.write(codeHash)
        encoder.write(codeBytes)
        encoder.write(text: department)
        encoder.write(deployer)
        encoder.write(isStandard)
        encoder.write(deployedHeight)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        name = try decoder.readText(field: "contract.name", limit: Limits.identifierBytesMax)
        codeHash = try decoder.read()
        codeBytes = try decoder.readUInt32()
        department = try decoder.readText(field: "contract.department", limit: Limits.identifierBytesMax)
        deployer = try decoder.read()
        isStandard = try decoder.readBool()
        deployedHeight = try decoder.readUInt64()
    }
}

/// The parameters governance can change: consensus, governance itself, and the protocol version.
public struct ChainParameters: Hashable, Sendable {
    public var consensus: Genesis.ConsensusParameters
    public var governance: Genesis.GovernanceParameters
    public var protocolVersion: UInt32

    public init(consensus: Genesis.ConsensusParameters, governance: Genesis.GovernanceParameters, protocolVersion: UInt32) {
        self.consensus = consensus
        self.governance = governance
        self.protocolVersion = protocolVersion
    }
}

extension ChainParameters: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(consensus)
        encoder.write(governance)
        encoder.write(protocolVersion)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        consensus = try decoder.read()
        governance = try decoder.read()
        protocolVersion = try decoder.readUInt32()
    }
}

/// Where a governance proposal stands.
public enum ProposalStatus: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Collecting votes.
    case open = 0
    /// Passed; waiting for its activation height.
    case passed = 1
    /// Passed and applied.
    case activated = 2
    /// Enough departments voted no that it can no longer pass.
    case rejected = 3
    /// Its lifetime ended before it passed.
    case expired = 4
    /// Passed, but applying it failed (for example, the validator it rotates was removed meanwhile).
    case failed = 5

    public var description: String {
        switch self {
        case .open: "open"
        case .passed: "passed"
        case .activated: "activated"
        case .rejected: "rejected"
        case .expired: "expired"
        case .failed: "failed"
        }
    }
}

extension ProposalStatus: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(rawValue) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        guard let status = ProposalStatus(rawValue: tag) else { throw .unknownVariant(type: "ProposalStatus", tag: UInt64(tag)) }
        self = status
    }
}

/// One department's vote on a proposal.
public struct ProposalVote: Hashable, Sendable {
    public var department: String
    public var approve: Bool
    public var voter: Address
    public var height: UInt64

    public init(department: String, approve: Bool, voter: Address, height: UInt64) {
        self.department = department
        self.approve = approve
        self.voter = voter
        self.height = height
    }
}

extension ProposalVote: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: department)
        encoder.write(approve)
        encoder.write(voter)
        encoder.write(height)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        department = try decoder.readText(field: "vote.department", limit: Limits.identifierBytesMax)
        approve = try decoder.readBool()
        voter = try decoder.read()
        height = try decoder.readUInt64()
    }
}

/// A governance proposal and its votes (DESIGN §5).
public struct ProposalRecord: Hashable, Sendable {
    public var id: UInt64
    public var proposer: Address
    public var department: String
    public var change: ProposalChange
    public var description: String
    public var createdHeight: UInt64
    /// The last height at which votes count.
    public var expiresHeight: UInt64
    /// The height the change takes effect (fixed when the proposal passes).
    public var activationHeight: UInt64
    public var votes: [ProposalVote]
    public var status: ProposalStatus
    /// When the status last changed.
    public var statusHeight: UInt64
    /// Why applying failed, for `failed`.
    public var failure: String

    public init(
        id: UInt64, proposer: Address, department: String, change: ProposalChange, description: String, createdHeight: UInt64,
        expiresHeight: UInt64, activationHeight: UInt64
    ) {
        self.id = id
        self.proposer = proposer
        self.department = department
        self.change = change
        self.description = description
        self.createdHeight = createdHeight
        self.expiresHeight = expiresHeight
        self.activationHeight = activationHeight
        self.votes = []
        self.status = .open
        self.statusHeight = createdHeight
        self.failure = ""
    }
}

extension ProposalRecord: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(id)
        encoder.write(proposer)
        encoder.write(text: department)
        encoder.write(change)
        encoder.write(text: description)
        encoder.write(createdHeight)
        encoder.write(expiresHeight)
        encoder.write(activationHeight)
        encoder.write(sequence: votes)
        encoder.write(status)
        encoder.write(statusHeight)
        encoder.write(text: failure)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        id = try decoder.readUInt64()
        proposer = try decoder.read()
        department = try decoder.readText(field: "proposal.department", limit: Limits.identifierBytesMax)
        change = try decoder.read()
        description = try decoder.readText(field: "proposal.description", limit: Limits.nameBytesMax)
        createdHeight = try decoder.readUInt64()
        expiresHeight = try decoder.readUInt64()
        activationHeight = try decoder.readUInt64()
        votes = try decoder.readSequence(field: "proposal.votes", limit: Limits.genesisDepartmentsMax)
        status = try decoder.read()
        statusHeight = try decoder.readUInt64()
        failure = try decoder.readText(field: "proposal.failure", limit: Limits.errorMessageBytesMax)
    }
}

/// The governance bookkeeping: the next proposal id, open proposals, and passed ones awaiting activation.
struct GovernanceBook: Hashable, Sendable {
    var nextProposalId: UInt64 = 1
    var open: [UInt64] = []
    /// Passed proposals by activation height, in the order they passed.
    var scheduled: [ScheduledActivation] = []

    struct ScheduledActivation: Hashable, Sendable, CanonicalCodable {
        var height: UInt64
        var proposal: UInt64

        init(height: UInt64, proposal: UInt64) {
            self.height = height
            self.proposal = proposal
        }

        func encode(to encoder: inout CanonicalEncoder) {
            encoder.write(height)
            encoder.write(proposal)
        }

        init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
            height = try decoder.readUInt64()
            proposal = try decoder.readUInt64()
        }
    }
}

extension GovernanceBook: CanonicalCodable {
    func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(nextProposalId)
        encoder.write(sequence: open)
        encoder.write(sequence: scheduled)
    }

    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        nextProposalId = try decoder.readUInt64()
        open = try decoder.readSequence(field: "governance.open", limit: 4096)
        scheduled = try decoder.readSequence(field: "governance.scheduled", limit: 4096)
    }
}

/// The validator sets in force over the chain's history: each from its first height (epochs).
public struct ValidatorEpochs: Hashable, Sendable {
    public var epochs: [Epoch]

    public struct Epoch: Hashable, Sendable, CanonicalCodable {
        public var firstHeight: UInt64
        public var validators: ValidatorSet

        public init(firstHeight: UInt64, validators: ValidatorSet) {
            self.firstHeight = firstHeight
            self.validators = validators
        }

        public func encode(to encoder: inout CanonicalEncoder) {
            encoder.write(firstHeight)
            encoder.write(validators)
        }

        public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
            firstHeight = try decoder.readUInt64()
            validators = try decoder.read()
        }
    }

    public init(epochs: [Epoch]) {
        self.epochs = epochs
    }

    /// The set deciding `height`.
    public func validators(at height: UInt64) -> ValidatorSet? {
        epochs.last { $0.firstHeight <= height }?.validators
    }
}

extension ValidatorEpochs: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(sequence: epochs) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        epochs = try decoder.readSequence(field: "epochs", limit: 1 << 16)
    }
}
