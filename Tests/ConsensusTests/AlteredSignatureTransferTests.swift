import ChainTypes
import Simulation
import Testing

@testable import Consensus

/// Issue 13, defect 4, through the replica: state transfer must not execute a certified block whose body
/// differs from what the quorum committed in a transaction signature.
@Suite("State transfer of altered blocks")
struct AlteredSignatureTransferTests {
    @Test("a lagging replica offered a certified block with one signature altered does not commit it and catches up")
    func alteredSignatureIsRefusedAndSyncContinues() {
        var harness = Harness()
        harness.isolated = [3]
        for _ in 0..<6 { harness.proposeAndDeliver() }
        harness.tick(2)
        // A Byzantine peer answers the replica's fetch with block 1 under its real certificate and one
        // transaction signature altered.
        let forged = SimulatedAuthenticator.signature(secret: .zero, digest: Hash.sha256([0xbd]))
        #expect(!harness.chains[0][0].block.transactions.isEmpty)
        #expect(forged != harness.chains[0][0].block.transactions[0].signature)
        var served = 0
        harness.servedBlocks = { blocks in
            guard var first = blocks.first, first.block.height == 1 else { return blocks }
            served += 1
            first.block.transactions[0].signature = forged
            return [first] + blocks.dropFirst()
        }
        harness.isolated = []
        harness.proposeAndDeliver()
        harness.tick(until: {
            $0.rejections(of: 3).contains {
                if case .invalidStateTransfer = $0 { return true }; return false
            }
        })
        #expect(served >= 1)
        #expect(harness.replicas[3].committedHeight == 0)
        #expect(harness.chains[3].isEmpty)
        #expect(
            harness.rejections(of: 3).contains {
                if case .invalidStateTransfer(1, _) = $0 { return true }; return false
            })
        harness.servedBlocks = nil
        // Honest peers then serve the real blocks: the replica catches up to the same chain and never halts.
        harness.tick(until: { $0.replicas[3].committedHeight >= 6 })
        #expect(harness.replicas[3].committedHeight >= 6)
        #expect(!harness.replicas[3].isHalted)
        #expect(harness.chains[3].map(\.block) == Array(harness.chains[0].prefix(harness.chains[3].count)).map(\.block))
    }
}
