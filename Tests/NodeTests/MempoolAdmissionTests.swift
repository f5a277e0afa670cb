import ChainTypes
import Ledger
import Node
import Testing

/// Admission: duplicates, replays, gaps, and the count, byte and per-sender bounds.
@Suite("Mempool admission")
struct MempoolAdmissionTests {
    @Test("a client's repeat is a duplicate; a peer's repeat is already known and not an error")
    func duplicates() throws {
        let harness = try MempoolHarness()
        let transaction = harness.call(from: harness.senders[0])
        #expect(harness.mempool.add(transaction, origin: .local) == .success(.added))
        let repeated = harness.mempool.add(transaction, origin: .local)
        #expect(repeated == .failure(.duplicate(transaction.hash)))
        #expect(repeated.rejection?.description == "transaction \(transaction.hash) is already pending")
        #expect(harness.mempool.add(transaction, origin: .peer) == .success(.alreadyKnown))
        #expect(harness.mempool.count == 1)
        #expect(harness.mempool.bytes == transaction.canonicalBytes.count)
        let metrics = harness.mempool.metrics
        #expect(metrics.admitted == 1)
        #expect(metrics.alreadyKnown == 1)
        #expect(metrics.rejected == ["duplicate": 1])
    }

    @Test("a transaction replayed after its block is refused with nonce_too_low, from clients and peers")
    func replayAfterCommit() throws {
        let harness = try MempoolHarness()
        let transaction = harness.call(from: harness.senders[0])
        harness.add([transaction])
        #expect(try harness.commit([transaction]) == [transaction.hash: .included])
        #expect(!harness.mempool.contains(transaction.hash))
        let replay: TransactionRejection = .nonceTooLow(expected: 1, received: 0)
        #expect(harness.mempool.add(transaction, origin: .local) == .failure(replay))
        #expect(harness.mempool.add(transaction, origin: .peer) == .failure(replay))
        #expect(replay.description == "nonce 0 already used (replay); next nonce is 1")
        #expect(harness.mempool.metrics.rejected == ["nonceTooLow": 2])
    }

    @Test("a nonce after a missing one waits as a future nonce, not proposed, until the gap fills")
    func gaps() throws {
        let harness = try MempoolHarness()
        let sender = harness.senders[0]
        let (first, second, fourth) = (
            harness.call(from: sender, nonce: 0), harness.call(from: sender, nonce: 1), harness.call(from: sender, nonce: 3)
        )
        #expect(harness.mempool.add(second, origin: .local) == .success(.added))
        #expect(harness.mempool.readyCount == 0 && harness.mempool.count == 1)
        #expect(harness.mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max).isEmpty)
        #expect(harness.mempool.add(fourth, origin: .peer) == .success(.added))
        #expect(harness.mempool.add(first, origin: .local) == .success(.added))
        // 0 fills the first gap and promotes 1; 3 still waits for 2.
        #expect(harness.mempool.readyCount == 2 && harness.mempool.metrics.futureTransactions == 1)
        #expect(harness.mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max) == [first, second])
        #expect(harness.mempool.pending(for: sender.address) == 3)
        #expect(harness.mempool.transactions(from: sender.address) == [first, second, fourth])
        #expect(harness.mempool.nextNonce(for: sender.address, accountNonce: 0) == 2)
    }

    @Test("a nonce beyond the future-nonce window is refused with nonce_gap")
    func beyondWindow() throws {
        let harness = try MempoolHarness(limits: Mempool.Limits(futureNonceWindow: 4))
        let sender = harness.senders[0]
        #expect(harness.mempool.add(harness.call(from: sender, nonce: 4), origin: .local) == .success(.added))
        let far = harness.mempool.add(harness.call(from: sender, nonce: 5), origin: .local)
        #expect(far == .failure(.nonceGap(expected: 0, received: 5)))
        #expect(far.rejection?.code == "nonceGap")
        // The window follows the end of the ready run, not the account's nonce.
        harness.add((0..<4).map { harness.call(from: sender, nonce: $0) })
        #expect(harness.mempool.readyCount == 5)
        #expect(harness.mempool.add(harness.call(from: sender, nonce: 9), origin: .local) == .success(.added))
        #expect(harness.mempool.add(harness.call(from: sender, nonce: 10), origin: .local).rejection != nil)
    }

