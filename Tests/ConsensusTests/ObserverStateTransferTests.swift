import ChainTypes
import Simulation
import Testing

@testable import Consensus

/// Issue 16, deliver 3: an observer serves state transfer to other nodes. Replicas 0–3 are the validators;
/// replica 4 (key `v4`, outside the set) follows the chain as an observer does. A replica that fell behind
/// while the validators leave its fetches unanswered catches up from the observer it is linked to, and
/// checks the observer's blocks exactly as a validator's.
@Suite("State transfer from observers")
struct ObserverStateTransferTests {
    static let observer = 4
    static let blocks: UInt64 = 6

    /// Replica `lagging` misses `blocks` blocks that the observer follows; then it rejoins, given
    /// `observers` as its linked observers, while every validator but it withholds blocks.
    static func laggingReplica(_ lagging: Int, observers: [String], keys: Int) -> Harness {
        var harness = Harness(validators: 4, keys: keys)
        harness.isolated = [lagging]
        for _ in 0..<blocks { harness.proposeAndDeliver() }
        harness.tick(until: { $0.replicas[observer].committedHeight >= blocks })
        #expect(harness.replicas[observer].committedHeight >= blocks, "the observer follows the validators")
        harness.withholding = Set(0..<4).subtracting([lagging])
        harness.step(lagging, .observers(observers))
        harness.isolated = []
        harness.proposeAndDeliver()
        return harness
    }

    /// 3: a validator that was down; 5: a node outside the set, as a validator voted in is until it activates.
    @Test("a replica the validators leave unanswered catches up from a linked observer", arguments: [(3, 5), (5, 6)])
    func catchesUpFromObserver(lagging: Int, keys: Int) {
        var harness = Self.laggingReplica(lagging, observers: ["v4"], keys: keys)
        harness.tick(until: { $0.replicas[lagging].committedHeight >= Self.blocks })
        #expect(harness.replicas[lagging].committedHeight >= Self.blocks)
        #expect(
            harness.chains[lagging].map(\.block) == Array(harness.chains[0].prefix(harness.chains[lagging].count)).map(\.block),
            "the blocks from the observer are the validators' chain")
        // Every validator was asked first; the blocks came from the observer.
        let sources = harness.events[lagging].compactMap { event -> FetchSource? in
            if case .stateTransferStarted(_, _, let source) = event { return source } else { return nil }
        }
        #expect(sources.contains(.observer("v4")), "\(sources)")
        #expect(sources.first.map { if case .validator = $0 { true } else { false } } == true, "\(sources)")
    }

    /// The negative control: the same run with no observer known stays behind, so the test above bites.
    @Test("without a linked observer, a replica the validators leave unanswered stays behind")
    func staysBehindWithoutObserver() {
        var harness = Self.laggingReplica(3, observers: [], keys: 5)
        harness.tick(60)
        #expect(harness.replicas[3].committedHeight == 0)
        #expect(harness.replicas[3].isSyncing)
    }

    /// A Byzantine observer can only withhold or send what is refused: its altered block is not committed,
    /// is counted as a rejection, and the replica catches up once an honest peer answers.
    @Test("a block from an observer is checked like a validator's: an altered one is refused")
    func alteredBlockFromObserverIsRefused() {
        var harness = Self.laggingReplica(3, observers: ["v4"], keys: 5)
        let forged = SimulatedAuthenticator.signature(secret: .zero, digest: Hash.sha256([0x0b]))
        var served = 0
        harness.servedBlocksByPeer[Self.observer] = { blocks in
            guard var first = blocks.first, first.block.height == 1, !first.block.transactions.isEmpty else { return blocks }
            served += 1
            first.block.transactions[0].signature = forged
            return [first] + blocks.dropFirst()
        }
        let refused: (Harness) -> Bool = { harness in
            harness.rejections(of: 3).contains { if case .invalidStateTransfer(1, _) = $0 { true } else { false } }
        }
        let wasRefused = harness.tick(until: refused)
        #expect(served >= 1)
        #expect(wasRefused)
        #expect(harness.replicas[3].committedHeight == 0 && harness.chains[3].isEmpty)
        // The validators answer again: the replica catches up to the real chain and never halts.
        harness.withholding = []
        harness.tick(until: { $0.replicas[3].committedHeight >= Self.blocks })
        #expect(harness.replicas[3].committedHeight >= Self.blocks)
        #expect(!harness.replicas[3].isHalted)
        #expect(harness.chains[3].map(\.block) == Array(harness.chains[0].prefix(harness.chains[3].count)).map(\.block))
    }
}
