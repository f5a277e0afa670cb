import ChainTypes

/// What a replica asks its driver to do after one or more `step`s, in the order the driver must do it.
///
/// The ordering duty (TOCS §4, PBFT-NOTES rules 8 and 9): **persist `journal` durably first, then send
/// `messages`, then hand `committed` to the executor.** A replica that votes and crashes before the vote
/// is durable could vote differently after restarting; writing first makes that impossible.
public struct Ready: Sendable, Equatable {
    /// Safety records to persist (with sync) before any message is sent.
    public var journal: [JournalRecord] = []
    /// Messages to send after the journal is durable.
    public var messages: [Outgoing] = []
    /// Newly committed blocks in height order, each exactly once (rule 6).
    public var committed: [CommittedBlock] = []
    /// Ask a peer for committed blocks (state transfer, rule 18).
    public var fetch: FetchRequest? = nil
    /// True when this replica is the primary and may propose the next block now (`Input.propose`).
    public var canPropose: Bool = false
    /// What happened, for logs, metrics and golden transcripts.
    public var events: [ReplicaEvent] = []

    public init() {}

    public var isEmpty: Bool {
        journal.isEmpty && messages.isEmpty && committed.isEmpty && fetch == nil && !canPropose && events.isEmpty
    }
}

/// A message and where it goes.
public struct Outgoing: Sendable, Equatable {
    public enum Target: Sendable, Equatable {
        /// Every other validator of the current set.
        case all
        /// One validator, by index in the current set.
        case replica(UInt16)
    }

    public var target: Target
    public var message: Message

    public init(_ message: Message, to target: Target) {
        self.message = message
        self.target = target
    }
}

/// One durable safety fact. Replaying a replica's records in order restores what it promised.
public enum JournalRecord: Hashable, Sendable {
    /// The replica entered `view` (normal operation) — it never returns to a lower view (rule 9).
    case enteredView(UInt64)
    /// The replica left its view to change to `view` (written before its VIEW-CHANGE is sent, rule 9).
    case changingView(UInt64)
    /// The replica sent (or, as primary, proposed) `digest` at (view, height) in `phase` (rule 8).
    case voted(phase: VotePhase, view: UInt64, height: UInt64, digest: Hash)
    /// The replica became prepared; P of a later VIEW-CHANGE must include it even after a restart, and the
    /// replica must still hold the block to give it to a new primary that lacks it.
    case prepared(PreparedCertificate, block: Block)
    /// A checkpoint became stable with this proof (rule 11).
    case stableCheckpoint(height: UInt64, proof: [Signed<Checkpoint>])
}

public enum VotePhase: UInt8, Hashable, Sendable {
    case prePrepare = 1, prepare = 2, commit = 3
}

/// Where a replica asks for committed blocks: a validator of the set deciding its next height, or a
/// registered observer linked to this node.
///
/// An observer holds every committed block with its commit certificate, so it can serve state transfer
/// (issue 16, deliver 3); its blocks are checked exactly as a validator's are (rule 18), so a faulty one
/// can only withhold them or send blocks that are refused.
public enum FetchSource: Hashable, Sendable, CustomStringConvertible {
    /// A validator, by index in the set deciding the replica's next committed height.
    case validator(UInt16)
    /// A registered observer, by node name (the name its links are known by).
    case observer(String)

    public var description: String {
        switch self {
        case .validator(let index): "r\(index)"
        case .observer(let name): name
        }
    }
}

/// A request for committed blocks from `source`, starting at `fromHeight`: everything a shell needs to
/// send it, so no shell decides whether or to whom a replica may ask.
///
/// Any node that follows the chain asks, member of the validator set or not: a validator added by
/// governance starts from genesis, where it is in no set, and must fetch every block up to its activation
/// height before it can vote (PBFT-NOTES rules 18 and 20). The peer is named as well as indexed because
/// the index belongs to the set the replica chose it from (the set deciding its next committed height),
/// which a shell reading another height's set could map to another validator.
public struct FetchRequest: Sendable, Equatable {
    /// The validator or observer asked.
    public var source: FetchSource
    /// The peer's node name: the validator's name in the set deciding the next height, or the observer's.
    public var peerName: String
    public var fromHeight: UInt64
    /// The height the replica knows to be committed somewhere; it fetches until it reaches it.
    public var targetHeight: UInt64
    /// The requester's own index in that set, or `requesterOutsideSet`. Informational only: servers
    /// answer on the authenticated link the request came in on and never read it.
    public var requester: UInt16

