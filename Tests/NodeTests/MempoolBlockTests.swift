import ChainTypes
import Ledger
import Node
import Testing

/// Proposals from the pool and what a finalized block removes from it.
@Suite("Mempool batches and finalized blocks")
struct MempoolBlockTests {
    /// A batch bounded only where a test says so.
    func batch(_ mempool: Mempool, transactionsMax: Int = 10_000, bytesMax: Int = .max, fuelMax: UInt64 = .max) -> [Transaction] {
        mempool.batch(transactionsMax: transactionsMax, bytesMax: bytesMax, fuelMax: fuelMax)
    }

    @Test("senders take turns in the order of their oldest transaction, each in nonce order")
    func fairnessAndNonceOrder() throws {
        let harness = try MempoolHarness()
        let (a, b, c) = (harness.senders[0], harness.senders[1], harness.senders[2])
        let fromA = harness.calls(from: a, count: 3)
        let fromB = harness.calls(from: b, count: 3)
        let fromC = harness.calls(from: c, count: 1)
        harness.add(fromA)
        harness.add(fromB)
        harness.add(fromC)
        #expect(batch(harness.mempool) == [fromA[0], fromB[0], fromC[0], fromA[1], fromB[1], fromA[2], fromB[2]])
        // Proposing takes nothing out: a failed proposal loses no transaction.
        #expect(harness.mempool.count == 7)
    }

    @Test("a batch stops at the block's transaction count")
    func transactionCountBound() throws {
        let harness = try MempoolHarness()
        for sender in harness.senders.prefix(4) { harness.add(harness.calls(from: sender, count: 2)) }
        let chosen = batch(harness.mempool, transactionsMax: 5)
        #expect(chosen.count == 5)
        // Three senders of the first department and one of the second: departments take turns, so the
        // second department's sender sends its nonce 1 before the first department's third sender.
        let senders = harness.senders.prefix(4).map(\.address)
        #expect(chosen.map(\.body.sender) == [senders[0], senders[3], senders[1], senders[3], senders[2]])
        #expect(chosen.map(\.body.nonce) == [0, 0, 0, 1, 0])
    }

    @Test("a batch keeps the sum of canonical sizes within the block's bytes")
    func byteBound() throws {
        let harness = try MempoolHarness()
        let (a, b, c) = (harness.senders[0], harness.senders[1], harness.senders[2])
        let large = harness.call(from: a, inputBytes: 4000)
        let afterLarge = harness.call(from: a)
        let small = [harness.call(from: b), harness.call(from: c)]
        harness.add([large, afterLarge] + small)
        let budget = small.map(\.canonicalBytes.count).reduce(0, +) + 100
        let chosen = batch(harness.mempool, bytesMax: budget)
        // The large transaction does not fit, so its sender's later nonce waits too; the others fit.
        #expect(chosen == small)
        #expect(chosen.map(\.canonicalBytes.count).reduce(0, +) <= budget)
    }

    @Test("a batch keeps the sum of fuel limits within the block's fuel, and every transaction of it executes")
    func fuelBound() throws {
        let harness = try MempoolHarness()
        let (a, b, c) = (harness.senders[0], harness.senders[1], harness.senders[2])
        let fromA = harness.call(from: a, fuelLimit: 500)
        let fromB = [harness.call(from: b, fuelLimit: 300), harness.call(from: b, fuelLimit: 100)]
        let fromC = harness.call(from: c, fuelLimit: 100)
        harness.add([fromA] + fromB + [fromC])
        let chosen = batch(harness.mempool, fuelMax: 700)
        #expect(chosen == [fromA, fromC])
        let everything = batch(harness.mempool)
        let executed = try harness.chain.commit(everything, on: harness.ledger)
        #expect(executed.receipts.allSatisfy { $0.status != .rejected })
    }

