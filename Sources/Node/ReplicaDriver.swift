import ChainTypes
import Consensus
import Foundation
import Ledger
import Logging
import Synchronization

/// Where the driver sends consensus messages and gossip; the node implements it with `PeerHost` links.
protocol PeerTransport: Sendable {
    /// Sends to the validator called `name`, if a link to it is open.
    func send(_ message: PeerMessage, to name: String)
    /// Sends to every open link.
    func broadcast(_ message: PeerMessage)
}

/// What the driver needs of the mempool: a proposal, and the news that a block was committed.
protocol ProposalSource: AnyObject, Sendable {
    /// Transactions a proposal may take now (not those waiting for an earlier nonce).
    var pendingCount: Int { get }
    func proposal(transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) -> [Transaction]
    func committed(_ block: Block, nextHeight: UInt64)
    /// The pending transaction held longest, for noticing a primary that leaves it out (`InclusionWatch`).
    func oldestPending() -> InclusionWatch.Candidate?
}

/// What the node reports about consensus (RPC `node_status`, `/readyz`, metrics).
struct DriverStatus: Sendable {
    var height: UInt64 = 0
    var hash: Hash = .zero
    var view: UInt64 = 0
    var syncing = false
    /// Waiting for a NEW-VIEW.
    var changingView = false
    var halted: String? = nil
    var lastCommitTime: ContinuousClock.Instant? = nil
    var viewChanges: UInt64 = 0
    /// The latest view change this node started: the view, why, and when.
    var lastViewChange: (view: UInt64, reason: ViewChangeReason, time: ContinuousClock.Instant)? = nil
    var committedTransactions: UInt64 = 0
    /// Transferred blocks refused because they did not hold together (a faulty validator or observer served them).
    var refusedTransferredBlocks: UInt64 = 0
}

/// Drives the PBFT replica: performs what its driver core decides, on one thread.
///
/// Every decision (when to propose and with what limits, when work is overdue, when to suspect a primary
/// that leaves a transaction out, when to halt) is made by the pure `DriverCore`, which the simulator runs
/// too (DESIGN §1.7). This shell only does the IO the core asks for, in the order DESIGN §3 prescribes:
/// persist the journal (synced), then send the messages, then execute and finalize committed blocks and
/// report them back. Everything else (network, RPC, signature checks) hands events to this thread through
/// a bounded inbox with a queue per peer (`DriverInbox`), so the core never needs a lock, its state is
/// never seen half-updated, and one peer cannot crowd out the others. State-transfer requests are served
/// by the peer intake (`BlockServer`), never on this thread.
final class ReplicaDriver: @unchecked Sendable {
    enum Event: Sendable {
        case tick
        case message(Message)
        /// Transactions arrived; a primary may now propose.
        case transactionsArrived
    }

    private let condition = NSCondition()
    private var inbox = DriverInbox<Event>()
    private var stopping = false
    private var thread: Thread?
    private let finished = NSCondition()
    private var isFinished = false

    // Owned by the driver thread.
    private var core: DriverCore
    private var schedule: ValidatorSchedule
    private let ledger: Ledger
    private let journal: JournalStore
    private let pool: any ProposalSource
    private let transport: any PeerTransport
    private let signer: ConsensusSigner
    private let logger: Logger
    private let tickMs: UInt64
    private var pendingTick = false
    /// A `.transactionsArrived` waits in the inbox; another adds nothing (the driver reads the pool's count
    /// when it handles one), so a burst of admissions wakes the driver once, not once per transaction.
    private var pendingArrival = false
    /// Called on the driver thread after each finalized block.
    private let onFinalized: @Sendable (ExecutedBlock) -> Void
    /// The marker that made the replica start recovering, deleted once it has (`RecoveryMarker`).
    private var recoveryMarker: RecoveryMarker?
    /// The registered observers in committed state, which serve blocks too; nil on an observer node.
    private let observerSources: (@Sendable () -> Set<String>)?
    /// The observers last handed to the core.
    private var observersGiven: [String] = []
    /// Time spent since the last executed block waiting for events and writing the journal (the commit log line).
    private var idleSinceCommit: Duration = .zero
    private var journalSinceCommit: Duration = .zero