    /// The `requester` of a replica that is not in the set deciding its next height (a validator added
    /// by governance that is still catching up from genesis).
    public static let requesterOutsideSet = UInt16.max

    /// The message that asks `peer` for the blocks.
    public var message: Message { .fetchBlocks(fromHeight: fromHeight, requester: requester) }
}

/// Observable happenings of a replica.
public enum ReplicaEvent: Hashable, Sendable {
    case proposed(view: UInt64, height: UInt64, digest: Hash)
    case prepared(view: UInt64, height: UInt64, digest: Hash)
    case committed(view: UInt64, height: UInt64, digest: Hash)
    case checkpointStable(height: UInt64)
    case viewChangeStarted(view: UInt64, reason: ViewChangeReason)
    case enteredView(UInt64)
    case stateTransferStarted(fromHeight: UInt64, targetHeight: UInt64, source: FetchSource)
    case stateTransferred(height: UInt64)
    /// A primary signed two pre-prepares for one (view, height): the evidence (rule 17).
    case equivocation(first: Signed<PrePrepare>, second: Signed<PrePrepare>)
    /// A replica signed two different PREPAREs or COMMITs for one (view, height), as a replica that forgot
    /// its votes would (rule 19); the digests are the evidence, the second vote is ignored.
    case conflictingVote(phase: VotePhase, signer: UInt16, view: UInt64, height: UInt64, first: Hash, second: Hash)
    /// Own state root differs from a stable checkpoint: execution halts (rule 12).
    case stateDivergence(height: UInt64, local: Hash, stable: Hash)
    /// Consensus parameters decided by committed state govern from `fromHeight` (no restart needed).
    case parametersChanged(fromHeight: UInt64, ReplicaParameters)
    /// A message was refused; `reason` says why (counted in metrics).
    case rejected(MessageRejection)
}

public enum ViewChangeReason: Hashable, Sendable {
    case timeout
    case primaryEquivocated
    case joinedHigherView
    case newViewTimeout
    case invalidProposal
    /// The driver reported a transaction the primary kept leaving out of blocks with room (`Input.requestOverdue`).
    case requestOverdue
}

/// Why a replica ignored a message. Operating errors: expected from faulty peers, never fatal.
public enum MessageRejection: Hashable, Sendable {
    case wrongView(received: UInt64, current: UInt64)
    case outsideWatermarks(height: UInt64, low: UInt64, high: UInt64)
    case notFromPrimary(signer: UInt16)
    case unknownSigner(UInt16)
    case invalidSignature(signer: UInt16)
    case invalidBlock(height: UInt64, reason: String)
    case invalidViewChange(signer: UInt16, reason: String)
    case invalidNewView(signer: UInt16, reason: String)
    case invalidStateTransfer(height: UInt64, reason: String)
    /// Committed state holds consensus parameters the replica cannot run with; it keeps the old ones.
    case invalidParameters(height: UInt64, reason: String)
    /// A `.blocks` reply while no state transfer is outstanding: the replica knows what it asked for.
    case unsolicitedBlocks(count: Int)
    case viewTooFarAhead(received: UInt64, current: UInt64)
    /// The sender's share of the future-message buffer is full (rule 7).
    case bufferFull(signer: UInt16)
    /// A view, height or timestamp above its absolute cap (the integer rule, `ConsensusLimits`).
    case integerOutOfRange(IntegerRange)

    /// The case's name without its values, for counting rejections by kind (metrics, the simulator).
    ///
    /// A switch, not `"\(self)"`: reflection-based descriptions cost a tenth of a fuzzing run, where a
    /// faulty validator gets thousands of messages rejected per seed.
    public var kind: String {
        switch self {
        case .wrongView: "wrongView"
        case .outsideWatermarks: "outsideWatermarks"
        case .notFromPrimary: "notFromPrimary"
        case .unknownSigner: "unknownSigner"
        case .invalidSignature: "invalidSignature"
        case .invalidBlock: "invalidBlock"
        case .invalidViewChange: "invalidViewChange"
        case .invalidNewView: "invalidNewView"
        case .invalidStateTransfer: "invalidStateTransfer"
        case .invalidParameters: "invalidParameters"
        case .unsolicitedBlocks: "unsolicitedBlocks"
        case .viewTooFarAhead: "viewTooFarAhead"
        case .bufferFull: "bufferFull"
        case .integerOutOfRange: "integerOutOfRange"
        }
    }
}