    @Test("a finalized block removes its transactions and those whose nonce it used; later nonces stay")
    func removalAfterCommit() throws {
        let harness = try MempoolHarness()
        let (a, b) = (harness.senders[0], harness.senders[1])
        let fromA = harness.calls(from: a, count: 3)
        let fromB = harness.call(from: b)
        harness.add(fromA + [fromB])
        // Another node's block holds a different transaction with A's nonce 1.
        let rival = harness.call(from: a, nonce: 1, inputByte: 9)
        let evicted = try harness.commit([fromA[0], rival, fromB])
        #expect(evicted == [fromA[0].hash: .included, fromA[1].hash: .nonceUsed, fromB.hash: .included])
        #expect(harness.mempool.transactions(from: a.address) == [fromA[2]])
        #expect(harness.mempool.pending(for: b.address) == 0)
        #expect(harness.mempool.count == 1)
        #expect(harness.mempool.bytes == fromA[2].canonicalBytes.count)
        // The sender's next nonce follows what is still pending.
        #expect(harness.mempool.add(harness.call(from: a), origin: .local) == .success(.added))
        #expect(batch(harness.mempool).map(\.body.nonce) == [2, 3])
        #expect(harness.mempool.metrics.evicted == [.included: 2, .nonceUsed: 1])
    }

    @Test("transactions whose expiry is below the next height leave; their sender's later nonces wait for the gap")
    func expiry() throws {
        let harness = try MempoolHarness()
        let (a, b) = (harness.senders[0], harness.senders[1])
        let expiring = harness.call(from: a, expiryHeight: 1)
        let behindExpiring = harness.call(from: a, expiryHeight: 100)
        let fromB = harness.call(from: b, expiryHeight: 2)
        #expect(harness.add([expiring, behindExpiring, fromB]).allSatisfy { $0 == .success(.added) })
        // Block 1 is empty: the next height is 2, past `expiring`'s last height.
        #expect(try harness.commit([]) == [expiring.hash: .expired])
        #expect(harness.mempool.transactions(from: b.address) == [fromB])
        #expect(harness.mempool.readyCount == 1 && harness.mempool.metrics.futureTransactions == 1)
        #expect(try harness.commit([]) == [fromB.hash: .expired])
        #expect(harness.mempool.count == 1 && harness.mempool.bytes == behindExpiring.canonicalBytes.count)
        #expect(harness.mempool.metrics.evicted == [.expired: 2])
        // The sender sends nonce 0 again: the waiting nonce 1 follows it.
        harness.add([harness.call(from: a, nonce: 0)])
        #expect(harness.mempool.readyCount == 2)
    }

    @Test("a block that takes a sender's later nonce without the earlier one leaves the rest waiting behind the gap")
    func orphansBehindAnIncludedGap() throws {
        let harness = try MempoolHarness()
        let a = harness.senders[0]
        let fromA = harness.calls(from: a, count: 3)
        harness.add(fromA)
        // A faulty primary includes nonce 1 alone: execution rejects it and the account stays at nonce 0.
        let executed = try harness.chain.commit([fromA[1]], on: harness.ledger)
        #expect(executed.receipts.map(\.status) == [.rejected])
        let evicted = try harness.mempool.removeCommitted(executed.block)
        #expect(evicted == [fromA[1].hash: .included])
        #expect(harness.mempool.transactions(from: a.address) == [fromA[0], fromA[2]])
        #expect(harness.mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max) == [fromA[0]])
    }

    @Test("a block that fills a sender's gap with another node's transaction makes the waiting nonce ready")
    func aFilledGapPromotesTheWaitingNonce() throws {
        let harness = try MempoolHarness()
        let a = harness.senders[0]
        let first = harness.call(from: a, nonce: 0)
        let waiting = harness.call(from: a, nonce: 2)
        #expect(harness.add([first, waiting]).allSatisfy { $0 == .success(.added) })
        #expect(harness.mempool.readyCount == 1 && harness.mempool.metrics.futureTransactions == 1)
        // Another node's block carries nonce 1, which this pool never saw.
        let evicted = try harness.commit([first, harness.call(from: a, nonce: 1, inputByte: 9)])
        #expect(evicted == [first.hash: .included])
        #expect(harness.mempool.readyCount == 1 && harness.mempool.metrics.futureTransactions == 0)
        #expect(batch(harness.mempool) == [waiting])
        #expect(harness.mempool.add(harness.call(from: a, nonce: 3), origin: .local) == .success(.added))
        #expect(batch(harness.mempool).map(\.body.nonce) == [2, 3])
    }
}
