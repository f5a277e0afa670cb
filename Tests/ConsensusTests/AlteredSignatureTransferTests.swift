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
        harness.isolated = []
        // A Byzantine peer serves block 1 with its real certificate and one transaction signature altered.
        var altered = harness.chains[0][0]
        #expect(!altered.block.transactions.isEmpty)
        altered.block.transactions[0].signature = SimulatedAuthenticator.signature(secret: .zero, digest: Hash.sha256([0xbd]))
        #expect(altered.block.transactions[0].signature != harness.chains[0][0].block.transactions[0].signature)
        harness.step(3, .message(.blocks([altered])))
        #expect(harness.replicas[3].committedHeight == 0)
        #expect(harness.chains[3].isEmpty)
        #expect(
            harness.rejections(of: 3).contains {
                if case .invalidStateTransfer(1, _) = $0 { return true }; return false
            })
        // Honest peers then serve the real blocks: the replica catches up to the same chain and never halts.
        harness.proposeAndDeliver()
        harness.tick(until: { $0.replicas[3].committedHeight >= 6 })
        #expect(harness.replicas[3].committedHeight >= 6)
        #expect(!harness.replicas[3].isHalted)
        #expect(harness.chains[3].map(\.block) == Array(harness.chains[0].prefix(harness.chains[3].count)).map(\.block))
    }
}
