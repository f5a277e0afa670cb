import ChainTypes

/// A PBFT replica for a chain of blocks (Castro & Liskov, OSDI '99 / TOCS 2002), as a pure state machine.
///
/// Inputs go in through `step(_:)`; effects come out through `ready()` and are acknowledged with
/// `advance(_:)` (the etcd-raft `Step/Ready/Advance` shape). The replica does no IO, reads no clock and
/// draws no random numbers, so a seed replays any run exactly. One height is in flight at a time: the
/// primary proposes h only after h−1 is committed and executed (PBFT-NOTES rule 22).
public struct Replica: Sendable {
    public let configuration: ReplicaConfiguration
    /// The address of this replica's consensus key.
    public let identity: Address
    public internal(set) var schedule: ValidatorSchedule
    let authenticator: any MessageAuthenticator
    let screen: any TransactionScreen

    // View state.
    public internal(set) var view: UInt64 = 0
    /// True between sending VIEW-CHANGE for `view` and accepting its NEW-VIEW.
    public internal(set) var isChangingView = false

    // Chain state.
    public internal(set) var committedHeight: UInt64
    var committedHash: Hash
    var committedTimestampMs: UInt64
    var lastCertificate: CommitCertificate?
    public internal(set) var executedHeight: UInt64
    /// (state root after h, receipts root of h) for the last executed heights still needed.
    var executedRoots: [UInt64: (state: Hash, receipts: Hash)] = [:]
    /// Hashes of committed blocks not yet executed (their checkpoints need them).
    var committedBlockHashes: [UInt64: Hash] = [:]

    // Logs.
    var slots: [UInt64: Slot] = [:]
    var votes: [VoteKey: Hash] = [:]
    var checkpointVotes: [UInt64: [UInt16: Signed<Checkpoint>]] = [:]
    public internal(set) var stableHeight: UInt64 = 0
    var stableProof: [Signed<Checkpoint>] = []
    /// Own checkpoint messages by height, so divergence from a stable one can be detected (rule 12).
    var ownCheckpoints: [UInt64: Checkpoint] = [:]
    var viewChanges: [UInt16: Signed<ViewChange>] = [:]
    /// The NEW-VIEW this replica sent as primary, retransmitted until the view makes progress.
    var newViewSent: Signed<NewView>? = nil
    var futureMessages: [Message] = []
    /// Highest height and view each validator was seen working at (catch-up and view synchronization).
    var heightReports: [UInt16: UInt64] = [:]
    var viewReports: [UInt16: UInt64] = [:]

    // Timers (logical ticks).
    public internal(set) var ticks: UInt64 = 0
    var nowMs: UInt64 = 0
    var timerDeadline: UInt64? = nil
    var timeoutTicks: UInt64
    var workPending = false

    // State transfer.
    var fetch: (peer: UInt16, target: UInt64, deadline: UInt64)? = nil
    var fetchAttempt: UInt64 = 0
    /// Set on a state-root divergence: the replica stops voting (rule 12).
    public internal(set) var isHalted = false
    /// A wiped replica (no journal) votes only after learning, by state transfer, what was committed (rule 19).
    var isRecovering: Bool
    /// After recovering from a wipe: the replica votes only in views above `view` or heights above `height`.
    var votingFloor: (view: UInt64, height: UInt64)? = nil

    var pending = Ready()

    /// Creates a replica from its chain position and the journal it wrote before (empty on first start).
    ///
    /// A replica told it was `wiped` (its data directory was lost) starts recovering: it votes only after
    /// learning from f+1 peers where it may (PBFT-NOTES rule 19). The driver knows a wipe from an empty data
    /// directory on a node that was already part of the network.
    public init(
        configuration: ReplicaConfiguration, identity: Address, schedule: ValidatorSchedule, chain: ChainPosition,
        journal: [JournalRecord], wiped: Bool = false, authenticator: any MessageAuthenticator, screen: any TransactionScreen
    ) {
        self.configuration = configuration
        self.identity = identity
        self.schedule = schedule
        self.authenticator = authenticator
        self.screen = screen
        committedHeight = chain.committedHeight
        committedHash = chain.committedHash
        committedTimestampMs = chain.committedTimestampMs
        lastCertificate = chain.lastCertificate
        executedHeight = chain.committedHeight
        executedRoots[chain.committedHeight] = (chain.stateRoot, chain.receiptsRoot)
        timeoutTicks = configuration.viewChangeTimeoutTicks
        isRecovering = wiped
        replay(journal)
    }

