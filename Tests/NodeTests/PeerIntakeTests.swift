import ChainTypes
import Consensus
import Keys
import Logging
import NIOCore
import PeerNetwork
import Synchronization
import Testing

@testable import Node

/// Issue 13, defect 9, through the real `PeerIntake` with a fixture ledger and mempool: state transfer is
/// answered on the link that asked (never by the driver, never to the unauthenticated `requester`), and
/// a peer gossiping a badly signed transaction is disconnected and counted.
@Suite("Peer intake")
struct PeerIntakeTests {
    /// A link that records what is sent on it and why it was closed.
    final class RecordingLink: IntakeLink {
        let identity: PeerIdentity
        let sent = Mutex<[ByteBuffer]>([])
        let closedReason = Mutex<PeerLinkCloseReason?>(nil)

        init(_ name: String) { identity = PeerIdentity(department: "TD", nodeName: name) }

        func send(_ frame: ByteBuffer, onFailure: @escaping @Sendable (any Error) -> Void) { sent.withLock { $0.append(frame) } }
        func close(reason: PeerLinkCloseReason) { closedReason.withLock { $0 = reason } }

        var replies: [PeerMessage] {
            sent.withLock { $0 }.compactMap { try? PeerMessage(canonicalBytes: Array($0.readableBytesView)) }
        }
    }

    /// The driver's side: records what the intake posts.
    final class RecordingSink: IntakeSink {
        let chainId: String
        let posted = Mutex<[(ReplicaDriver.Event, String?)]>([])

        init(chainId: String) { self.chainId = chainId }

        func post(_ event: ReplicaDriver.Event, from peer: String?, bytes: Int) -> Bool {
            posted.withLock { $0.append((event, peer)) }
            return true
        }
    }

    static func intake(_ harness: MempoolHarness, sink: RecordingSink) throws -> PeerIntake {
        let validators = try #require(try harness.ledger.view().epochs().validators(at: 1))
        return PeerIntake(
            driver: sink, mempool: harness.mempool, ledger: harness.ledger, signer: ConsensusSigner(key: PrivateKey()),
            activity: PeerActivity(), validators: { validators }, logger: Logger(label: "test"))
    }

    static func frame(_ message: PeerMessage) -> ByteBuffer { LinkTransport.frame(message) }

