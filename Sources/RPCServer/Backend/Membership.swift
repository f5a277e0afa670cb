import ChainTypes

/// A department as the chain records it (`membership_getDepartments`).
public struct DepartmentInfo: Hashable, Sendable {
    public var id: String
    public var name: String
    /// Compressed secp256k1 public keys of its admins.
    public var adminKeys: [[UInt8]]
    /// Its CA certificate, PEM.
    public var caCertificate: String
    /// Names of its validators in the current set.
    public var validators: [String]

    public init(id: String, name: String, adminKeys: [[UInt8]], caCertificate: String, validators: [String]) {
        self.id = id
        self.name = name
        self.adminKeys = adminKeys
        self.caCertificate = caCertificate
        self.validators = validators
    }
}

/// A node the chain registers (`membership_getNodes`): a validator or an observer, and where peers reach it.
public struct NodeInfo: Hashable, Sendable {
    public var name: String
    public var department: String
    /// `validator` or `observer` (`NodeRole.description`).
    public var role: String
    /// `host:port` addresses its department advertises on chain; empty when it advertises none.
    public var endpoints: [String]

    public init(name: String, department: String, role: String, endpoints: [String]) {
        self.name = name
        self.department = department
        self.role = role
        self.endpoints = endpoints
    }
}

/// A registered account (`membership_getAccount`).
public struct AccountInfo: Hashable, Sendable {
    public var address: Address
    public var department: String
    public var roles: [Genesis.Role]
    public var suspended: Bool
    /// The nonce the account's next transaction must carry in the latest finalized state.
    public var nonce: UInt64
    /// The nonce to sign next counting this node's pending transactions of the account (at least `nonce`),
    /// so a client that sends without waiting for receipts gets consecutive nonces.
    public var pendingNonce: UInt64

    public init(
        address: Address, department: String, roles: [Genesis.Role], suspended: Bool, nonce: UInt64, pendingNonce: UInt64? = nil
    ) {
        self.address = address
        self.department = department
        self.roles = roles
        self.suspended = suspended
        self.nonce = nonce
        self.pendingNonce = max(nonce, pendingNonce ?? nonce)
    }
}

/// Where a governance proposal stands; the names are the API's.
public enum ProposalState: String, CaseIterable, Sendable {
    /// Collecting votes.
    case open
    /// Passed; waiting for its activation height.
    case passed
    /// Passed and applied.
    case activated
    /// Enough departments voted no that it can no longer pass.
    case rejected
    /// Its lifetime ended before it passed.
    case expired
    /// Passed, but applying it failed.
    case failed
}

/// A governance proposal and its votes (`governance_getProposals`).
public struct ProposalInfo: Hashable, Sendable {
    /// One department's vote.
    public struct Vote: Hashable, Sendable {
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

    public var id: UInt64
    public var proposer: Address
    public var department: String
    public var change: ProposalChange
    public var description: String
    public var createdHeight: UInt64
    /// The last height at which votes count.
    public var expiresHeight: UInt64
    /// The height the change takes effect.
    public var activationHeight: UInt64
    public var votes: [Vote]
    public var status: ProposalState
    /// When the status last changed.
    public var statusHeight: UInt64
    /// Why applying failed, for `failed`; empty otherwise.
    public var failure: String

    public init(
        id: UInt64, proposer: Address, department: String, change: ProposalChange, description: String, createdHeight: UInt64,
        expiresHeight: UInt64, activationHeight: UInt64, votes: [Vote], status: ProposalState, statusHeight: UInt64, failure: String
    ) {
        self.id = id
        self.proposer = proposer
        self.department = department
        self.change = change
        self.description = description
        self.createdHeight = createdHeight
        self.expiresHeight = expiresHeight
        self.activationHeight = activationHeight
        self.votes = votes
        self.status = status
        self.statusHeight = statusHeight
        self.failure = failure
    }
}
