import ChainTypes
import Foundation
import Node
import Testing

extension IntegrationTests {
    @Test(
        "rule 13 per transaction: primaries that commit blocks but leave one sender out are replaced, and its transaction commits",
        .timeLimit(.minutes(3)))
    func censoringPrimariesAreReplaced() async throws {
        try await withNetwork("censor") { network in
            let censored = network.account("td-issuer")
            // The primaries of views 0 and 1 leave td-issuer out of every block they propose, empty ones
            // included; blocks keep committing, so only the per-transaction watch can notice.
            for index in [0, 1] {
                try network.nodes[index].misbehave(with: ["--censor-sender", censored.address.description])
            }
            try await Self.start(network)
            let (startView, _) = try await Self.currentPrimary(network)
            try #require(startView < 2, "the network left views 0 and 1 while starting (view \(startView)): nothing to test")
            #expect(!network.nodes[0].logLines(containing: "fault injection").isEmpty)

            let transaction = try network.licences.issue("CENSORED-1", by: censored)
            try await network.submit(transaction, to: [3])
            let receipt = try await network.receipt(transaction.hash, on: 3, within: .seconds(120))
            #expect(receipt.status == "success")
            let block = try #require(try await network.nodes[3].rpc.block(at: receipt.height))
            #expect(block.view >= 2, "committed in view \(block.view), whose primary censors")
            for index in [0, 1] {
                #expect(block.proposer.lowercased() != (try Self.validatorAddress(network, index: index)))
            }
            // The backups left the censoring views for this reason, not because progress stopped.
            for index in [2, 3] {
                #expect(
                    !network.nodes[index].logLines(containing: "view change", "requestOverdue").isEmpty,
                    "\(network.nodes[index].name) logged no view change for an overdue transaction")
            }
            // Blocks keep coming, and all four nodes agree on them.
            _ = try await network.waitForAgreement(on: Self.all, atLeast: receipt.height + 2, within: Self.progressTimeout)
        }
    }
}