    @Test("fetchBlocks is answered on the link it came in on, off the driver, whatever requester it names")
    func fetchBlocksAnsweredOnTheAskingLink() async throws {
        let harness = try MempoolHarness()
        for _ in 0..<3 { try harness.commit([]) }
        let sink = RecordingSink(chainId: harness.chain.chainId)
        let intake = try Self.intake(harness, sink: sink)
        let asking = RecordingLink("epd-1")
        let other = RecordingLink("dh-1")
        // `requester: 0` names another validator; the reply must still go to the link that asked.
        intake.enqueue(Self.frame(.consensus(.fetchBlocks(fromHeight: 2, requester: 0))), from: asking)
        await intake.drained("epd-1")
        guard case .consensus(.blocks(let blocks)) = try #require(asking.replies.first) else {
            Issue.record("no blocks reply: \(asking.replies.map(\.kind))")
            return
        }
        #expect(blocks.map(\.block.height) == [2, 3])
        #expect(other.sent.withLock { $0.isEmpty })
        #expect(sink.posted.withLock { $0.isEmpty }, "the driver thread never sees a state-transfer request")
    }

    @Test("fetchBlocks beyond the per-peer rate or while one is being served are refused and counted")
    func fetchBlocksRateLimited() async throws {
        let harness = try MempoolHarness()
        try harness.commit([])
        let sink = RecordingSink(chainId: harness.chain.chainId)
        let intake = try Self.intake(harness, sink: sink)
        let link = RecordingLink("epd-1")
        let requests = 4 * NodeLimits.fetchBlocksBurstMax
        for _ in 0..<requests { intake.enqueue(Self.frame(.consensus(.fetchBlocks(fromHeight: 1, requester: 0))), from: link) }
        await intake.drained("epd-1")
        let answered = link.sent.withLock { $0.count }
        let refused = intake.counters.fetchRequestsRefused.load(ordering: .relaxed)
        #expect(answered >= 1)
        #expect(answered + refused == requests)
        #expect(answered <= NodeLimits.fetchBlocksBurstMax + NodeLimits.fetchBlocksPerPeerPerSecond * 60, "bounded by the rate")
    }

    @Test("a peer gossiping a transaction with a bad signature is disconnected and counted; honest gossip is admitted")
    func badSignatureGossipDisconnects() async throws {
        let harness = try MempoolHarness()
        let sink = RecordingSink(chainId: harness.chain.chainId)
        let intake = try Self.intake(harness, sink: sink)
        let good = harness.call(from: harness.senders[0])
        var bad = harness.call(from: harness.senders[1])
        bad.signature = harness.senders[2].sign(bad.hash)  // well formed, but another key's
        let honest = RecordingLink("immd-1")
        let byzantine = RecordingLink("epd-1")
        for message in MempoolGossip().messages(for: [good]) { intake.enqueue(Self.frame(.gossip(message)), from: honest) }
        for message in MempoolGossip().messages(for: [bad]) { intake.enqueue(Self.frame(.gossip(message)), from: byzantine) }
        await intake.drained("immd-1")
        await intake.drained("epd-1")
        #expect(honest.closedReason.withLock { $0 } == nil)
        #expect(harness.mempool.count == 1)
        guard case .protocolViolation(let reason) = byzantine.closedReason.withLock({ $0 }) else {
            Issue.record("the link was not closed for a protocol violation")
            return
        }
        #expect(reason.contains("bad signature"))
        #expect(intake.counters.badSignatureDisconnects.load(ordering: .relaxed) == 1)
        #expect(sink.posted.withLock { $0.contains { if case .transactionsArrived = $0.0 { true } else { false } } })
    }

    @Test("a validator ignores and counts every consensus message from an observer; the same from a validator reaches the replica")
    func observerConsensusMessagesNeverCount() async throws {
        let harness = try MempoolHarness()
        let sink = RecordingSink(chainId: harness.chain.chainId)
        let validators = try #require(try harness.ledger.view().epochs().validators(at: 1))
        let intake = PeerIntake(
            driver: sink, mempool: harness.mempool, ledger: harness.ledger, signer: ConsensusSigner(key: PrivateKey()),
            activity: PeerActivity(), validators: { validators }, observers: { ["td-observer"] }, logger: Logger(label: "test"))
        let observerKey = PrivateKey()
        func signed<Payload: SignablePayload>(_ payload: Payload) -> Signed<Payload> {
            // Signed by the observer's own key and claiming validator 0's index: a vote it must never get counted.
            Signed(payload: payload, signer: 0, signature: observerKey.sign(payload.signingDigest(chainId: harness.chain.chainId)))
        }
        let messages: [Message] = [
            .prepare(signed(Prepare(view: 0, height: 1, digest: .zero))),
            .commit(signed(Commit(view: 0, height: 1, digest: .zero))),
            .checkpoint(signed(Checkpoint(height: 1, blockHash: .zero, stateRoot: .zero))),
        ]
        let observer = RecordingLink("td-observer")
        let validator = RecordingLink("epd-1")
        for message in messages {
            intake.enqueue(Self.frame(.consensus(message)), from: observer)
            intake.enqueue(Self.frame(.consensus(message)), from: validator)
        }
        await intake.drained("td-observer")
        await intake.drained("epd-1")
        let posted = sink.posted.withLock { $0 }
        #expect(!posted.contains { $0.1 == "td-observer" }, "nothing of the observer's reaches the replica")
        #expect(posted.filter { $0.1 == "epd-1" }.count == messages.count, "a validator's messages do (the check bites)")
        #expect(intake.counters.observerConsensusDropped.load(ordering: .relaxed) == messages.count)
        #expect(observer.closedReason.withLock { $0 } == nil, "an observer is not cut off: it still receives blocks")
        // An observer may still ask for blocks.
        intake.enqueue(Self.frame(.consensus(.fetchBlocks(fromHeight: 1, requester: 0xFFFF))), from: observer)
        await intake.drained("td-observer")
        #expect(intake.counters.observerConsensusDropped.load(ordering: .relaxed) == messages.count)
    }
}
