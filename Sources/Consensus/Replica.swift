import ChainTypes

/// A PBFT replica for a chain of blocks (Castro & Liskov, OSDI '99 / TOCS 2002), as a pure state machine.
///
/// Inputs go in through `step(_:)`; effects come out through `ready()` and are acknowledged with
/// `advance(_:)` (the etcd-raft `Step/Ready/Advance` shape). The replica does no IO, reads no clock and
/// draws no random numbers, so a seed replays any run exactly. One height is in flight at a time: the
/// primary proposes h only after h−1 is committed and executed (PBFT-NOTES rule 22).
public struct Replica: Sendable {
    /// The chain's configuration; its `parameters` change at heights committed state decides.
    public internal(set) var configuration: ReplicaConfiguration
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
    /// The NEW-VIEW this replica sent as primary and the VIEW-CHANGEs its V names, retransmitted (and
    /// relayed) until the view makes progress.
    var newViewSent: Signed<NewView>? = nil
    var newViewProof: [Signed<ViewChange>] = []
    /// When this primary last re-sent its NEW-VIEW to each validator (`resendNewView`), by index.
    var newViewResent: [UInt16: UInt64] = [:]
    /// A NEW-VIEW from the primary of its view waiting for VIEW-CHANGEs its V names (TOCS §4.5): one, the
    /// latest, with the referenced messages collected so far (at most one per validator).
    var pendingNewView: PendingNewView? = nil
    /// Messages for later views, by sender, each sender within its own count and byte budget (rule 7).
    var futureMessages: [Address: FutureMessages] = [:]
    /// Highest height and view each validator was seen working at (catch-up and view synchronization).
    var heightReports: [Address: UInt64] = [:]
    var viewReports: [Address: UInt64] = [:]

    // Timers (logical ticks).
    public internal(set) var ticks: UInt64 = 0
    var nowMs: UInt64 = 0
    var timerDeadline: UInt64? = nil
    var timeoutTicks: UInt64
    var workPending = false

