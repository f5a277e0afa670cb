import ChainTypes
import Consensus

/// What one simulated run exercises.
public struct SimulationOptions: Sendable {
    public var validators: Int
    public var byzantine: ByzantineMode
    /// Protocol rules every replica breaks on purpose (negative controls).
    public var faults: ProtocolFaults
    /// Drivers skip persisting the journal (negative control for rules 8 and 9).
    public var forgetJournal: Bool
    /// Ticks of network faults, crashes and partitions before the cluster heals.
    public var faultTicks: UInt64
    /// Ticks after healing within which every honest replica must commit `blocksAfterHeal` new blocks.
    public var healTicksMax: UInt64
    public var blocksAfterHeal: UInt64
    public var replicaConfiguration: ReplicaConfiguration
    /// The pacing of every node's driver core: empty-block cadence, inclusion watch, proposal reserve.
    public var driverConfiguration: DriverConfiguration
    /// The validator index that misbehaves when `byzantine` is not `.none` (the last by default).
    public var faultyIndex: Int

    public init(
        validators: Int = 4, byzantine: ByzantineMode = .none, faults: ProtocolFaults = [], forgetJournal: Bool = false,
        faultTicks: UInt64 = 1500, healTicksMax: UInt64? = nil, blocksAfterHeal: UInt64 = 3, faultyIndex: Int? = nil
    ) {
        self.validators = validators
        self.faultyIndex = faultyIndex ?? validators - 1
        self.byzantine = byzantine
        self.faults = faults
        self.forgetJournal = forgetJournal
        self.faultTicks = faultTicks
        self.blocksAfterHeal = blocksAfterHeal
        replicaConfiguration = ReplicaConfiguration(
            chainId: "sbp-sim", checkpointInterval: 8, watermarkWindow: 32, viewChangeTimeoutTicks: 12,
            viewChangeTimeoutTicksMax: 192, timestampDriftMsMax: 5000, fetchTimeoutTicks: 10, blockBytesMax: Self.blockBytesMax,
            faults: faults)
        // The liveness bound, in units of the capped timeout: a replica that advanced views alone during the
        // faults waits while the others climb to its view one capped timeout per view.
        self.healTicksMax = healTicksMax ?? 32 * replicaConfiguration.viewChangeTimeoutTicksMax
        driverConfiguration = DriverConfiguration(
            tickMs: Cluster.tickMs, emptyBlockIntervalMs: Self.emptyBlockIntervalMs, inclusionGraceMs: Self.inclusionGraceMs,
            inclusionSkipsMax: Self.inclusionSkipsMax, proposalBytesReserve: Self.proposalBytesReserve)
    }
}

extension SimulationOptions {
    /// Blocks in the simulation hold a few small transactions; a small cap lets the fuzzer's oversized
    /// blocks cross it cheaply.
    public static let blockBytesMax = 16 * 1024
    /// Bytes of a simulated block kept for its header and certificate (at most 7 small votes).
    public static let proposalBytesReserve = 4 * 1024
    /// As on a node (`NodeLimits.emptyBlockIntervalMs`): ten ticks of 100 ms.
    public static let emptyBlockIntervalMs: UInt64 = 1000
    /// Simulated transactions reach every node at once (no gossip), so the grace only has to cover the
    /// few blocks an honest primary needs to work through a backlog: twenty ticks.
    public static let inclusionGraceMs: UInt64 = 2000
    /// As on a node (`NodeLimits.inclusionSkipsMax`).
    public static let inclusionSkipsMax = 3
    /// The limits of a simulated block: `SimulatedNode.blockTransactionsMax` small transactions.
    public static let blockLimits = BlockLimits(
        transactionsMax: SimulatedNode.blockTransactionsMax, bytesMax: blockBytesMax, fuelMax: 1_000_000)
}

/// The outcome of one seed.
public struct SeedResult: Sendable {
    public var seed: UInt64
    /// Safety violations found by the checkers (empty when the run was safe).
    public var violations: [String] = []
    /// True when the cluster did not regain liveness after the faults healed.
    public var stalled = false
    /// Blocks committed by the most advanced honest replica.
    public var blocks: UInt64 = 0
    public var viewChanges = 0
    /// Messages refused by honest replicas, by reason (for `--verbose` reports).
    public var rejections: [String: Int] = [:]
    /// The most bytes of future messages any honest replica held at the end of a tick.
    public var bufferedBytesMax = 0
    /// Times an honest driver core suspected the primary of leaving a transaction out (`InclusionWatch`).
    public var inclusionSuspicions = 0
}

