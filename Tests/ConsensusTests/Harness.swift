import ChainTypes
import Simulation

@testable import Consensus

/// A hand-driven cluster for paper tests and golden transcripts: the test decides every delivery and tick.
///
/// Each replica is driven through the node's own `DriverCore`, with no empty-block cadence and an empty
/// mempool, so the core never proposes or suspects on its own: the test proposes by hand. Messages queue in FIFO order; `deliverAll` drains the queue, skipping isolated replicas. Committed blocks
/// are executed at once by a `CounterApplication`. Every effect is appended to `transcript` in a stable text
/// form, which the golden tests compare with `testdata/*.txt`.
struct Harness {
    static let genesisTimeMs: UInt64 = 1_795_996_800_000
    let keys: SimulatedKeys
    /// The genesis validators: the first `validators` keys; further keys run replicas outside the set.
    let genesis: ValidatorSet
    let configuration: ReplicaConfiguration
    /// Each replica inside the driver core that steps it.
    var cores: [DriverCore]
    /// The replicas, for tests that inspect or script them directly.
    var replicas: [Replica] {
        get { cores.map(\.replica) }
        set { for index in newValue.indices { cores[index].replica = newValue[index] } }
    }
    var queue: [(from: Int, to: Int, message: Message)] = []
    var journals: [[JournalRecord]]
    var chains: [[CommittedBlock]]
    var applications: [CounterApplication]
    var events: [[ReplicaEvent]]
    var sent: [[Message]]
    /// Replicas that neither send nor receive (a partition or a crash).
    var isolated: Set<Int> = []
    var transcript: [String] = []
    /// Messages for which this returns true are lost in the network.
    var drops: (@Sendable (Message) -> Bool)? = nil
    /// A Byzantine block server: when set, it rewrites the blocks a peer sends in answer to a fetch.
    var servedBlocks: (([CommittedBlock]) -> [CommittedBlock])? = nil
    /// Byzantine block servers by replica index, in place of `servedBlocks` for those replicas.
    var servedBlocksByPeer: [Int: ([CommittedBlock]) -> [CommittedBlock]] = [:]
    /// Replicas that leave every fetch unanswered (withholding, or too busy to serve).
    var withholding: Set<Int> = []
    var nowMs: UInt64 = Harness.genesisTimeMs + 1000
    var nonce: UInt64 = 0
    /// Validator-set changes the executor reports when it executes a height (rule 20).
    var setChanges: [UInt64: ValidatorSetChange] = [:]
    /// Consensus parameters committed state holds from the height whose execution changes them.
    var parameterChanges: [UInt64: ReplicaParameters] = [:]

    /// The parameters in the state after executing `height`.
    func parameters(after height: UInt64) -> ReplicaParameters {
        parameterChanges.filter { $0.key <= height }.max { $0.key < $1.key }?.value ?? configuration.parameters
    }

    init(validators: Int = 4, keys keyCount: Int? = nil, configuration: ReplicaConfiguration = Harness.defaultConfiguration) {
        let replicaCount = keyCount ?? validators
        keys = SimulatedKeys(count: replicaCount, seed: 7)
        genesis = try! ValidatorSet(Array(keys.validators.validators.prefix(validators)))
        self.configuration = configuration
        cores = []
        journals = Array(repeating: [], count: replicaCount)
        chains = Array(repeating: [], count: replicaCount)
        applications = Array(repeating: CounterApplication(), count: replicaCount)
        events = Array(repeating: [], count: replicaCount)
        sent = Array(repeating: [], count: replicaCount)
        for index in 0..<replicaCount { cores.append(makeCore(index, journal: [], chain: nil)) }
        for index in 0..<replicaCount { step(index, .tick(nowMs: nowMs)) }
        transcript = []
    }

