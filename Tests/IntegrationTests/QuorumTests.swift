import ChainTypes
import Foundation
import Testing

extension IntegrationTests {
    /// How long two nodes of four are watched for a block they must not commit.
    static let noQuorumWindow: Duration = .seconds(6)

    @Test(
        "with two of four nodes stopped nothing is committed; restarted, progress resumes and all four agree",
        .timeLimit(.minutes(3)))
    func noProgressWithoutQuorum() async throws {
        try await withNetwork("no-quorum") { network in
            try await Self.start(network)
            try await network.waitForHeight(2, on: Self.all, within: Self.progressTimeout)
            let stopped = [2, 3]
            let remaining = [0, 1]
            for index in stopped { try await network.nodes[index].stop() }
            let frozen = try #require(await network.highestHeight(remaining))
            // Work is pending, so a primary with a quorum would commit it within a second or two.
            let transaction = try network.licences.issue("NQ-0", by: network.account("td-issuer"))
            try await network.submit(transaction, to: remaining)

            // Here the fixed window is the assertion itself, not a wait for something to happen: two validators
            // of four are below the quorum of three, so no block may be committed however long they run. Six
            // seconds is three view-change timeouts (20 ticks of 100 ms) and six empty-block intervals; every
            // height either node reports during the window is recorded.
            let seen = try await Self.heightsSeen(network, on: remaining, during: Self.noQuorumWindow)
            #expect(seen.max() == frozen, "heights seen without a quorum: \(seen.sorted()), frozen at \(frozen)")
            for index in remaining {
                #expect(try await network.nodes[index].rpc.receipt(transaction.hash) == nil, "committed without a quorum")
            }
            let common = try #require(await network.statuses(remaining)).map(\.latestHeight).min() ?? 0
            _ = try await network.agreedChain(upTo: common, on: remaining)

            for index in stopped { try network.nodes[index].start() }
            try await network.waitForHeight(frozen + 2, on: Self.all, within: .seconds(120))
            try await Self.requireCommittedOnce([transaction.hash], network: network, receiptsFrom: 0)
        }
    }
}
