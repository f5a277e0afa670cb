import ChainTypes
import Keys
import Ledger
import Node
import Simulation
import Synchronization
import Testing

/// Seeded schedules of admissions (clients and gossip, in any nonce order, with rival transactions for one
/// nonce), proposals, blocks from other nodes, finalizations the pool hears of late or during a check,
/// and time passing. After every step each admitted transaction is still pending, or left with a reason
/// the pool returned and counted; a sender's next nonce is always admitted; and a proposal made while the
/// pool is in step with the ledger executes without a rejected receipt. A failing seed replays exactly.
@Suite("Mempool property: an admitted transaction is pending, committed or evicted with a reason")
struct MempoolPropertyTests {
    static let seeds: [UInt64] = Array(0..<16)
    static let steps = 60

    @Test("no admitted transaction silently disappears", arguments: seeds)
    func accountedFor(seed: UInt64) throws {
        var run = try PropertyRun(seed: seed)
        for step in 0..<Self.steps {
            try run.step()
            try run.checkInvariants(step: step)
        }
        try run.drain()
        try run.checkInvariants(step: Self.steps)
    }
}

/// One seeded schedule and the model it is checked against.
struct PropertyRun {
    let harness: MempoolHarness
    let application: InterleavedLedger
    let mempool: Mempool
    let clock = ManualClock()
    var random: SimulationRandom
    let seed: UInt64
    let senders: [PrivateKey]
    /// Signed transactions by (sender, nonce, variant), so the same transaction can be sent again.
    var signed: [String: Transaction] = [:]
    /// Admitted and not yet reported as left: must be pending.
    var pending: [Hash: Transaction] = [:]
    /// Blocks the ledger finalized that the pool has not yet been told of, oldest first (the driver's lag).
    var unannounced: [Block] = []
    var left: [MempoolEviction: Int] = [:]

    init(seed: UInt64) throws {
        self.seed = seed
        random = SimulationRandom(seed: seed)
        let clock = self.clock
        harness = try MempoolHarness()
        application = InterleavedLedger(harness.ledger)
        mempool = Mempool(
            limits: Mempool.Limits(
                transactionsMax: 30, perSenderMax: 12, futureTransactionsMax: 8, futureNonceWindow: 4, futureNonceTimeout: .seconds(30)),
            application: application, clock: clock.now)
        senders = Array(harness.senders.prefix(3))
    }

    var label: Comment { "seed \(seed)" }

    func accountNonce(_ sender: PrivateKey) throws -> UInt64 {
        try harness.ledger.view().account(sender.address)?.nonce ?? 0
    }

    mutating func transaction(_ sender: PrivateKey, nonce: UInt64, variant: UInt64) -> Transaction {
        let key = "\(sender.address)/\(nonce)/\(variant)"
        if let known = signed[key] { return known }
        // Variant 1 expires two blocks after it is signed, so expiry races with everything else.
        let height = harness.ledger.height
        let made = harness.call(
            from: sender, nonce: nonce, inputByte: UInt8(variant), expiryHeight: variant == 1 ? height + 2 : 1_000_000)
        signed[key] = made
        return made
    }

    mutating func step() throws {
        let sender = senders[Int(random.below(UInt64(senders.count)))]
        switch random.below(100) {
        case 0..<35: try admitSome(sender)
        case 35..<45: try admitNext(sender)
        case 45..<60: try proposeAndFinalize()
        case 60..<70: try foreignBlock(sender)
        case 70..<80: try finalizeDuringCheck(sender)
        case 80..<90: try announce()
        default: passTime()
        }
    }

    /// A client or a peer sends a transaction near the sender's nonce: a replay, the next, or a future one.
    mutating func admitSome(_ sender: PrivateKey) throws {
        let base = try accountNonce(sender)
        let nonce = base &+ random.below(8) &- min(base, 1)
        let transaction = transaction(sender, nonce: nonce, variant: random.below(2))
        record(mempool.add(transaction, origin: random.chance(50) ? .local : .peer), transaction)
    }

    /// The nonce the pool says comes next is admitted (or refused only for a full pool).
    mutating func admitNext(_ sender: PrivateKey) throws {
        let nonce = mempool.nextNonce(for: sender.address, accountNonce: try accountNonce(sender))
        let transaction = transaction(sender, nonce: nonce, variant: 0)  // one that does not expire
        let result = mempool.add(transaction, origin: .local)
        switch result {
        case .success, .failure(.mempoolFull), .failure(.mempoolBytesFull), .failure(.mempoolSenderFull), .failure(.mempoolFutureFull),
            .failure(.duplicate):
            break
        default: Issue.record("\(label): the next nonce \(nonce) was refused: \(result)")
        }
        record(result, transaction)
    }