    let status = Mutex(DriverStatus())
    /// The validator set deciding the next height, for checking signatures ahead of the driver.
    let currentValidators: Mutex<ValidatorSet>
    let chainId: String

    init(
        replica: Replica, schedule: ValidatorSchedule, ledger: Ledger, journal: JournalStore, pool: any ProposalSource,
        transport: any PeerTransport, signer: ConsensusSigner, tickMs: UInt64, emptyBlockIntervalMs: UInt64?, blockLimits: BlockLimits,
        recoveryMarker: RecoveryMarker? = nil, observerSources: (@Sendable () -> Set<String>)? = nil, logger: Logger,
        onFinalized: @escaping @Sendable (ExecutedBlock) -> Void
    ) {
        self.observerSources = observerSources
        self.core = DriverCore(
            replica: replica,
            configuration: DriverConfiguration(
                tickMs: tickMs, emptyBlockIntervalMs: emptyBlockIntervalMs, inclusionGraceMs: UInt64(NodeLimits.inclusionGraceMs),
                inclusionSkipsMax: NodeLimits.inclusionSkipsMax, proposalBytesReserve: NodeLimits.proposalBytesReserve),
            blockLimits: blockLimits)
        self.schedule = schedule
        self.ledger = ledger
        self.journal = journal
        self.pool = pool
        self.transport = transport
        self.signer = signer
        self.tickMs = max(1, tickMs)
        self.logger = logger
        self.onFinalized = onFinalized
        self.recoveryMarker = recoveryMarker
        let height = ledger.height
        status.withLock { $0.height = height }
        currentValidators = Mutex(schedule.validators(at: height + 1))
        chainId = ledger.genesis.chainId
    }

    // MARK: Inbox

