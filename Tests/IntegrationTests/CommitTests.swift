import ChainTypes
import Foundation
import Testing

extension IntegrationTests {
    @Test(
        "transactions sent round-robin to all four nodes are each committed exactly once, and the nodes agree on every block",
        .timeLimit(.minutes(3)))
    func transactionsCommitOnceAndNodesAgree() async throws {
        try await withNetwork("commit") { network in
            try await Self.start(network)
            let issuers = [network.account("td-issuer"), network.account("immd-issuer")]
            var hashes: [Hash] = []
            for number in 0..<20 {
                // Each issuer's transactions go to the four nodes in turn, the two issuers to different nodes;
                // a node that has not yet heard of an issuer's previous nonce is asked again (`submit`).
                let target = (number / 2 + number % 2) % 4
                let transaction = try network.licences.issue("LIC-\(number)", by: issuers[number % 2])
                try await network.submit(transaction, to: [target])
                hashes.append(transaction.hash)
            }
            #expect(Set(hashes).count == 20)
            let chain = try await Self.requireCommittedOnce(hashes, network: network, receiptsFrom: 0)
            // Every node reports the same receipt for every transaction.
            for hash in hashes {
                var seen: Set<String> = []
                for index in Self.all {
                    let receipt = try await network.receipt(hash, on: index, within: Self.progressTimeout)
                    seen.insert("\(receipt.status) \(receipt.height) \(receipt.blockHash)")
                }
                #expect(seen.count == 1, "\(hash): receipts differ between nodes: \(seen)")
            }
            // Blocks keep coming after the load, and the nodes still agree on all of them.
            let more = try await network.waitForAgreement(
                on: Self.all, atLeast: UInt64(chain.count) + 2, within: Self.progressTimeout)
            #expect(Array(more.prefix(chain.count)).map(\.hash) == chain.map(\.hash))
        }
    }
}
