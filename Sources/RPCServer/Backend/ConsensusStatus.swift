import ChainTypes

/// The validator set deciding a height, and the epoch it belongs to (`consensus_getValidators`).
public struct ValidatorEpoch: Hashable, Sendable {
    /// The height asked about.
    public var height: UInt64
    /// The first height this set decides.
    public var firstHeight: UInt64
    public var validators: ValidatorSet

    public init(height: UInt64, firstHeight: UInt64, validators: ValidatorSet) {
        self.height = height
        self.firstHeight = firstHeight
        self.validators = validators
    }
}

/// The replica's progress as the node sees it (`consensus_getStatus`).
public struct ConsensusStatus: Hashable, Sendable {
    /// The latest committed height.
    public var height: UInt64
    /// The PBFT view the replica is in.
    public var view: UInt64
    /// The primary of `view` for the next height: its index in the validator set and its name.
    public var primaryIndex: Int
    public var primaryName: String
    /// Whether this node is a validator of the next height's set, and its index when it is.
    public var validatorIndex: Int?
    public var syncing: Bool
    /// Why the node stopped executing blocks; nil while running.
    public var haltedReason: String?
    /// View changes this node started since it started.
    public var viewChanges: UInt64
    /// Milliseconds since this node last committed a block; nil when it has not since it started.
    public var lastCommitAgeMs: UInt64?
    /// Every connected peer with the age of its last message.
    public var peers: [PeerInfo]

    public init(
        height: UInt64, view: UInt64, primaryIndex: Int, primaryName: String, validatorIndex: Int?, syncing: Bool, haltedReason: String?,
        viewChanges: UInt64, lastCommitAgeMs: UInt64?, peers: [PeerInfo]
    ) {
        self.height = height
        self.view = view
        self.primaryIndex = primaryIndex
        self.primaryName = primaryName
        self.validatorIndex = validatorIndex
        self.syncing = syncing
        self.haltedReason = haltedReason
        self.viewChanges = viewChanges
        self.lastCommitAgeMs = lastCommitAgeMs
        self.peers = peers
    }
}

/// The chain parameters in force (`consensus_getParams`): set at genesis, changed by governance.
public struct NetworkParameters: Hashable, Sendable {
    public var consensus: Genesis.ConsensusParameters
    public var governance: Genesis.GovernanceParameters
    public var protocolVersion: UInt32

    public init(consensus: Genesis.ConsensusParameters, governance: Genesis.GovernanceParameters, protocolVersion: UInt32) {
        self.consensus = consensus
        self.governance = governance
        self.protocolVersion = protocolVersion
    }
}
