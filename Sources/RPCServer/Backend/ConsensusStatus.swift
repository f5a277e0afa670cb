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

/// What the replica is doing: ordering blocks, replacing the primary, catching up, or stopped.
public enum ConsensusPhase: String, CaseIterable, Hashable, Sendable {
    /// Normal case: the primary proposes and the replicas prepare and commit (PBFT §4.2).
    case normal
    /// Waiting for a NEW-VIEW after suspecting the primary (§4.4).
    case viewChange
    /// Fetching committed blocks it missed (state transfer, §4.3), or recovering a wiped data directory.
    case stateTransfer
    /// Execution stopped (see `haltedReason`).
    case halted
}

/// The latest view change this node started, and why.
public struct ViewChangeRecord: Hashable, Sendable {
    /// The view it moved to.
    public var view: UInt64
    /// Why (`timeout`, `requestOverdue`, `primaryEquivocated`, `joinedHigherView`, `newViewTimeout`, `invalidProposal`).
    public var reason: String
    /// Milliseconds since it started, on this node's clock.
    public var ageMs: UInt64

    public init(view: UInt64, reason: String, ageMs: UInt64) {
        self.view = view
        self.reason = reason
        self.ageMs = ageMs
    }
}

/// The replica's progress as the node sees it (`consensus_getStatus`).
public struct ConsensusStatus: Hashable, Sendable {
    /// The latest committed height.
    public var height: UInt64
    /// The PBFT view the replica is in.
    public var view: UInt64
    public var phase: ConsensusPhase
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
    /// The latest of them; nil when there was none since the node started.
    public var lastViewChange: ViewChangeRecord?
    /// Milliseconds since this node last committed a block; nil when it has not since it started.
    public var lastCommitAgeMs: UInt64?
    /// Every connected peer with the age of its last message.
    public var peers: [PeerInfo]
    /// `validator` or `observer`: what the node's configuration makes it; an observer never votes.
    public var role: String = "validator"

    public init(
        height: UInt64, view: UInt64, phase: ConsensusPhase, primaryIndex: Int, primaryName: String, validatorIndex: Int?, syncing: Bool,
        haltedReason: String?, viewChanges: UInt64, lastViewChange: ViewChangeRecord?, lastCommitAgeMs: UInt64?, peers: [PeerInfo]
    ) {
        self.height = height
        self.view = view
        self.phase = phase
        self.primaryIndex = primaryIndex
        self.primaryName = primaryName
        self.validatorIndex = validatorIndex
        self.syncing = syncing
        self.haltedReason = haltedReason
        self.viewChanges = viewChanges
        self.lastViewChange = lastViewChange
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
