import ChainTypes
import Dispatch
import Ledger
import Node
import Synchronization
import Testing

/// RPC threads, the peer network and the driver share one mempool.
@Suite("Mempool under concurrent use")
struct MempoolConcurrencyTests {
    static let threads = 4
    static let perSender = 15

    @Test("threads racing to add the same senders' transactions leave each sender's nonces whole and the totals exact")
    func concurrentAdds() throws {
        let harness = try MempoolHarness()
        let senders = harness.senders
        let transactions = senders.map { harness.calls(from: $0, count: Self.perSender) }
        let refusals = Mutex<[TransactionRejection]>([])
        let outcomes = Mutex<[Mempool.AddOutcome: Int]>([:])
        let mempool = harness.mempool
        // Every thread offers every transaction, each sender's in nonce order, starting at a different sender.
        DispatchQueue.concurrentPerform(iterations: Self.threads) { thread in
            for round in 0..<Self.perSender {
                for offset in senders.indices {
                    let transaction = transactions[(offset + thread * 3) % senders.count][round]
                    switch mempool.add(transaction, origin: thread == 0 ? .local : .peer) {
                    case .success(let outcome): outcomes.withLock { $0[outcome, default: 0] += 1 }
                    case .failure(let rejection): refusals.withLock { $0.append(rejection) }
                    }
                }
            }
        }
        let total = senders.count * Self.perSender
        #expect(mempool.count == total)
        #expect(mempool.bytes == transactions.joined().map(\.canonicalBytes.count).reduce(0, +))
        for (sender, sent) in zip(senders, transactions) {
            #expect(mempool.transactions(from: sender.address) == sent)
        }
        #expect(outcomes.withLock { $0[.added] } == total)
        // A thread can only race ahead of another's admission of the previous nonce, or repeat one.
        let unexpected = refusals.withLock { $0.filter { !Self.isRaceOutcome($0) } }
        #expect(unexpected.isEmpty)
        let metrics = mempool.metrics
        #expect(metrics.admitted == UInt64(total))
        #expect(metrics.transactions == total)
        let offered = UInt64(Self.threads * total)
        #expect(metrics.admitted + metrics.alreadyKnown + metrics.rejectedTotal == offered)
    }

    @Test("adds racing a finalized block never leave a used nonce or a gap behind")
    func addsRacingCommits() throws {
        let harness = try MempoolHarness()
        let senders = Array(harness.senders.prefix(4))
        let transactions = senders.map { harness.calls(from: $0, count: Self.perSender) }
        let mempool = harness.mempool
        let blocks = 3
        // Blocks take each sender's first nonces while other threads keep offering the rest.
        let committed = transactions.map { Array($0.prefix(blocks)) }
        harness.add(Array(committed.joined()))
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            if thread == 0 {
                for height in 0..<blocks {
                    // The fixture chain and ledger are driven from this thread only.
                    do {
                        try harness.commit(committed.map { $0[height] })
                    } catch {
                        failures.withLock { $0.append("block \(height + 1): \(error)") }
                    }
                }
            } else {
                for round in blocks..<Self.perSender {
                    for sent in transactions { _ = mempool.add(sent[round], origin: .local) }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        // Whatever interleaving happened, each sender's queue starts at its account nonce, without holes;
        // offering the rest again completes it.
        for sent in transactions {
            for transaction in sent.dropFirst(blocks) { _ = mempool.add(transaction, origin: .peer) }
        }
        let view = try harness.ledger.view()
        #expect(view.height == UInt64(blocks))
        for (sender, sent) in zip(senders, transactions) {
            #expect(try view.account(sender.address)?.nonce == UInt64(blocks))
            #expect(mempool.transactions(from: sender.address) == Array(sent.dropFirst(blocks)))
        }
        #expect(mempool.count == senders.count * (Self.perSender - blocks))
    }

    static func isRaceOutcome(_ rejection: TransactionRejection) -> Bool {
        switch rejection {
        case .nonceGap, .duplicate: true
        default: false
        }
    }
}