/// A seeded cluster of replicas over a simulated network and clock (DESIGN §8.2; TigerBeetle's VOPR).
///
/// The network drops, duplicates, reorders and delays messages and partitions nodes; nodes crash and restart
/// from their durable disk, or are wiped. Checkers: no two honest replicas commit different blocks at one
/// height; an honest chain only grows; state roots agree at every height and at stable checkpoints; after
/// healing, every honest replica commits new blocks within a bound.
public struct Cluster {
    public let seed: UInt64
    public let options: SimulationOptions
    let keys: SimulatedKeys
    var nodes: [SimulatedNode] = []
    var random: SimulationRandom
    var tick: UInt64 = 0
    var inFlight: [UInt64: [(from: Int, to: Int, message: Message, sentAt: UInt64)]] = [:]
    var blockedLinks: Set<Link> = []
    var dropPercent: UInt64 = 0
    var duplicatePercent: UInt64 = 0
    var longDelayPercent: UInt64 = 0
    var nextNonce: UInt64 = 0
    /// The Byzantine validator's mutator, when it fuzzes.
    var fuzzer: MessageFuzzer? = nil
    /// Consensus parameters the simulated governance changes, by the height whose execution changes them.
    public let parameterChanges: [UInt64: ReplicaParameters]
    /// A key rotation of the fuzzing validator, reported by the execution of `height` (`keyRotation`).
    public let rotation: (height: UInt64, change: ValidatorSetChange)?
    var restartAt: [Int: UInt64] = [:]
    /// Wiped honest nodes that still count as faulty, with the stable height that ends it (`mayWipe`).
    var amnesiaUntilStable: [Int: UInt64] = [:]
    var partitionEndsAt: UInt64 = 0
    // Checker state.
    var committedHashes: [UInt64: Hash] = [:]
    var stateRoots: [UInt64: Hash] = [:]
    public private(set) var result: SeedResult

    static let tickMs: UInt64 = 100
    static let genesisTimeMs: UInt64 = 1_795_996_800_000

    struct Link: Hashable { var from: Int, to: Int }

    public init(seed: UInt64, options: SimulationOptions = SimulationOptions()) {
        self.seed = seed
        self.options = options
        keys = SimulatedKeys(count: options.validators, seed: seed)
        random = SimulationRandom(seed: seed)
        parameterChanges = Self.parameterSchedule(seed: seed, initial: options.replicaConfiguration.parameters)
        result = SeedResult(seed: seed)
        var behaviours = [ByzantineMode](repeating: .none, count: options.validators)
        let faulty = options.faultyIndex
        rotation = options.byzantine == .fuzz ? Self.keyRotation(seed: seed, keys: keys, faulty: faulty) : nil
        if options.byzantine != .none { behaviours[faulty] = options.byzantine }
        for index in 0..<options.validators {
            addNode(index: index, behaviour: behaviours[index])
        }
        if options.byzantine == .twins { addNode(index: faulty, behaviour: .twins) }
        if options.byzantine == .fuzz {
            fuzzer = MessageFuzzer(
                index: UInt16(faulty), authenticator: keys.authenticator(for: faulty), chainId: options.replicaConfiguration.chainId)
        }
    }

    mutating func addNode(index: Int, behaviour: ByzantineMode) {
        let id = nodes.count
        nodes.append(
            SimulatedNode(
                id: id, index: index, behaviour: behaviour, core: makeCore(index: index, chain: nil, journal: [], wiped: false),
                clockSkewMs: random.below(800)))
    }

    /// A seeded governance schedule: on half the seeds, one or two parameter changes early in the run. Its own
    /// random stream, so the faults of a seed do not depend on it.
    static func parameterSchedule(seed: UInt64, initial: ReplicaParameters) -> [UInt64: ReplicaParameters] {
        var random = SimulationRandom(seed: seed ^ 0x7a2a_3e7e_95_0001)
        guard random.chance(50) else { return [:] }
        var changes: [UInt64: ReplicaParameters] = [:]
        var height: UInt64 = 0
        for _ in 0..<(1 + random.below(2)) {
            height += 3 + random.below(20)
            var parameters = initial
            parameters.checkpointInterval = [4, 6, 8, 12][Int(random.below(4))]
            parameters.watermarkWindow = 2 * parameters.checkpointInterval + random.below(9)
            parameters.viewChangeTimeoutTicks = 8 + random.below(8)
            parameters.viewChangeTimeoutTicksMax = 12 * parameters.viewChangeTimeoutTicks
            changes[height] = parameters
        }
        return changes
    }