    static let defaultConfiguration = ReplicaConfiguration(
        chainId: "sbp-sim", checkpointInterval: 4, watermarkWindow: 8, viewChangeTimeoutTicks: 4, viewChangeTimeoutTicksMax: 16,
        timestampDriftMsMax: 5000, fetchTimeoutTicks: 4)

    /// The driver pacing of the harness: nothing is proposed or suspected unless a test asks.
    static let driverConfiguration = DriverConfiguration(tickMs: 100, emptyBlockIntervalMs: nil, inclusionGraceMs: 0, inclusionSkipsMax: 1)

    func makeCore(_ index: Int, journal: [JournalRecord], chain: ChainPosition?, wiped: Bool = false) -> DriverCore {
        DriverCore(
            replica: makeReplica(index, journal: journal, chain: chain, wiped: wiped), configuration: Self.driverConfiguration,
            blockLimits: BlockLimits(transactionsMax: 1000, bytesMax: configuration.blockBytesMax, fuelMax: .max))
    }

    func makeReplica(_ index: Int, journal: [JournalRecord], chain: ChainPosition?, wiped: Bool = false) -> Replica {
        var configuration = configuration
        configuration.parameters = parameters(after: chain?.committedHeight ?? 0)
        return Replica(
            configuration: configuration, identity: keys.address(of: index), schedule: ValidatorSchedule(genesis: genesis),
            chain: chain ?? .genesis(timestampMs: Self.genesisTimeMs, stateRoot: CounterApplication.genesisRoot),
            journal: journal, wiped: wiped, authenticator: keys.authenticator(for: index), screen: SimulatedScreen())
    }

    var count: Int { cores.count }

    /// The replica a fetch goes to: a validator by its index in the genesis set (the harness's replica
    /// index), an observer by its key's name (`v4` for key 4, a replica outside the set).
    func replicaIndex(of source: FetchSource) -> Int? {
        switch source {
        case .validator(let index): return Int(index)
        case .observer(let name): return keys.validators.validators.firstIndex { $0.name == name }
        }
    }

    // MARK: - Driving

    /// Hands one input to a replica's driver core and carries out its actions: journal, then messages,
    /// then execution. Inputs the core does not take as events go to the replica as they are.
    mutating func step(_ index: Int, _ input: Input) {
        switch input {
        case .tick(let nowMs): cores[index].handle(.tick(nowMs: nowMs, pendingCount: 0))
        case .message(let message): cores[index].handle(.message(message))
        case .propose(let transactions): cores[index].handle(.proposal(transactions))
        default: cores[index].replica.step(input)
        }
        drain(index)
    }

    mutating func drain(_ index: Int) {
        while let action = cores[index].nextAction() {
            switch action {
            case .persist(let records):
                journals[index].append(contentsOf: records)
            case .send(let outgoing):
                sent[index].append(outgoing.message)
                transcript.append("r\(index) → \(describe(outgoing.target)): \(describe(outgoing.message))")
                guard !isolated.contains(index), drops?(outgoing.message) != true else { continue }
                switch outgoing.target {
                case .all: for peer in 0..<count where peer != index { queue.append((index, peer, outgoing.message)) }
                case .replica(let peer): queue.append((index, Int(peer), outgoing.message))
                }
            case .report(let event):
                events[index].append(event)
                if case .rejected = event { continue }
                transcript.append("r\(index) event \(describe(event))")
            case .execute(let committed):
                chains[index].append(committed)
                applications[index].execute(committed.block)
                transcript.append("r\(index) execute h\(committed.block.height)")
                cores[index].handle(
                    .executed(
                        Execution(
                            block: committed.block, stateRoot: applications[index].stateRoot,
                            receiptsRoot: applications[index].receiptsRoot, validatorSetChange: setChanges[committed.block.height],
                            parameters: parameters(after: committed.block.height))))
            case .fetch(let fetch):
                transcript.append("r\(index) fetch from \(fetch.source) heights \(fetch.fromHeight)...\(fetch.targetHeight)")
                guard let peer = replicaIndex(of: fetch.source) else { continue }
                if !isolated.contains(index), !isolated.contains(peer), !withholding.contains(peer) {
                    let start = Int(fetch.fromHeight) - 1
                    var blocks = Array(chains[peer].dropFirst(start).prefix(ConsensusLimits.fetchBlocksMax))
                    if let rewrite = servedBlocksByPeer[peer] ?? servedBlocks { blocks = rewrite(blocks) }
                    queue.append((peer, index, .blocks(blocks)))
                }
            case .propose, .suspectPrimary:
                preconditionFailure("the harness's driver core has no mempool: it neither proposes nor suspects on its own")
            case .halt(let reason):
                transcript.append("r\(index) halt: \(reason)")
            }
        }
    }

