import ChainTypes
import Foundation
import Testing

extension IntegrationTests {
    /// Issue 15: a back-office client spreads a burst of one sender's transactions over the nodes and does
    /// not wait for receipts. Each node gets every fourth nonce from the client and the rest by gossip, in
    /// whatever order the links deliver them; nonces that arrive before their predecessors wait in the
    /// future-nonce queue instead of being refused.
    @Test(
        "1,000 transactions of one sender sent round-robin to four nodes without waiting are all committed",
        .timeLimit(.minutes(3)))
    func burstOfOneSenderOverFourNodes() async throws {
        try await withNetwork("burst") { network in
            try await Self.start(network)
            let admin = network.account("td-admin")
            // Votes on a proposal that does not exist: each is committed with a reverted receipt and uses its nonce.
            let transactions = try (0..<Self.burstTransactions).map { _ in
                try admin.governance(.vote(proposal: 1 << 40, approve: true))
            }
            let started = ContinuousClock.now
            for (number, transaction) in transactions.enumerated() {
                let node = network.nodes[number % network.nodes.count]
                do {
                    try await node.rpc.send(transaction)
                } catch {
                    Issue.record("\(node.name) refused nonce \(transaction.body.nonce): \(error)")
                    throw error
                }
            }
            let sent = ContinuousClock.now - started
            // The account's nonce reaches 1,000 only when each of the 1,000 nonces has executed, in order.
            for index in Self.all {
                try await eventually(
                    "\(network.nodes[index].name) committed all \(Self.burstTransactions) transactions", within: Self.burstTimeout
                ) {
                    let account = try await network.nodes[index].rpc.account(admin.address)
                    return account.nonce == UInt64(Self.burstTransactions) && account.pendingNonce == account.nonce
                }
            }
            print("burst: \(Self.burstTransactions) transactions sent in \(sent), all committed after \(ContinuousClock.now - started)")
            let last = try await network.receipt(try #require(transactions.last).hash, on: 0, within: Self.progressTimeout)
            #expect(last.status == "reverted")
        }
    }

    static let burstTransactions = 1_000
    /// Time for four debug nodes on a loaded two-core machine to commit the burst after the last is sent.
    static let burstTimeout: Duration = .seconds(90)
}