    /// A seeded key rotation of the fuzzing validator, on a third of the seeds: from then on the set holds a
    /// fresh key nobody has, and the fuzzer keeps signing with the removed one (stale keys after rotation,
    /// issue 13 deliver 7; defect 7). Its own random stream, so the faults of a seed do not depend on it.
    static func keyRotation(seed: UInt64, keys: SimulatedKeys, faulty: Int) -> (height: UInt64, change: ValidatorSetChange)? {
        var random = SimulationRandom(seed: seed ^ 0x6b65_795f_726f_7461)
        guard random.chance(33) else { return nil }
        let height = 4 + random.below(24)
        return (height, ValidatorSetChange(validators: keys.rotated(faulty), activationHeight: height + 2))
    }

    /// The consensus parameters committed state holds after executing `height`.
    public func parameters(after height: UInt64) -> ReplicaParameters {
        parameterChanges.filter { $0.key <= height }.max { $0.key < $1.key }?.value ?? options.replicaConfiguration.parameters
    }

    /// A node's driver core around a replica started from `chain` and `journal` (its durable disk).
    func makeCore(index: Int, chain: ChainPosition?, journal: [JournalRecord], wiped: Bool) -> DriverCore {
        var configuration = options.replicaConfiguration
        // A restart reads the parameters from the state it resumes from, as the node does from its ledger.
        configuration.parameters = parameters(after: chain?.committedHeight ?? 0)
        // A restart reads the validator sets from its state too: a rotation it executed stays scheduled.
        var schedule = ValidatorSchedule(genesis: keys.validators)
        if let rotation, let chain, chain.committedHeight >= rotation.height {
            schedule.schedule(rotation.change.validators, from: rotation.change.activationHeight)
        }
        let replica = Replica(
            configuration: configuration, identity: keys.address(of: index), schedule: schedule,
            chain: chain ?? .genesis(timestampMs: Self.genesisTimeMs, stateRoot: CounterApplication.genesisRoot),
            journal: journal, wiped: wiped, authenticator: keys.authenticator(for: index), screen: SimulatedScreen())
        return DriverCore(replica: replica, configuration: options.driverConfiguration, blockLimits: SimulationOptions.blockLimits)
    }

    // MARK: - Running

    /// Runs the fault phase, heals, and checks liveness; returns the seed's result.
    public mutating func run() -> SeedResult {
        while tick < options.faultTicks {
            injectFaults()
            advanceOneTick()
        }
        heal()
        let target = (nodes.filter(\.isHonest).map(\.replica.committedHeight).max() ?? 0) + options.blocksAfterHeal
        let deadline = tick + options.healTicksMax
        while tick < deadline, !nodes.filter(\.isHonest).allSatisfy({ $0.replica.committedHeight >= target }) {
            advanceOneTick()
        }
        result.stalled = !nodes.filter(\.isHonest).allSatisfy { $0.replica.committedHeight >= target }
        result.blocks = nodes.filter(\.isHonest).map(\.replica.committedHeight).max() ?? 0
        return result
    }

    mutating func advanceOneTick() {
        tick += 1
        for id in nodes.indices { nodes[id].journalSyncedCount = nodes[id].journal.count }
        if tick % 3 == 0 { submitTransaction() }
        deliverDueMessages()
        for id in nodes.indices where nodes[id].isUp {
            let now = Self.genesisTimeMs + tick * Self.tickMs + nodes[id].clockSkewMs
            nodes[id].core.handle(.tick(nowMs: now, pendingCount: nodes[id].mempool.count))
            process(node: id)
            misbehave(node: id)
        }
        checkHonestReplicas()
    }

    /// Checkers that look at every honest replica after each tick: its committed prefix never shrinks
    /// (short of a wipe) and its future-message buffer stays within the named byte bound (rule 7).
    mutating func checkHonestReplicas() {
        let bufferedBytesMax = ConsensusLimits.futureBytesMax(validators: options.validators)
        for id in nodes.indices where nodes[id].isHonest && nodes[id].isUp {
            let replica = nodes[id].replica
            if replica.committedHeight < nodes[id].committedFloor {
                result.violations.append(
                    "node \(id): committed prefix shrank from \(nodes[id].committedFloor) to \(replica.committedHeight)")
            }
            nodes[id].committedFloor = max(nodes[id].committedFloor, replica.committedHeight)
            if replica.bufferedBytes > bufferedBytesMax {
                result.violations.append("node \(id) buffers \(replica.bufferedBytes) bytes of future messages, above \(bufferedBytesMax)")
            }
            result.bufferedBytesMax = max(result.bufferedBytesMax, replica.bufferedBytes)
        }
    }