    // State transfer.
    var fetch: (source: FetchSource, target: UInt64, deadline: UInt64)? = nil
    /// Registered observers linked to this node, sorted: asked for blocks after the validators (`Input.observers`).
    public internal(set) var observers: [String] = []
    var fetchAttempt: UInt64 = 0
    /// Transferred blocks waiting until the set that checks them is known (at most `fetchBlocksMax`).
    var transferQueue: [CommittedBlock] = []
    /// The window before the last parameter change, in force (if larger) until a checkpoint at `untilStable`
    /// or above is stable (`watermarkWindow`).
    var carriedWindow: (window: UInt64, untilStable: UInt64)? = nil
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
        // The journal is this replica's own disk, but a view above the cap would make `view + 1` trap later.
        for record in journal where record.view.map({ $0 <= ConsensusLimits.viewMax }) ?? true {
            switch record {
            case .enteredView(let entered):
                if entered >= view { (view, isChangingView) = (entered, false) }
            case .changingView(let target):
                if target >= view { (view, isChangingView) = (target, true) }
            case .voted(let phase, let view, let height, let digest):
                votes[VoteKey(phase: phase, view: view, height: height)] = digest
            case .prepared(let certificate, let block):
                if certificate.height > committedHeight || certificate.height > stableHeight {
                    slots[certificate.height, default: Slot()].recordPrepared(certificate)
                    slots[certificate.height, default: Slot()].bodies[certificate.digest] = block
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

    /// The peer asked for blocks by the state transfer under way, if any (for logs).
    public var fetchSource: FetchSource? { fetch?.source }

    /// Whether the replica, started `wiped`, has not yet learned where it may vote again (rule 19).
    public var isRecoveringAfterWipe: Bool { isRecovering }

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
        case .executed(let height, let stateRoot, let receiptsRoot, let change, let parameters):
            onExecuted(height: height, stateRoot: stateRoot, receiptsRoot: receiptsRoot, change: change, parameters: parameters)
        case .workPending:
            workPending = true
            if timerDeadline == nil, !isChangingView { armTimer() }
        case .requestOverdue:
            onRequestOverdue()
        case .observers(let names):
            observers = Array(Set(names).sorted().prefix(ConsensusLimits.fetchObserversMax))
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
    /// l + L, saturating: L comes from genesis or governance (rule 7 and the integer rule).
    var highWatermark: UInt64 { stableHeight.adding(saturating: watermarkWindow) }

    /// L in force: the configured window, or the window before a parameter change while no checkpoint at or
    /// above the change is stable yet, whichever is larger.
    ///
    /// A change that shrinks L (or moves K) must not leave heights already committed above the new high
    /// watermark: the next checkpoint would then lie beyond the window and never become stable, and the
    /// chain would halt (simulator seed 1213). The old window holds until the checkpoint every replica sends
    /// at the change height (`onExecuted`) is stable, which re-anchors the window (rules 10, 11).
    var watermarkWindow: UInt64 {
        guard let carried = carriedWindow, stableHeight < carried.untilStable else { return configuration.watermarkWindow }
        return max(configuration.watermarkWindow, carried.window)
    }

    /// The height whose validator set checks VIEW-CHANGE and NEW-VIEW: the receiver's next height.
    ///
    /// Rule 20 asks that view-change proofs be checked against the right set. The sender's own stable height
    /// would let it choose an old set in which a removed or rotated key still counts; the set deciding the
    /// next height is the one whose members may change the view now.
    var viewChangeHeight: UInt64 { committedHeight + 1 }

    func isValid<Payload: HeightScopedPayload>(_ signed: Signed<Payload>) -> Bool {
        isValid(signed, at: signed.payload.height)
    }

    /// Whether `signed` carries a valid signature of validator `signer` of the set in force at `height`.
    func isValid<Payload: SignablePayload>(_ signed: Signed<Payload>, at height: UInt64) -> Bool {
        let validators = schedule.validators(at: height)
        guard Int(signed.signer) < validators.count else { return false }
        return authenticator.isValid(
            signed.signature, digest: signed.payload.signingDigest(chainId: configuration.chainId),
            by: validators.validators[Int(signed.signer)])
    }

    func sign<Payload: HeightScopedPayload>(_ payload: Payload) -> Signed<Payload>? { sign(payload, at: payload.height) }

    func sign<Payload: SignablePayload>(_ payload: Payload, at height: UInt64) -> Signed<Payload>? {
        guard let index = ownIndex(at: height) else { return nil }
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

    /// Admits a message by the integer rule first (`Message.integerOutOfRange`), then hands it to its phase.
    mutating func receive(_ message: Message) {
        if let problem = message.integerOutOfRange { return reject(.integerOutOfRange(problem)) }
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

    /// Encoded bytes of buffered future messages, all senders together (at most
    /// `ConsensusLimits.futureBytesMax(validators:)`; the simulator checks it).
    public var bufferedBytes: Int { futureMessages.values.reduce(0) { $0 + $1.bytes } }

    /// Keeps a message for a later view, within its sender's budget (rule 7).
    ///
    /// Callers buffer only after the cheap checks (integers in range, a valid signature of a member of the
    /// set at the message's height, a pre-prepare from the primary of its view). Budgets are per sender, so
    /// a validator that floods fills its own share and never crowds out an honest one.
    mutating func buffer(_ message: Message, from signer: UInt16, at height: UInt64) {
        let validators = schedule.validators(at: height)
        guard Int(signer) < validators.count else { return }
        let sender = validators.validators[Int(signer)].address
        var queue = futureMessages[sender, default: FutureMessages()]
        guard !queue.messages.contains(message) else { return }
        let size = message.canonicalBytes.count
        guard queue.messages.count < ConsensusLimits.futureMessagesPerSenderMax,
            queue.bytes + size <= ConsensusLimits.futureBytesPerSenderMax
        else { return reject(.bufferFull(signer: signer)) }
        queue.messages.append(message)
        queue.bytes += size
        futureMessages[sender] = queue
    }

    /// Re-delivers buffered messages after the view or height moved (senders in address order).
    mutating func drainBuffer() {
        let queues = futureMessages.sorted { $0.key < $1.key }
        futureMessages = [:]
        for (_, queue) in queues {
            for message in queue.messages { receive(message) }
        }
    }

    /// Notes that `signer` works at `height` in `reportedView`; f+1 such reports above us trigger catch-up
    /// and view synchronization (at least one of them is honest).
    ///
    /// Called only for admitted messages (integers in range, valid signature). Reports are kept by address
    /// and only for members of the current set: a removed or rotated key, valid at an old height, neither
    /// counts towards f+1 nor stands in for the validator that now holds its index (rules 16a, 20).
    ///
    /// A higher view is joined by VIEW-CHANGE (rule 16a), never entered directly: a replica in a view it
    /// entered without the NEW-VIEW would accept a fresh proposal at a height where O re-proposes another
    /// block, so f of them with a faulty primary could prepare a second block at a committed height. The
    /// new primary answers a late VIEW-CHANGE for its view with the NEW-VIEW (`resendNewView`).
    mutating func noteActivity(of signer: UInt16, height: UInt64, view reportedView: UInt64, verifiedAt: UInt64? = nil) {
        let signers = schedule.validators(at: verifiedAt ?? height)
        guard Int(signer) < signers.count else { return }
        let address = signers.validators[Int(signer)].address
        guard currentValidators.index(of: address) != nil else { return }
        if height > heightReports[address, default: 0] { heightReports[address] = height }
        if reportedView > viewReports[address, default: 0] { viewReports[address] = reportedView }
        let weak = currentValidators.weakQuorum
        if let vouchedHeight = kthLargest(Array(heightReports.values), weak), vouchedHeight > committedHeight + 1 {
            // Someone honest works at `vouchedHeight`, so everything below it is committed somewhere.
            startStateTransfer(target: vouchedHeight - 1)
        }
        if let vouchedView = kthLargest(Array(viewReports.values), weak), vouchedView > view, !isHalted {
            startViewChange(to: vouchedView, reason: .joinedHigherView)
        }
        finishRecoveryIfCaughtUp()
    }

    /// Forgets what was keyed by validator index or counted for the old set when the set deciding the next
    /// height changes (an epoch boundary, rule 20): indices now name other validators.
    mutating func noteValidatorSetChange(from previous: ValidatorSet) {
        let current = currentValidators
        guard current != previous else { return }
        viewChanges = [:]
        heightReports = heightReports.filter { current.index(of: $0.key) != nil }
        viewReports = viewReports.filter { current.index(of: $0.key) != nil }
        futureMessages.removeAll()
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

/// One sender's buffered future messages and their encoded size.
struct FutureMessages: Sendable {
    var messages: [Message] = []
    var bytes = 0
}

/// A NEW-VIEW whose V names VIEW-CHANGEs this replica has not all seen yet, and those it collected.
struct PendingNewView: Sendable {
    var signed: Signed<NewView>
    var changes: [UInt16: Signed<ViewChange>] = [:]
}
