import ChainTypes
import Ledger
import Node
import Testing

/// Which admitted transactions are gossiped, and how they are packed into messages.
@Suite("Mempool gossip")
struct MempoolGossipTests {
    @Test("clients' new transactions, future nonces too, are gossiped once; peers' and refused ones are not")
    func whatIsGossiped() throws {
        let harness = try MempoolHarness()
        let (a, b) = (harness.senders[0], harness.senders[1])
        let local = harness.calls(from: a, count: 2)
        let fromPeer = harness.call(from: b)
        harness.add([local[0]])
        harness.add([fromPeer], origin: .peer)
        harness.add([local[1]])
        harness.add([local[0]])  // a duplicate
        let future = harness.call(from: a, nonce: 5)
        harness.add([future])  // a future nonce: peers may hold the gap, so it is gossiped too
        harness.add([harness.call(from: a, nonce: 100)])  // beyond the future-nonce window: refused
        #expect(harness.mempool.takeGossip() == local + [future])
        #expect(harness.mempool.takeGossip().isEmpty)
    }

    @Test("a transaction that left the pool before the node gossiped it is not gossiped")
    func leftBeforeGossip() throws {
        let harness = try MempoolHarness()
        let (a, b) = (harness.senders[0], harness.senders[1])
        let included = harness.call(from: a)
        let pending = harness.call(from: b)
        harness.add([included, pending])
        try harness.commit([included])
        #expect(harness.mempool.takeGossip() == [pending])
    }

    @Test("clients' transactions still pending a round later are gossiped again, oldest first; peers' only once stale")
    func regossip() throws {
        let harness = try MempoolHarness()
        let (a, b) = (harness.senders[0], harness.senders[1])
        // Nothing here is stale: an hour of grace, however slowly the test runs.
        let fresh = Duration.seconds(3600)
        let early = harness.calls(from: a, count: 2)
        harness.add(early)
        let fromPeer = harness.call(from: b)
        harness.add([fromPeer], origin: .peer)
        // The first round only notes what is pending: a transaction is due after it waited one interval.
        #expect(harness.mempool.takeRegossip(stale: fresh).isEmpty)
        let late = harness.call(from: b)
        harness.add([late])
        #expect(harness.mempool.takeRegossip(stale: fresh) == early)
        try harness.commit([early[0]])
        #expect(harness.mempool.takeRegossip(stale: fresh) == [early[1], late])
        #expect(harness.mempool.takeRegossip(transactionsMax: 1, stale: fresh) == [early[1]])
        // Past the grace every pending transaction goes out again, the peer's too, in admission order.
        #expect(harness.mempool.takeRegossip(stale: .zero) == [early[1], fromPeer, late])
        try harness.commit([early[1]])
        #expect(harness.mempool.takeRegossip(stale: fresh) == [late])
    }

    @Test("the oldest pending transaction is the first admitted still waiting, and always its sender's next")
    func oldestPending() throws {
        let harness = try MempoolHarness()
        let (a, b) = (harness.senders[0], harness.senders[1])
        #expect(harness.mempool.oldestPending() == nil)
        let first = harness.calls(from: a, count: 2)
        let second = harness.call(from: b)
        harness.add([first[0], second, first[1]])
        #expect(harness.mempool.oldestPending()?.hash == first[0].hash)
        #expect(harness.mempool.oldestPending()?.bytes == first[0].canonicalBytes.count)
        try harness.commit([first[0]])
        #expect(harness.mempool.oldestPending()?.hash == second.hash)
        try harness.commit([second])
        #expect(harness.mempool.oldestPending()?.hash == first[1].hash)
    }

    @Test("messages stay within their bound, keep order, and decode to the same transactions")
    func packing() throws {
        let harness = try MempoolHarness()
        let gossip = MempoolGossip(messageBytesMax: MempoolGossip.messageBytesMin)
        // Each transaction is a little over 100 KiB, so two fit in a smallest message and three do not.
        let transactions = (0..<5).map { harness.call(from: harness.senders[$0], inputBytes: 100 * 1024) }
        let messages = gossip.messages(for: transactions)
        #expect(messages.count == 3)
        #expect(messages.allSatisfy { $0.count <= gossip.messageBytesMax })
        let decoded = try messages.flatMap { try gossip.transactions(in: $0) }
        #expect(decoded == transactions)
        #expect(gossip.messages(for: []).isEmpty)
    }

    @Test("small transactions share one message, encoded as a canonical transaction sequence")
    func oneMessage() throws {
        let harness = try MempoolHarness()
        let transactions = harness.calls(from: harness.senders[0], count: 10)
        let messages = MempoolGossip().messages(for: transactions)
        var encoder = CanonicalEncoder()
        encoder.write(sequence: transactions)
        #expect(messages == [encoder.bytes])
    }

    @Test("a peer's message over the bound or with trailing bytes is refused whole")
    func malformedMessages() throws {
        let harness = try MempoolHarness()
        let gossip = MempoolGossip(messageBytesMax: MempoolGossip.messageBytesMin)
        let message = gossip.messages(for: [harness.call(from: harness.senders[0])])[0]
        #expect(throws: CanonicalDecodingError.trailingBytes(count: 1)) { try gossip.transactions(in: message + [0]) }
        let oversize = [UInt8](repeating: 0, count: gossip.messageBytesMax + 1)
        #expect(
            throws: CanonicalDecodingError.lengthExceedsLimit(
                field: "gossip message", length: oversize.count, limit: gossip.messageBytesMax)
        ) {
            try gossip.transactions(in: oversize)
        }
        #expect(throws: CanonicalDecodingError.self) { try gossip.transactions(in: Array(message.dropLast())) }
    }
}