    /// Queues an event for the driver thread, in the queue of the peer it came from (nil: this node); a full
    /// queue drops the event and counts it (peers retransmit consensus messages). False when dropped.
    @discardableResult
    func post(_ event: Event, from peer: String? = nil, bytes: Int = 0) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        switch event {
        case .tick: if pendingTick { return true }
        case .transactionsArrived: if pendingArrival { return true }
        case .message: break
        }
        guard inbox.append(event, from: peer, bytes: bytes) else { return false }
        switch event {
        case .tick: pendingTick = true
        case .transactionsArrived: pendingArrival = true
        case .message: break
        }
        condition.signal()
        return true
    }

    /// Events dropped because their inbox queue was full (`/metrics`).
    var droppedEventCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return inbox.droppedCount
    }

    /// Starts the driver thread and its tick timer.
    func start() {
        // Named from inside: on Linux a name set before `start()` does not reach the thread (15 bytes at most).
        let thread = Thread { [self] in
            Thread.current.name = "sbp-driver"
            run()
        }
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
        let tickMs = self.tickMs
        let timer = Thread { [weak self] in
            while let self, !self.isStopping {
                Thread.sleep(forTimeInterval: Double(tickMs) / 1000)  // the clock of logical ticks, not synchronization
                self.post(.tick)
            }
        }
        timer.name = "sbp-replica-ticks"
        timer.start()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Stops the driver after the event it is handling; returns once its thread has finished.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
        finished.lock()
        while !isFinished && thread != nil { finished.wait() }
        finished.unlock()
    }

    private func next() -> [Event]? {
        condition.lock()
        defer { condition.unlock() }
        while inbox.isEmpty && !stopping { condition.wait() }
        if stopping { return nil }
        let events = inbox.takeAll()
        pendingTick = false
        pendingArrival = false
        return events
    }

    private func run() {
        defer {
            finished.lock()
            isFinished = true
            finished.broadcast()
            finished.unlock()
        }
        giveObservers()
        perform()
        while true {
            let waitStarted = ContinuousClock.now
            guard let events = next() else { break }
            idleSinceCommit += ContinuousClock.now - waitStarted
            for event in events {
                switch event {
                case .tick:
                    core.handle(.tick(nowMs: UInt64(Date().timeIntervalSince1970 * 1000), pendingCount: pool.pendingCount))
                case .message(let message):
                    core.handle(.message(message))
                case .transactionsArrived:
                    core.handle(.transactionsArrived(pendingCount: pool.pendingCount))
                }
                perform()
                if core.halted != nil { return }
            }
        }
    }

    // MARK: Actions

    /// Performs the core's actions in the order it hands them out, reporting each outcome it asks for.
    private func perform() {
        while let action = core.nextAction() {
            switch action {
            case .persist(let records):
                let started = ContinuousClock.now
                defer { journalSinceCommit += ContinuousClock.now - started }
                do {
                    try journal.append(records)
                } catch {
                    core.handle(.failed(.journalUnwritable("\(error)")))
                }
            case .send(let outgoing):
                send(outgoing)
            case .report(let event):
                observe(event)
            case .execute(let committed):
                execute(committed)
            case .fetch(let fetch):
                // Asked of the validator or observer the replica chose, by name: a node outside the set asks
                // too. With no link to it the request goes nowhere, and the replica asks the next peer when
                // the fetch times out.
                transport.send(.consensus(fetch.message), to: fetch.peerName)
            case .propose(let limits):
                core.handle(
                    .proposal(pool.proposal(transactionsMax: limits.transactionsMax, bytesMax: limits.bytesMax, fuelMax: limits.fuelMax)))
            case .suspectPrimary(let overdue, let view):
                logger.warning(
                    "the primary keeps leaving out a pending transaction; suspecting it",
                    metadata: ["transaction": "\(overdue.hash)", "heldFor": "\(overdue.age)", "view": "\(view)"])
            case .halt(let reason):
                halt(reason.description)
            }
        }
        let replica = core.replica
        status.withLock { status in
            status.view = replica.view
            status.syncing = replica.isSyncing
            status.changingView = replica.isChangingView
        }
        if let marker = recoveryMarker, !replica.isRecoveringAfterWipe {
            do {
                try marker.remove()
                recoveryMarker = nil
                logger.notice(
                    "recovered: voting again where this node cannot have voted before (rule 19)",
                    metadata: ["height": "\(replica.committedHeight)", "view": "\(replica.view)"])
            } catch {
                logger.error("cannot delete the recovery marker; the next start recovers again", metadata: ["error": "\(error)"])
                recoveryMarker = nil
            }
        }
    }

    private func send(_ outgoing: Outgoing) {
        let message = PeerMessage.consensus(outgoing.message)
        switch outgoing.target {
        case .all:
            transport.broadcast(message)
        case .replica(let index):
            // The index is the replica's: of the set deciding its next committed height, which runs ahead of
            // the executed height while blocks are transferred.
            let replica = core.replica
            let validators = replica.schedule.validators(at: replica.committedHeight + 1).validators
            guard Int(index) < validators.count else { return }
            transport.send(message, to: validators[Int(index)].name)
        }
    }

    // MARK: Execution

    /// Executes and finalizes a committed block and reports it to the core (or the failure, which halts).
    private func execute(_ committed: CommittedBlock) {
        let block = committed.block
        let executed: ExecutedBlock
        let started = ContinuousClock.now
        let finalizeStarted: ContinuousClock.Instant
        do {
            executed = try ledger.execute(block)
            finalizeStarted = .now
            try ledger.finalize(executed, certificate: committed.certificate)
        } catch {
            return core.handle(.failed(.executionFailed(height: block.height, hash: block.hash, reason: "\(error)")))
        }
        let change = executed.validatorSetChange.map {
            ValidatorSetChange(validators: $0.validators, activationHeight: $0.activationHeight)
        }
        if let change { schedule.schedule(change.validators, from: change.activationHeight) }
        let next = schedule.validators(at: block.height + 1)
        currentValidators.withLock { $0 = next }
        // Consensus parameters governance changed in this block govern from the next height, live (rule 20's
        // discipline; the replica ignores an unchanged set). Unreadable, the core keeps the ones it has.
        let consensus: Genesis.ConsensusParameters?
        do {
            consensus = try ledger.view().parameters().consensus
        } catch {
            consensus = nil
            logger.error("cannot read chain parameters", metadata: ["error": "\(error)"])
        }
        let finalized = ContinuousClock.now
        pool.committed(block, nextHeight: block.height + 1)
        core.handle(
            .executed(
                Execution(
                    block: block, stateRoot: executed.stateRoot, receiptsRoot: executed.receiptsRoot, validatorSetChange: change,
                    parameters: consensus.map(ReplicaParameters.init), blockLimits: consensus.map(BlockLimits.init),
                    pendingCount: pool.pendingCount, oldestPending: pool.oldestPending())))
        status.withLock { status in
            status.height = block.height
            status.hash = block.hash
            status.lastCommitTime = .now
            status.committedTransactions += UInt64(block.transactions.count)
        }
        logger.info(
            "committed block",
            metadata: [
                "height": "\(block.height)", "hash": "\(block.hash)", "transactions": "\(block.transactions.count)",
                "view": "\(block.header.view)", "executeMs": "\(Self.milliseconds(finalizeStarted - started))",
                "finalizeMs": "\(Self.milliseconds(finalized - finalizeStarted))",
                "afterMs": "\(Self.milliseconds(ContinuousClock.now - finalized))",
                "journalMs": "\(Self.milliseconds(journalSinceCommit))", "idleMs": "\(Self.milliseconds(idleSinceCommit))",
            ])
        idleSinceCommit = .zero
        journalSinceCommit = .zero
        onFinalized(executed)
        giveObservers()
    }

    /// Hands the core the registered observers when they changed, so a fetch that validators leave
    /// unanswered can go to one (issue 16, deliver 3). Read after `onFinalized`, which rebuilt them.
    private func giveObservers() {
        guard let observerSources else { return }
        let names = observerSources().sorted()
        guard names != observersGiven else { return }
        observersGiven = names
        core.handle(.observers(names))
        logger.info("observers that may serve blocks", metadata: ["observers": "\(names)"])
    }

    /// A duration in milliseconds with one decimal, for the per-block timings of the commit log line.
    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }

    private func observe(_ event: ReplicaEvent) {
        switch event {
        case .viewChangeStarted(let view, let reason):
            status.withLock { status in
                status.viewChanges += 1
                status.lastViewChange = (view, reason, .now)
            }
            logger.notice("view change", metadata: ["view": "\(view)", "reason": "\(reason)"])
        case .equivocation(let first, let second):
            // Rule 17's evidence: an operator must see it, not only the view change it causes.
            logger.error(
                "primary equivocation",
                metadata: [
                    "signer": "\(first.signer)", "view": "\(first.payload.view)", "height": "\(first.payload.height)",
                    "first": "\(first.payload.digest)", "second": "\(second.payload.digest)",
                ])
        case .conflictingVote(let phase, let signer, let view, let height, let first, let second):
            logger.error(
                "vote equivocation",
                metadata: [
                    "phase": "\(phase)", "signer": "\(signer)", "view": "\(view)", "height": "\(height)", "first": "\(first)",
                    "second": "\(second)",
                ])
        case .parametersChanged(let height, let parameters):
            logger.notice("consensus parameters changed", metadata: ["fromHeight": "\(height)", "parameters": "\(parameters)"])
        case .stateTransferStarted(let from, let target, let source):
            logger.info(
                "fetching committed blocks", metadata: ["from": "\(from)", "target": "\(target)", "peer": "\(peerName(of: source))"])
        case .rejected(.invalidStateTransfer(let height, let reason)):
            // A certified block that does not hold together (issue 13, defect 4): a Byzantine peer served it.
            // It is not executed; the replica asks another peer when its fetch times out.
            status.withLock { $0.refusedTransferredBlocks += 1 }
            logger.warning(
                "refused a transferred block",
                metadata: [
                    "height": "\(height)", "reason": "\(reason)", "peer": "\(core.replica.fetchSource.map(peerName(of:)) ?? "?")",
                ])
        case .rejected(let rejection):
            logger.debug("message rejected", metadata: ["reason": "\(rejection)"])
        default:
            logger.trace("replica event", metadata: ["event": "\(event)"])
        }
    }

    /// The node name of a fetch source (a validator's in the set deciding the next height).
    private func peerName(of source: FetchSource) -> String {
        guard case .validator(let index) = source else { return "\(source)" }
        let replica = core.replica
        let validators = replica.schedule.validators(at: replica.committedHeight + 1).validators
        return Int(index) < validators.count ? validators[Int(index)].name : "\(source)"
    }

    private func halt(_ reason: String) {
        logger.critical("node halted", metadata: ["reason": "\(reason)"])
        status.withLock { $0.halted = reason }
    }
}