    /// Rebuilds the safety state from journal records (PBFT-NOTES rules 8 and 9).
    mutating func replay(_ journal: [JournalRecord]) {
        for record in journal {
            switch record {
            case .enteredView(let entered):
                if entered >= view { (view, isChangingView) = (entered, false) }
            case .changingView(let target):
                if target >= view { (view, isChangingView) = (target, true) }
            case .voted(let phase, let view, let height, let digest):
                votes[VoteKey(phase: phase, view: view, height: height)] = digest
            case .prepared(let certificate):
                if certificate.height > committedHeight || certificate.height > stableHeight {
                    slots[certificate.height, default: Slot()].recordPrepared(certificate)
                }
            case .stableCheckpoint(let height, let proof):
                if height >= stableHeight { (stableHeight, stableProof) = (height, proof) }
            }
        }
        garbageCollect()
    }

    /// Whether the replica is catching up: recovering after a wipe (rule 19) or fetching committed blocks
    /// (rule 18). The node reports itself not ready while this holds.
    public var isSyncing: Bool { isRecovering || fetch != nil }

    /// Ticks until the view-change timer fires, or nil when it is not running (for status and metrics).
    public var ticksUntilTimeout: UInt64? { timerDeadline.map { $0 > ticks ? $0 - ticks : 0 } }

    // MARK: - Step / Ready / Advance

    /// Feeds one input to the replica.
    public mutating func step(_ input: Input) {
        switch input {
        case .tick(let now):
            nowMs = now
            ticks += 1
            onTick()
        case .message(let message):
            receive(message)
        case .propose(let transactions):
            propose(transactions)
        case .executed(let height, let stateRoot, let receiptsRoot, let change):
            onExecuted(height: height, stateRoot: stateRoot, receiptsRoot: receiptsRoot, change: change)
        case .workPending:
            workPending = true
            if timerDeadline == nil, !isChangingView { armTimer() }
        case .requestOverdue:
            onRequestOverdue()
        }
        pending.canPropose = canPropose
    }

    /// The effects accumulated since the last `advance`.
    public func ready() -> Ready { pending }

    /// Acknowledges that `ready` was carried out (journal persisted, messages sent, blocks handed over).
    public mutating func advance(_ ready: Ready) {
        precondition(ready == pending, "advance must acknowledge the Ready last returned")
        pending = Ready()
        pending.canPropose = canPropose
    }

    // MARK: - Shared helpers

    /// The validators deciding the next height.
    var currentValidators: ValidatorSet { schedule.validators(at: committedHeight + 1) }

    func ownIndex(at height: UInt64) -> UInt16? {
        schedule.validators(at: height).index(of: identity).map { UInt16($0) }
    }

    func primary(of view: UInt64, at height: UInt64) -> UInt16 {
        UInt16(schedule.validators(at: height).primary(for: view))
    }

    /// Votes needed at `height`, weakened only under the negative-control fault.
    func quorum(at height: UInt64) -> Int {
        let q = schedule.validators(at: height).quorum
        return configuration.faults.contains(.unsafeQuorum) ? max(1, q - 1) : q
    }

    var lowWatermark: UInt64 { stableHeight }
    var highWatermark: UInt64 { stableHeight + configuration.watermarkWindow }

