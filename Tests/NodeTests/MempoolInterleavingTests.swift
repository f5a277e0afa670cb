import ChainTypes
import Ledger
import Node
import Synchronization
import Testing

/// The real ledger, with one step run inside the next admission check, after the ledger has answered and
/// before the mempool sees the answer: a deterministic replay of a thread switch at the worst moment.
final class InterleavedLedger: Application {
    let ledger: Ledger
    private let step = Mutex<(@Sendable () throws -> Void)?>(nil)
    private let failures = Mutex<[String]>([])

    init(_ ledger: Ledger) {
        self.ledger = ledger
    }

    /// Runs `body` inside the next check only.
    func duringNextCheck(_ body: @escaping @Sendable () throws -> Void) {
        step.withLock { $0 = body }
    }

    /// Errors the interleaved steps threw.
    var stepFailures: [String] { failures.withLock { $0 } }

    func check(_ transaction: Transaction, context: AdmissionContext) -> Result<Admission, TransactionRejection> {
        let verdict = ledger.check(transaction, context: context)
        if let body = step.withLock({ $0.take() }) {
            do {
                try body()
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        return verdict
    }

    func execute(_ block: Block) throws(LedgerError) -> ExecutedBlock { try ledger.execute(block) }

    func finalize(_ executed: ExecutedBlock, certificate: CommitCertificate) throws(LedgerError) {
        try ledger.finalize(executed, certificate: certificate)
    }

    func view() throws(LedgerError) -> LedgerView { try ledger.view() }
}

/// The two races `Mempool.add` guards against, replayed deterministically.
@Suite("Mempool admission interleavings")
struct MempoolInterleavingTests {
    @Test("a transaction whose block is finalized during its check is not admitted with a used nonce")
    func blockFinalizedDuringCheck() throws {
        let harness = try MempoolHarness()
        let application = InterleavedLedger(harness.ledger)
        let mempool = Mempool(application: application)
        // Another node proposed the transaction; its block is finalized while a peer's copy is being checked.
        let transaction = harness.call(from: harness.senders[0])
        application.duringNextCheck {
            let executed = try harness.chain.commit([transaction], on: harness.ledger)
            try mempool.removeCommitted(executed.block)
        }
        #expect(mempool.add(transaction, origin: .peer) == .failure(.nonceTooLow(expected: 1, received: 0)))
        #expect(application.stepFailures.isEmpty)
        #expect(mempool.count == 0)
    }

    @Test("a transaction admitted by another thread during its check is reported as known, not as a replay")
    func sameTransactionAdmittedDuringCheck() throws {
        let harness = try MempoolHarness()
        let application = InterleavedLedger(harness.ledger)
        let mempool = Mempool(application: application)
        let transaction = harness.call(from: harness.senders[0])
        application.duringNextCheck {
            #expect(mempool.add(transaction, origin: .local) == .success(.added))
        }
        #expect(mempool.add(transaction, origin: .peer) == .success(.alreadyKnown))
        #expect(mempool.count == 1)
        #expect(mempool.metrics.admitted == 1 && mempool.metrics.alreadyKnown == 1 && mempool.metrics.rejectedTotal == 0)
    }

    @Test("a gap that another thread fills during the check is not reported")
    func gapFilledDuringCheck() throws {
        let harness = try MempoolHarness()
        let application = InterleavedLedger(harness.ledger)
        let mempool = Mempool(application: application)
        let (first, second) = (harness.call(from: harness.senders[0]), harness.call(from: harness.senders[0]))
        application.duringNextCheck {
            #expect(mempool.add(first, origin: .local) == .success(.added))
        }
        #expect(mempool.add(second, origin: .local) == .success(.added))
        #expect(mempool.transactions(from: harness.senders[0].address) == [first, second])
    }
}

/// The multi-host harness's failure (issue 15): a node that had not yet seen a sender's nonce n — the
/// client's copy went to nodes that answered, this node's did not, and gossip or the block holding it was
/// still in flight — refused nonce n+1 as a gap (`nonceGap`, expected n; `nonceTooHigh` over RPC before issue 14). Replayed here
/// with the real ledger, deterministically, in each order the pieces can arrive.
@Suite("Mempool: a nonce that arrives before its predecessor")
struct MempoolNonceInFlightTests {
    @Test("nonce 1 that arrives before nonce 0 waits, then is proposed once nonce 0 arrives by gossip")
    func predecessorArrivesByGossip() throws {
        let harness = try MempoolHarness()
        let sender = harness.senders[0]
        let (first, second) = (harness.call(from: sender), harness.call(from: sender))
        #expect(harness.mempool.add(second, origin: .local) == .success(.added))
        #expect(harness.mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max).isEmpty)
        #expect(harness.mempool.add(first, origin: .peer) == .success(.added))
        let batch = harness.mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max)
        #expect(batch == [first, second])
        let executed = try harness.chain.commit(batch, on: harness.ledger)
        #expect(executed.receipts.allSatisfy { $0.status != .rejected })
    }

    @Test("nonce 1 that arrives before the block holding nonce 0 is finalized here is proposed after that block")
    func predecessorArrivesInABlock() throws {
        let harness = try MempoolHarness()
        let sender = harness.senders[0]
        let (first, second) = (harness.call(from: sender), harness.call(from: sender))
        #expect(harness.mempool.add(second, origin: .local) == .success(.added))
        // Another primary proposed nonce 0; this node never held it.
        #expect(try harness.commit([first]) == [:])
        #expect(harness.mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max) == [second])
        #expect(harness.mempool.nextNonce(for: sender.address, accountNonce: 1) == 2)
    }

    @Test("nonce 1 checked while the block holding nonce 0 is finalized, before the pool hears of it, is kept")
    func predecessorFinalizedDuringCheck() throws {
        let harness = try MempoolHarness()
        let application = InterleavedLedger(harness.ledger)
        let mempool = Mempool(application: application)
        let sender = harness.senders[0]
        let (first, second) = (harness.call(from: sender), harness.call(from: sender))
        let finalized = Mutex<Block?>(nil)
        application.duringNextCheck {
            let executed = try harness.chain.commit([first], on: harness.ledger)
            finalized.withLock { $0 = executed.block }
        }
        #expect(mempool.add(second, origin: .local) == .success(.added))
        #expect(application.stepFailures.isEmpty)
        let block = try #require(finalized.withLock { $0 })
        // The driver calls removeCommitted after finalize: the waiting nonce 1 becomes ready.
        #expect(try mempool.removeCommitted(block) == [:])
        #expect(mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max) == [second])
    }

    @Test("nonce 1 checked while the block holding nonce 0 is finalized and removed is ready at once")
    func predecessorFinalizedAndRemovedDuringCheck() throws {
        let harness = try MempoolHarness()
        let application = InterleavedLedger(harness.ledger)
        let mempool = Mempool(application: application)
        let sender = harness.senders[0]
        let (first, second) = (harness.call(from: sender), harness.call(from: sender))
        application.duringNextCheck {
            let executed = try harness.chain.commit([first], on: harness.ledger)
            try mempool.removeCommitted(executed.block)
        }
        #expect(mempool.add(second, origin: .local) == .success(.added))
        #expect(application.stepFailures.isEmpty)
        #expect(mempool.readyCount == 1)
        #expect(mempool.batch(transactionsMax: 10, bytesMax: .max, fuelMax: .max) == [second])
    }
}
