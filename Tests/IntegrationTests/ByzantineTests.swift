import ChainTypes
import Foundation
import Testing

extension IntegrationTests {
    /// The seed of the Byzantine validator's mutations; a failure names it, and rerunning with it replays
    /// the same sequence of mutation choices (their timing still depends on the machine).
    static let byzantineSeed: UInt64 = 13

    /// Issue 13, deliver 8: PBFT's promise with a real faulty process. Validator 1 (primary of view 1) runs
    /// `sbp-byzantine`, which mutates its outgoing consensus messages from a seed: extreme integers, other
    /// heights and views, equivocating digests, altered transaction signatures in blocks it proposes and
    /// serves, far-future timestamps, floods and unsolicited replies.
    @Test(
        "a validator mutating its messages cannot stop, split or crash the three honest ones",
        .timeLimit(.minutes(3)))
    func byzantineValidatorCannotStopHonestOnes() async throws {
        try await withNetwork("byzantine") { network in
            let byzantine = 1
            let honest = [0, 2, 3]
            try network.nodes[byzantine].misbehave(with: ["--seed", "\(Self.byzantineSeed)", "--mutate-percent", "50"])
            try network.startAll()
            try await network.waitForHeight(1, on: honest, within: Self.startTimeout)
            // A transaction commits, and blocks keep coming on every honest node.
            let transaction = try network.licences.issue("BYZANTINE-1", by: network.account("td-issuer"))
            try await network.submit(transaction, to: honest)
            let receipt = try await network.receipt(transaction.hash, on: 0, within: Self.progressTimeout)
            #expect(receipt.status == "success")
            let target = try await network.waitForProgress(6, on: honest, within: Self.progressTimeout)
            // Identical hashes (and so state roots) at every height on the honest nodes.
            _ = try await network.waitForAgreement(on: honest, atLeast: max(target, receipt.height), within: Self.progressTimeout)
            for index in honest {
                #expect(network.nodes[index].isRunning, "\(network.nodes[index].name): \(network.nodes[index].exitDescription ?? "")")
                #expect(network.nodes[index].logLines(containing: "node halted").isEmpty, "\(network.nodes[index].name) halted")
            }
            // The faulty validator really did misbehave.
            #expect(!network.nodes[byzantine].logLines(containing: "byzantine mutation").isEmpty)
        }
    }
}