    /// Delivers queued messages in FIFO order until the queue is empty (bounded).
    mutating func deliverAll(limit: Int = 100_000) {
        var delivered = 0
        while !queue.isEmpty, delivered < limit {
            let (_, to, message) = queue.removeFirst()
            delivered += 1
            guard !isolated.contains(to) else { continue }
            step(to, .message(message))
        }
    }

    /// Advances every live replica's clock by `ticks` ticks, delivering after each.
    mutating func tick(_ ticks: Int = 1) {
        for _ in 0..<ticks {
            nowMs += 100
            for index in 0..<count where !isolated.contains(index) { step(index, .tick(nowMs: nowMs)) }
            deliverAll()
        }
    }

    /// Ticks until `condition` holds (at most `limit` ticks); returns whether it did.
    @discardableResult
    mutating func tick(until condition: (Harness) -> Bool, limit: Int = 200) -> Bool {
        for _ in 0..<limit {
            if condition(self) { return true }
            tick()
        }
        return condition(self)
    }

    /// Has the primary of the current view propose `transactions` new transactions, then delivers.
    mutating func proposeAndDeliver(transactions: Int = 2, by primary: Int? = nil) {
        let index = primary ?? currentPrimary
        step(index, .propose(makeTransactions(transactions)))
        deliverAll()
    }

    /// The replica that is primary of the highest view among live replicas, in the set deciding the next
    /// height of the most advanced one.
    var currentPrimary: Int {
        let live = replicas.enumerated().filter { !isolated.contains($0.offset) }.map(\.element)
        let view = live.map(\.view).max() ?? 0
        guard let ahead = live.max(by: { $0.committedHeight < $1.committedHeight }) else { return 0 }
        let validators = ahead.schedule.validators(at: ahead.committedHeight + 1)
        let address = validators.validators[validators.primary(for: view)].address
        return (0..<count).first { keys.address(of: $0) == address } ?? 0
    }

    mutating func makeTransactions(_ count: Int) -> [Transaction] {
        (0..<count).map { _ in
            nonce += 1
            let body = TransactionBody(
                chainId: configuration.chainId, sender: .zero, nonce: nonce, kind: .call, payload: [UInt8(nonce % 7 + 1)],
                fuelLimit: 1000, expiryHeight: .max)
            return Transaction(body: body, signature: SimulatedAuthenticator.signature(secret: .zero, digest: body.hash))
        }
    }

    /// Signs `payload` as validator `index` (to forge Byzantine messages in tests).
    func sign<Payload: SignablePayload>(_ payload: Payload, as index: Int) -> Signed<Payload> {
        Signed(
            payload: payload, signer: UInt16(index),
            signature: keys.authenticator(for: index).sign(payload.signingDigest(chainId: configuration.chainId)))
    }