    @Test("future nonces count against the pool's bound on waiting transactions")
    func futureBound() throws {
        let harness = try MempoolHarness(limits: Mempool.Limits(futureTransactionsMax: 1))
        let (a, b) = (harness.senders[0], harness.senders[1])
        #expect(harness.mempool.add(harness.call(from: a, nonce: 2), origin: .local) == .success(.added))
        let refused = harness.mempool.add(harness.call(from: b, nonce: 1), origin: .local)
        #expect(refused == .failure(.mempoolFutureFull(limit: 1)))
        #expect(refused.rejection?.code == "mempoolFutureFull")
        // A ready transaction still gets in.
        #expect(harness.mempool.add(harness.call(from: b, nonce: 0), origin: .local) == .success(.added))
    }

    @Test("a future nonce whose gap does not fill in time is evicted with gap_not_filled and counted")
    func futureTimeout() throws {
        let clock = ManualClock()
        let harness = try MempoolHarness(limits: Mempool.Limits(futureNonceTimeout: .seconds(60)), clock: clock.now)
        let sender = harness.senders[0]
        let waiting = harness.call(from: sender, nonce: 1)
        let ready = harness.call(from: harness.senders[1], nonce: 0)
        harness.add([waiting, ready])
        clock.advance(by: .seconds(59))
        #expect(harness.mempool.evictStaleFutures().isEmpty)
        clock.advance(by: .seconds(1))
        #expect(harness.mempool.evictStaleFutures() == [waiting.hash: .gapNotFilled])
        #expect(harness.mempool.metrics.evicted == [.gapNotFilled: 1])
        #expect(harness.mempool.count == 1 && harness.mempool.contains(ready.hash))
        // A block evicts them too.
        let late = harness.call(from: sender, nonce: 2)
        harness.add([late])
        clock.advance(by: .seconds(61))
        #expect(try harness.commit([ready]) == [ready.hash: .included, late.hash: .gapNotFilled])
    }

    @Test("a second transaction with a pending nonce is refused, ready or future; the first stays")
    func samePendingNonce() throws {
        let harness = try MempoolHarness()
        let sender = harness.senders[0]
        let original = harness.call(from: sender, nonce: 0)
        let rival = harness.call(from: sender, nonce: 0, inputByte: 9)
        #expect(original.hash != rival.hash)
        harness.add([original])
        #expect(harness.mempool.add(rival, origin: .local) == .failure(.nonceTooLow(expected: 1, received: 0)))
        #expect(harness.mempool.transactions(from: sender.address) == [original])
        // A future nonce that a waiting transaction holds is taken.
        let future = harness.call(from: sender, nonce: 3)
        harness.add([future])
        let rivalFuture = harness.call(from: sender, nonce: 3, inputByte: 9)
        #expect(harness.mempool.add(rivalFuture, origin: .peer) == .failure(.nonceTaken(sender: sender.address, nonce: 3)))
        #expect(harness.mempool.transactions(from: sender.address) == [original, future])
    }

    @Test("ledger refusals come back wrapped with the ledger's code")
    func ledgerRefusals() throws {
        let harness = try MempoolHarness()
        let auditor = harness.chain.auditors["TD"]!
        let result = harness.mempool.add(harness.call(from: auditor), origin: .local)
        #expect(result == .failure(.roleNotAllowed(kind: .call, required: [.admin, .issuer, .submitter])))
        #expect(result.rejection?.code == "roleNotAllowed")
        #expect(harness.mempool.count == 0)
    }

    @Test("a full pool refuses the next transaction and keeps every admitted one")
    func countBound() throws {
        let harness = try MempoolHarness(limits: Mempool.Limits(transactionsMax: 3))
        let (a, b) = (harness.senders[0], harness.senders[1])
        let admitted = [harness.call(from: a), harness.call(from: a), harness.call(from: b)]
        #expect(harness.add(admitted).allSatisfy { $0 == .success(.added) })
        let refused = harness.mempool.add(harness.call(from: b), origin: .local)
        #expect(refused == .failure(.mempoolFull(limit: 3)))
        #expect(refused.rejection?.code == "mempoolFull")
        #expect(refused.rejection?.description == "the mempool is full: it holds its limit of 3 transactions; retry after the next block")
        #expect(admitted.allSatisfy { harness.mempool.contains($0.hash) })
        // A block makes room; the refused nonce is admitted once sent again.
        try harness.commit([admitted[0]])
        harness.chain.setNonce(1, for: b.address)
        #expect(harness.mempool.add(harness.call(from: b), origin: .local) == .success(.added))
        #expect(harness.mempool.count == 3)
    }