    /// This node is primary: it proposes a batch, and the block is finalized (the pool may hear later).
    mutating func proposeAndFinalize() throws {
        let inStep = unannounced.isEmpty
        let batch = mempool.batch(transactionsMax: Int(random.below(6)) + 1, bytesMax: .max, fuelMax: .max)
        let executed = try harness.chain.commit(batch, on: harness.ledger)
        if inStep {
            #expect(executed.receipts.allSatisfy { $0.status != .rejected }, "\(label): a proposal from a pool in step executes")
        }
        try finalized(executed.block)
    }

    /// Another node's block: the sender's next nonces in transactions this pool may or may not hold.
    mutating func foreignBlock(_ sender: PrivateKey) throws {
        let base = try accountNonce(sender)
        let count = random.below(3)
        let transactions = (0..<count).map { transaction(sender, nonce: base + $0, variant: random.below(2)) }
        try finalized(try harness.chain.commit(transactions, on: harness.ledger).block)
    }

    /// A block is finalized while a transaction is being checked, and the pool hears of it then or later.
    mutating func finalizeDuringCheck(_ sender: PrivateKey) throws {
        let base = try accountNonce(sender)
        let inBlock = transaction(sender, nonce: base, variant: random.below(2))
        let offered = transaction(sender, nonce: base + random.below(3), variant: random.below(2))
        let announceNow = random.chance(50) && unannounced.isEmpty
        let finalized = Mutex<(block: Block, evictions: [Hash: MempoolEviction]?)?>(nil)
        let (harness, mempool) = (self.harness, self.mempool)
        application.duringNextCheck {
            let block = try harness.chain.commit([inBlock], on: harness.ledger).block
            let evictions = announceNow ? try mempool.removeCommitted(block) : nil
            finalized.withLock { $0 = (block, evictions) }
        }
        let result = mempool.add(offered, origin: random.chance(50) ? .local : .peer)
        application.duringNextCheck {}  // disarms the step when admission never reached the ledger
        #expect(application.stepFailures.isEmpty, "\(label): \(application.stepFailures)")
        if let (block, evictions) = finalized.withLock({ $0 }) {
            if let evictions { account(evictions) } else { unannounced.append(block) }
        }
        record(result, offered)
    }

    /// The driver catches up: the oldest finalized block the pool has not heard of is removed.
    mutating func announce() throws {
        guard !unannounced.isEmpty else { return }
        try account(try mempool.removeCommitted(unannounced.removeFirst()))
    }

    mutating func passTime() {
        clock.advance(by: .seconds(Int64(random.below(20))))
        account(mempool.evictStaleFutures())
    }

    mutating func finalized(_ block: Block) throws {
        if unannounced.isEmpty && random.chance(60) {
            try account(try mempool.removeCommitted(block))
        } else {
            unannounced.append(block)
        }
    }

    mutating func record(_ result: Result<Mempool.AddOutcome, TransactionRejection>, _ transaction: Transaction) {
        if case .success(.added) = result { pending[transaction.hash] = transaction }
    }

    mutating func account(_ evictions: [Hash: MempoolEviction]) {
        for (hash, reason) in evictions {
            #expect(pending.removeValue(forKey: hash) != nil, "\(label): \(hash) left as \(reason) but was not pending")
            left[reason, default: 0] += 1
        }
    }

    /// Announces every finalized block, then lets every future nonce time out.
    mutating func drain() throws {
        while !unannounced.isEmpty { try announce() }
        clock.advance(by: .seconds(31))
        account(mempool.evictStaleFutures())
    }

    func checkInvariants(step: Int) throws {
        for hash in pending.keys {
            #expect(mempool.contains(hash), "\(label), step \(step): admitted \(hash) silently disappeared")
        }
        #expect(mempool.count == pending.count, "\(label), step \(step): the pool holds transactions never admitted")
        let metrics = mempool.metrics
        #expect(metrics.admitted - metrics.evictedTotal == UInt64(mempool.count), "\(label), step \(step): counters disagree")
        #expect(metrics.evicted.mapValues { Int($0) } == left, "\(label), step \(step): evictions were not all reported")
        #expect(mempool.readyCount + metrics.futureTransactions == mempool.count)
    }
}
