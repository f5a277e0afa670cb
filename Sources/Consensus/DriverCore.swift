import ChainTypes

/// The decisions of a node's replica driver, as a pure value: events in, actions out (DESIGN §1.7).
///
/// The node's `ReplicaDriver`, the simulator's `Cluster` and the consensus test harness all drive their
/// replica through this core, so the simulator runs the same liveness rules the node does: when a primary
/// proposes (at once when transactions are pending, an empty block after `emptyBlockTicks` otherwise), when
/// work is overdue (pending transactions, or no commit for two empty-block intervals: rule 13), when the
/// primary is suspected of leaving a transaction out (`InclusionWatch`), how many bytes a proposal keeps for
/// its header and certificate, and when the node halts. The shell only performs the actions: it persists,
/// sends, executes and reads the mempool.
///
/// The shape is Hummingbird's `HTTPConnectionStateHandler` (a state machine with an injected clock that
/// returns actions for a thin shell to perform) over etcd-raft's `Ready` ordering contract: the shell calls
/// `handle(_:)` for each event, then `nextAction()` until it returns nil, performing each action in turn
/// and reporting its outcome (`DriverAction` states the duties).
public struct DriverCore: Sendable {
    /// The replica this core drives; only the core steps it (tests that script the replica may too).
    public internal(set) var replica: Replica
    public let configuration: DriverConfiguration
    /// The block limits in committed state, which proposals and the inclusion watch are measured against.
    public private(set) var blockLimits: BlockLimits
    /// Ticks since this node last executed a block (the empty-block cadence and overdue work).
    public private(set) var ticksSinceCommit: UInt64 = 0
    /// Pending transactions a proposal may take, as the shell last reported.
    public private(set) var pendingCount = 0
    public private(set) var inclusionWatch: InclusionWatch
    /// Why the node halted, once it has; the core then does nothing more.
    public private(set) var halted: HaltReason? = nil
    /// Actions decided but not yet handed to the shell, in order.
    private var queue: [DriverAction] = []
    private var queueStart = 0
    /// `Ready` batches taken since the last event (bounded by `ConsensusLimits.readyRoundsMax`).
    private var readyRounds = 0
    /// A `.propose` went out and its `.proposal` has not come back.
    private var awaitingProposal = false

    public init(replica: Replica, configuration: DriverConfiguration, blockLimits: BlockLimits) {
        self.replica = replica
        self.configuration = configuration
        self.blockLimits = blockLimits
        inclusionWatch = InclusionWatch(
            grace: .milliseconds(Int64(clamping: configuration.inclusionGraceMs)), skipsMax: configuration.inclusionSkipsMax)
    }

    /// The limits the next proposal's transactions must fit.
    public var proposalLimits: ProposalLimits { ProposalLimits(blockLimits, bytesReserve: configuration.proposalBytesReserve) }

    // MARK: - Events

    /// Takes in one event; its consequences come out of `nextAction()`.
    public mutating func handle(_ event: DriverEvent) {
        guard halted == nil else { return }
        readyRounds = 0
        switch event {
        case .tick(let nowMs, let pending):
            pendingCount = pending
            ticksSinceCommit = ticksSinceCommit.adding(saturating: 1)
            replica.step(.tick(nowMs: nowMs))
            // A primary proposes at least one (possibly empty) block per empty-block interval, so a commit
            // overdue by two intervals is work the primary owes: suspect it (rule 13) even on an idle
            // network, or a lost primary would never be replaced without traffic.
            if pendingCount > 0 || isCommitOverdue { replica.step(.workPending) }
        case .message(let message):
            if case .fetchBlocks = message { return }
            replica.step(.message(message))
        case .transactionsArrived(let pending):
            pendingCount = pending
            // A future nonce waiting for its gap is no work a primary owes (ADR 0005): the shell counts
            // only transactions a proposal may take.
            if pendingCount > 0 { replica.step(.workPending) }
        case .proposal(let transactions):
            awaitingProposal = false
            replica.step(.propose(transactions))
        case .executed(let execution):
            executed(execution)
        case .failed(let reason):
            halt(reason)
        case .observers(let names):
            replica.step(.observers(names))
        }
    }

    /// True when no block was executed for two empty-block intervals.
    var isCommitOverdue: Bool {
        guard let interval = configuration.emptyBlockTicks else { return false }
        return ticksSinceCommit >= interval.adding(saturating: interval)
    }

    private mutating func executed(_ execution: Execution) {
        let block = execution.block
        replica.step(
            .executed(
                height: block.height, stateRoot: execution.stateRoot, receiptsRoot: execution.receiptsRoot,
                validatorSetChange: execution.validatorSetChange, parameters: execution.parameters))
        if let limits = execution.blockLimits { blockLimits = limits }
        ticksSinceCommit = 0
        pendingCount = execution.pendingCount
        watchInclusion(after: block, oldest: execution.oldestPending)
    }