    /// Restarts replica `index` from its durable journal and chain.
    mutating func restart(_ index: Int, wipe: Bool = false) {
        if wipe {
            journals[index] = []
            chains[index] = []
        }
        var application = CounterApplication()
        for committed in chains[index] { application.execute(committed.block) }
        applications[index] = application
        let chain = chains[index].last.map { last in
            ChainPosition(
                committedHeight: last.block.height, committedHash: last.block.hash, committedTimestampMs: last.block.header.timestampMs,
                lastCertificate: last.certificate, stateRoot: application.stateRoot, receiptsRoot: application.receiptsRoot)
        }
        cores[index] = makeCore(index, journal: journals[index], chain: chain, wiped: wipe)
        transcript.append("r\(index) restart\(wipe ? " (wiped)" : "")")
        step(index, .tick(nowMs: nowMs))
    }

    // MARK: - Transcript text

    func describe(_ target: Outgoing.Target) -> String {
        switch target {
        case .all: return "all"
        case .replica(let index): return "r\(index)"
        }
    }

    func short(_ hash: Hash) -> String { String(hash.hex.prefix(8)) }

    func describe(_ message: Message) -> String {
        switch message {
        case .prePrepare(let signed, let block):
            return
                "PRE-PREPARE v\(signed.payload.view) h\(signed.payload.height) d=\(short(signed.payload.digest)) txs=\(block.transactions.count)"
        case .prepare(let signed): return "PREPARE v\(signed.payload.view) h\(signed.payload.height) d=\(short(signed.payload.digest))"
        case .commit(let signed): return "COMMIT v\(signed.payload.view) h\(signed.payload.height) d=\(short(signed.payload.digest))"
        case .checkpoint(let signed):
            return "CHECKPOINT h\(signed.payload.height) block=\(short(signed.payload.blockHash)) root=\(short(signed.payload.stateRoot))"
        case .viewChange(let signed):
            return
                "VIEW-CHANGE v\(signed.payload.newView) s=\(signed.payload.stableHeight) P=\(signed.payload.prepared.map { "h\($0.height)v\($0.view)" })"
        case .newView(let signed):
            return
                "NEW-VIEW v\(signed.payload.view) V=\(signed.payload.viewChanges.map(\.signer)) O=\(signed.payload.prePrepares.map { "h\($0.payload.height)" })"
        case .fetchBlocks(let from, let requester): return "FETCH from h\(from) for r\(requester)"
        case .blocks(let blocks): return "BLOCKS \(blocks.map { "h\($0.block.height)" })"
        }
    }

    func describe(_ event: ReplicaEvent) -> String {
        switch event {
        case .proposed(let view, let height, let digest): return "proposed v\(view) h\(height) d=\(short(digest))"
        case .prepared(let view, let height, let digest): return "prepared v\(view) h\(height) d=\(short(digest))"
        case .committed(let view, let height, let digest): return "committed v\(view) h\(height) d=\(short(digest))"
        case .checkpointStable(let height): return "checkpoint stable h\(height)"
        case .viewChangeStarted(let view, let reason): return "view change to v\(view) (\(reason))"
        case .enteredView(let view): return "entered v\(view)"
        case .stateTransferStarted(let from, let target, let source): return "state transfer h\(from)...h\(target) from \(source)"
        case .stateTransferred(let height): return "transferred h\(height)"
        case .equivocation(let first, let second):
            return
                "equivocation v\(first.payload.view) h\(first.payload.height) \(short(first.payload.digest))≠\(short(second.payload.digest))"
        case .conflictingVote(let phase, let signer, let view, let height, let first, let second):
            return "conflicting \(phase) of r\(signer) v\(view) h\(height) \(short(first))≠\(short(second))"
        case .stateDivergence(let height, _, _): return "state divergence at h\(height)"
        case .parametersChanged(let height, let parameters):
            return "parameters from h\(height): K=\(parameters.checkpointInterval) L=\(parameters.watermarkWindow)"
        case .rejected(let rejection): return "rejected \(rejection)"
        }
    }

    func rejections(of index: Int) -> [MessageRejection] {
        events[index].compactMap { if case .rejected(let rejection) = $0 { return rejection } else { return nil } }
    }
}