    /// The cluster's clock, without any node's skew: when transactions arrive and how long they wait.
    var nowMs: UInt64 { Self.genesisTimeMs + tick * Self.tickMs }

    /// Whether a censoring primary (`ByzantineMode.censor`) leaves `transaction` out: every fourth nonce.
    static func isCensored(_ transaction: Transaction) -> Bool { transaction.body.nonce % 4 == 0 }

    mutating func submitTransaction() {
        nextNonce += 1
        let body = TransactionBody(
            chainId: options.replicaConfiguration.chainId, sender: Address.zero, nonce: nextNonce, kind: .call,
            payload: [UInt8(truncatingIfNeeded: nextNonce % 7 + 1)], fuelLimit: 1000, expiryHeight: UInt64.max)
        let signature = SimulatedAuthenticator.signature(secret: Hash.zero, digest: body.hash)
        for id in nodes.indices { nodes[id].offer(Transaction(body: body, signature: signature), atMs: nowMs) }
    }

    // MARK: - Network

    mutating func deliverDueMessages() {
        guard var due = inFlight.removeValue(forKey: tick) else { return }
        // Reorder: deliver in a seeded random order.
        for index in due.indices.reversed() {
            let other = Int(random.below(UInt64(index + 1)))
            due.swapAt(index, other)
        }
        for (from, to, message, _) in due {
            guard nodes[to].isUp, !blockedLinks.contains(Link(from: from, to: to)) else { continue }
            if nodes[to].behaviour == .replay || nodes[to].behaviour == .fuzz, nodes[to].recorded.count < SimulatedNode.recordedMessagesMax
            {
                nodes[to].recorded.append(message)
            }
            if case .fetchBlocks(let fromHeight, _) = message {
                serveBlocks(node: to, fromHeight: fromHeight, requester: from)
                continue
            }
            nodes[to].core.handle(.message(message))
            process(node: to)
        }
    }

    mutating func transmit(_ message: Message, from: Int, to: Int) {
        guard from != to, !(tick < options.faultTicks && random.chance(dropPercent)) else { return }
        var delay = 1 + random.below(3)
        if tick < options.faultTicks, random.chance(longDelayPercent) {
            delay += random.below(3 * options.replicaConfiguration.viewChangeTimeoutTicks)
        }
        inFlight[tick + delay, default: []].append((from, to, message, tick))
        if tick < options.faultTicks, random.chance(duplicatePercent) {
            inFlight[tick + delay + 1 + random.below(5), default: []].append((from, to, message, tick))
        }
    }

    /// Sends to every node that holds validator `index` (twins both receive).
    mutating func transmit(_ message: Message, from: Int, toIndex index: Int) {
        for node in nodes where node.index == index { transmit(message, from: from, to: node.id) }
    }

    /// Answers a state-transfer request as a node's peer intake does: at most at `FetchRate` per peer, with
    /// the blocks `BlockServer` chooses within its count and byte budgets.
    mutating func serveBlocks(node id: Int, fromHeight: UInt64, requester: Int) {
        guard nodes[id].fetchRate.allows(requester, atMs: nowMs) else { return }
        let chain = nodes[id].chain
        let blocks = BlockServer().reply(from: fromHeight) { height in height <= UInt64(chain.count) ? chain[Int(height - 1)] : nil }
        guard !blocks.isEmpty else { return }
        transmit(.blocks(blocks), from: id, to: requester)
    }

    // MARK: - The driver

    /// The node's driver shell: performs its core's actions in the order they come (journal, messages,
    /// events, execution, fetch; proposals), as the node's `ReplicaDriver` does.
    mutating func process(node id: Int) {
        while let action = nodes[id].core.nextAction() {
            switch action {
            case .persist(let records):
                if !options.forgetJournal { nodes[id].journal.append(contentsOf: records) }
            case .send(let outgoing):
                send(outgoing, from: id)
            case .report(let event):
                observe(event, node: id)
            case .execute(let committed):
                execute(committed, node: id)
            case .fetch(let fetch):
                // The simulated network has no observers: every source is a validator.
                guard case .validator(let index) = fetch.source else { break }
                transmit(fetch.message, from: id, toIndex: Int(index))
            case .propose(let limits):
                nodes[id].core.handle(.proposal(proposal(node: id, limits: limits)))
            case .suspectPrimary:
                if nodes[id].isHonest { result.inclusionSuspicions += 1 }
            case .halt:
                break
            }
        }
    }