    func isValid<Payload: SignablePayload>(_ signed: Signed<Payload>) -> Bool {
        let validators = schedule.validators(at: signed.payload.height)
        guard Int(signed.signer) < validators.count else { return false }
        return authenticator.isValid(
            signed.signature, digest: signed.payload.signingDigest(chainId: configuration.chainId),
            by: validators.validators[Int(signed.signer)])
    }

    func sign<Payload: SignablePayload>(_ payload: Payload) -> Signed<Payload>? {
        guard let index = ownIndex(at: payload.height) else { return nil }
        return Signed(payload: payload, signer: index, signature: authenticator.sign(payload.signingDigest(chainId: configuration.chainId)))
    }

    mutating func send(_ message: Message, to target: Outgoing.Target = .all) {
        guard pending.messages.count < ConsensusLimits.outgoingPerStepMax else { return }
        pending.messages.append(Outgoing(message, to: target))
    }

    mutating func persist(_ record: JournalRecord) { pending.journal.append(record) }

    mutating func emit(_ event: ReplicaEvent) { pending.events.append(event) }

    mutating func reject(_ rejection: MessageRejection) { emit(.rejected(rejection)) }

    /// Records a vote durably before it is sent; refuses a vote that would contradict an earlier one (rule 8).
    mutating func recordVote(_ phase: VotePhase, view: UInt64, height: UInt64, digest: Hash) -> Bool {
        let key = VoteKey(phase: phase, view: view, height: height)
        if let earlier = votes[key] { return earlier == digest }
        votes[key] = digest
        persist(.voted(phase: phase, view: view, height: height, digest: digest))
        return true
    }

    // MARK: - Receiving

    mutating func receive(_ message: Message) {
        switch message {
        case .prePrepare(let signed, let block): onPrePrepare(signed, block: block)
        case .prepare(let signed): onPrepare(signed)
        case .commit(let signed): onCommit(signed)
        case .checkpoint(let signed): onCheckpoint(signed)
        case .viewChange(let signed): onViewChange(signed)
        case .newView(let signed): onNewView(signed)
        case .blocks(let blocks): onBlocks(blocks)
        case .fetchBlocks: break  // served by the driver from its block store
        }
    }

    /// Keeps a message for a later view or height, within a bound (rule 7).
    mutating func buffer(_ message: Message) {
        guard futureMessages.count < ConsensusLimits.futureMessagesMax else {
            reject(.bufferFull)
            return
        }
        if !futureMessages.contains(message) { futureMessages.append(message) }
    }

    /// Re-delivers buffered messages after the view or height moved.
    mutating func drainBuffer() {
        let messages = futureMessages
        futureMessages = []
        for message in messages { receive(message) }
    }

    /// Notes that `signer` works at `height` in `view`; f+1 such reports above us trigger catch-up and
    /// view synchronization (at least one of them is honest).
    mutating func noteActivity(of signer: UInt16, height: UInt64, view: UInt64) {
        if height > heightReports[signer, default: 0] { heightReports[signer] = height }
        if view > viewReports[signer, default: 0] { viewReports[signer] = view }
        let weak = currentValidators.weakQuorum
        if let vouchedHeight = kthLargest(Array(heightReports.values), weak), vouchedHeight > committedHeight + 1 {
            // Someone honest works at `vouchedHeight`, so everything below it is committed somewhere.
            startStateTransfer(target: vouchedHeight - 1)
        }
        if let vouchedView = kthLargest(Array(viewReports.values), weak), vouchedView > view, !isHalted {
            enterView(vouchedView)
            emit(.viewChangeStarted(view: vouchedView, reason: .joinedHigherView))
        }
        finishRecoveryIfCaughtUp()
    }
}

/// The k-th largest value (1-based), or nil when there are fewer than k values.
func kthLargest(_ values: [UInt64], _ k: Int) -> UInt64? {
    guard k >= 1, values.count >= k else { return nil }
    return values.sorted(by: >)[k - 1]
}

/// The key of a vote a replica promised: one digest per (phase, view, height).
struct VoteKey: Hashable, Sendable {
    var phase: VotePhase
    var view: UInt64
    var height: UInt64
}