    @Test("the byte bound counts canonical sizes")
    func byteBound() throws {
        let probe = try MempoolHarness()
        let size = probe.call(from: probe.senders[0], inputBytes: 1000).canonicalBytes.count
        let harness = try MempoolHarness(limits: Mempool.Limits(bytesMax: 2 * size + size / 2))
        let transactions = (0..<3).map { harness.call(from: harness.senders[$0], inputBytes: 1000) }
        let outcomes = harness.add(transactions)
        #expect(outcomes[0] == .success(.added) && outcomes[1] == .success(.added))
        #expect(outcomes[2] == .failure(.mempoolBytesFull(transactionBytes: size, pendingBytes: 2 * size, limit: 2 * size + size / 2)))
        #expect(harness.mempool.bytes == 2 * size)
        // A smaller transaction still fits in what is left.
        #expect(harness.mempool.add(harness.call(from: harness.senders[3], inputBytes: 8), origin: .local) == .success(.added))
    }

    @Test("one sender cannot hold more than its share; other senders are still admitted")
    func perSenderBound() throws {
        let harness = try MempoolHarness(limits: Mempool.Limits(perSenderMax: 2))
        let (a, b) = (harness.senders[0], harness.senders[1])
        let outcomes = harness.add(harness.calls(from: a, count: 3))
        #expect(outcomes.map(\.rejection) == [nil, nil, .mempoolSenderFull(sender: a.address, limit: 2)])
        #expect(outcomes[2].rejection?.code == "mempoolSenderFull")
        #expect(harness.mempool.add(harness.call(from: b), origin: .local) == .success(.added))
        #expect(harness.mempool.metrics.rejected == ["mempoolSenderFull": 1])
    }

    @Test("limits from the config file keep the per-sender share within the pool")
    func limitsFromConfiguration() {
        let limits = Mempool.Limits(NodeConfiguration.MempoolLimits(transactionsMax: 500, bytesMax: 1_000_000))
        #expect(limits == Mempool.Limits(transactionsMax: 500, bytesMax: 1_000_000, perSenderMax: 500, futureTransactionsMax: 125))
        #expect(Mempool.Limits(NodeConfiguration.MempoolLimits()).perSenderMax == NodeLimits.mempoolTransactionsPerSenderMaxDefault)
    }

    @Test("a check made while the ledger is a block ahead of the pool expects the nonce after the pool's run")
    func ledgerAheadOfPool() throws {
        let harness = try MempoolHarness()
        let sender = harness.senders[0]
        let (first, second, third) = (harness.call(from: sender), harness.call(from: sender), harness.call(from: sender))
        harness.add([first])
        // The block is finalized but the driver has not yet called removeCommitted: the stale entry (nonce 0)
        // is already counted in the account's nonce 1, so 1 is next, not 2, and a client's 1 must not be
        // refused as a replay (the integration tests met this with transactions sent to several nodes).
        let executed = try harness.chain.commit([first], on: harness.ledger)
        #expect(harness.mempool.add(first, origin: .peer) == .success(.alreadyKnown))
        #expect(harness.mempool.nextNonce(for: sender.address, accountNonce: 1) == 1)
        #expect(harness.add([third, second]) == [.success(.added), .success(.added)])
        #expect(harness.mempool.readyCount == 3, "1 follows the pool's run and promotes 2")
        try harness.mempool.removeCommitted(executed.block)
        #expect(harness.mempool.transactions(from: sender.address) == [second, third])
        #expect(harness.mempool.readyCount == 2)
    }

    @Test("the per-sender bound counts only what the ledger has not committed, from clients and peers")
    func perSenderBoundWhileLedgerAhead() throws {
        let harness = try MempoolHarness(limits: Mempool.Limits(perSenderMax: 3))
        let sender = harness.senders[0]
        let calls = harness.calls(from: sender, count: 6)
        #expect(harness.add(Array(calls[0..<3])).allSatisfy { $0.rejection == nil })
        #expect(harness.add([calls[3]]) == [.failure(.mempoolSenderFull(sender: sender.address, limit: 3))])
        // Nonces 0 and 1 are finalized; the driver has not yet called removeCommitted, so the pool still
        // holds them, but only nonce 2 counts against the sender's three: 3 and 4 fit, 5 does not.
        let executed = try harness.chain.commit(Array(calls[0..<2]), on: harness.ledger)
        #expect(harness.mempool.pending(for: sender.address) == 3)
        #expect(harness.add([calls[3]]) == [.success(.added)])
        #expect(harness.add([calls[4]], origin: .peer) == [.success(.added)])
        #expect(harness.add([calls[5]], origin: .peer) == [.failure(.mempoolSenderFull(sender: sender.address, limit: 3))])
        try harness.mempool.removeCommitted(executed.block)
        #expect(harness.mempool.transactions(from: sender.address) == Array(calls[2..<5]))
        #expect(harness.add([calls[5]]) == [.failure(.mempoolSenderFull(sender: sender.address, limit: 3))])
    }
}