    /// The transactions a node proposes: its oldest pending ones within `limits`; a censoring node skips
    /// the censored ones.
    func proposal(node id: Int, limits: ProposalLimits) -> [Transaction] {
        var pending = nodes[id].mempool.map(\.transaction)
        if nodes[id].behaviour == .censor { pending.removeAll(where: Self.isCensored) }
        return Array(pending.prefix(max(0, min(limits.transactionsMax, SimulatedNode.blockTransactionsMax))))
    }

    mutating func send(_ outgoing: Outgoing, from id: Int) {
        let behaviour = nodes[id].behaviour
        if behaviour == .silent { return }
        if behaviour == .fuzz { return sendFuzzed(outgoing, from: id) }
        switch outgoing.target {
        case .replica(let index):
            transmit(outgoing.message, from: id, toIndex: Int(index))
        case .all:
            if behaviour == .equivocate, case .prePrepare(let signed, let block) = outgoing.message {
                return equivocate(signed, block: block, from: id)
            }
            for node in nodes where node.id != id { transmit(outgoing.message, from: id, to: node.id) }
            if behaviour == .badSignatures { sendForgeries(of: outgoing.message, from: id) }
        }
    }

    mutating func execute(_ committed: CommittedBlock, node id: Int) {
        let block = committed.block
        if nodes[id].isHonest {
            if block.height != UInt64(nodes[id].chain.count) + 1 {
                result.violations.append("node \(id) committed height \(block.height) after \(nodes[id].chain.count)")
            }
            if let known = committedHashes[block.height], known != block.hash {
                result.violations.append("agreement: height \(block.height) has two committed blocks")
            }
            committedHashes[block.height] = block.hash
        }
        nodes[id].chain.append(committed)
        nodes[id].application.execute(block)
        for transaction in block.transactions { nodes[id].included.insert(transaction.hash) }
        let included = nodes[id].included
        nodes[id].mempool.removeAll { included.contains($0.transaction.hash) }
        let root = nodes[id].application.stateRoot
        if nodes[id].isHonest {
            if let known = stateRoots[block.height], known != root {
                result.violations.append("state roots differ at height \(block.height)")
            }
            stateRoots[block.height] = root
        }
        nodes[id].core.handle(
            .executed(
                Execution(
                    block: block, stateRoot: root, receiptsRoot: nodes[id].application.receiptsRoot,
                    validatorSetChange: rotation.flatMap { $0.height == block.height ? $0.change : nil },
                    parameters: parameters(after: block.height), pendingCount: nodes[id].mempool.count,
                    oldestPending: nodes[id].oldestPending(atMs: nowMs))))
        // Deliver 5: every replica runs the parameters committed state holds, live, with no restart.
        let expected = parameters(after: nodes[id].replica.executedHeight)
        if nodes[id].isHonest, nodes[id].replica.configuration.parameters != expected {
            result.violations.append(
                "node \(id) runs \(nodes[id].replica.configuration.parameters) after height \(block.height), state says \(expected)")
        }
    }

    mutating func observe(_ event: ReplicaEvent, node id: Int) {
        switch event {
        case .viewChangeStarted: result.viewChanges += 1
        case .rejected(let rejection) where nodes[id].isHonest:
            result.rejections[rejection.kind, default: 0] += 1
        case .stateDivergence(let height, _, _) where nodes[id].isHonest:
            result.violations.append("node \(id) diverged from the stable checkpoint at \(height)")
        default: break
        }
    }
}

extension Cluster {
    /// One line per node: what a failing seed's report shows next to the replay command.
    public var nodeSummaries: [String] {
        nodes.map { node in
            let replica = node.replica
            return "node \(node.id) [v\(node.index) \(node.behaviour.rawValue)\(node.isUp ? "" : " down")]: view \(replica.view)"
                + (replica.isChangingView ? " (changing)" : "") + " committed \(replica.committedHeight) executed \(replica.executedHeight)"
                + " stable \(replica.stableHeight)" + (replica.isHalted ? " HALTED" : "")
                + " timer \(replica.ticksUntilTimeout.map { "\($0)" } ?? "off")" + " mempool \(node.mempool.count)"
        }
    }
}