    /// Suspects the primary when blocks with room keep leaving out the oldest pending transaction (rule 13).
    private mutating func watchInclusion(after block: Block, oldest: InclusionWatch.Candidate?) {
        let use = InclusionWatch.BlockUse(block, limits: proposalLimits)
        // Blocks fetched while catching up were proposed before this node held its transactions.
        guard !replica.isSyncing, let oldest else {
            _ = inclusionWatch.blockFinalized(use, oldest: nil)
            return
        }
        guard inclusionWatch.blockFinalized(use, oldest: oldest) else { return }
        queue.append(.suspectPrimary(overdue: oldest, view: replica.view))
        replica.step(.requestOverdue)
    }

    private mutating func halt(_ reason: HaltReason) {
        halted = reason
        queue = [.halt(reason)]
        queueStart = 0
    }

    // MARK: - Actions

    /// The next thing the shell must do, or nil when there is nothing until the next event.
    public mutating func nextAction() -> DriverAction? {
        if let action = dequeue() { return action }
        guard halted == nil else { return nil }
        if readyRounds < ConsensusLimits.readyRoundsMax, takeReady() { return dequeue() }
        return proposeIfDue()
    }

    private mutating func dequeue() -> DriverAction? {
        guard queueStart < queue.count else {
            queue.removeAll(keepingCapacity: true)
            queueStart = 0
            return nil
        }
        let action = queue[queueStart]
        queueStart += 1
        return action
    }

    /// Turns the replica's `Ready` into actions in the contract's order: journal, messages, events, then
    /// committed blocks and a fetch. False when the replica has nothing to do.
    private mutating func takeReady() -> Bool {
        let ready = replica.ready()
        if ready.journal.isEmpty, ready.messages.isEmpty, ready.committed.isEmpty, ready.fetch == nil, ready.events.isEmpty {
            return false
        }
        readyRounds += 1
        replica.advance(ready)
        if !ready.journal.isEmpty { queue.append(.persist(ready.journal)) }
        for outgoing in ready.messages { queue.append(.send(outgoing)) }
        for event in ready.events {
            queue.append(.report(event))
            if case .stateDivergence(let height, let local, let stable) = event {
                // Rule 12: executing or voting on would spread a state no quorum holds.
                halted = .stateDivergence(height: height, local: local, stable: stable)
                queue.append(.halt(.stateDivergence(height: height, local: local, stable: stable)))
                return true
            }
        }
        for committed in ready.committed { queue.append(.execute(committed)) }
        if let fetch = ready.fetch { queue.append(.fetch(fetch)) }
        return true
    }

    /// Proposes when this node is the primary and has work: pending transactions (the shell picks them
    /// within `proposalLimits`), or an empty block once `emptyBlockTicks` passed without a commit.
    private mutating func proposeIfDue() -> DriverAction? {
        guard !awaitingProposal, replica.ready().canPropose else { return nil }
        if pendingCount > 0 {
            awaitingProposal = true
            return .propose(proposalLimits)
        }
        guard let interval = configuration.emptyBlockTicks, ticksSinceCommit >= interval else { return nil }
        replica.step(.propose([]))
        readyRounds = 0
        return takeReady() ? dequeue() : nil
    }
}

/// How one node's driver paces itself: fixed per node (not consensus parameters).
public struct DriverConfiguration: Hashable, Sendable {
    /// Ticks without a commit after which a primary with nothing pending proposes an empty block (so a
    /// lost primary is noticed on an idle network); nil: never on its own (the consensus test harness
    /// proposes by hand).
    public var emptyBlockTicks: UInt64?
    /// How long the oldest pending transaction waits before blocks that leave it out count (`InclusionWatch`).
    public var inclusionGraceMs: UInt64
    /// Blocks with room that may leave it out, after the grace, before the primary is suspected.
    public var inclusionSkipsMax: Int
    /// Bytes of a block kept free of transactions for its header and commit certificate.
    public var proposalBytesReserve: Int

    /// `emptyBlockIntervalMs` is rounded down to whole ticks of `tickMs`, and is at least one tick.
    public init(
        tickMs: UInt64, emptyBlockIntervalMs: UInt64?, inclusionGraceMs: UInt64, inclusionSkipsMax: Int,
        proposalBytesReserve: Int = ConsensusLimits.proposalBytesReserve
    ) {
        precondition(inclusionSkipsMax >= 1, "an inclusion watch needs at least one skip")
        emptyBlockTicks = emptyBlockIntervalMs.map { max(1, $0 / max(1, tickMs)) }
        self.inclusionGraceMs = inclusionGraceMs
        self.inclusionSkipsMax = inclusionSkipsMax
        self.proposalBytesReserve = proposalBytesReserve
    }
}
