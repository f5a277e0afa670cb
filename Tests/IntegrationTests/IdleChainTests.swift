import ChainTypes
import Foundation
import Testing

extension IntegrationTests {
    /// How long an idle network without empty blocks is watched for a block it must not commit.
    static let idleWindow: Duration = .seconds(4)

    @Test(
        "with empty_block_interval_ms = 0 an idle chain adds no blocks; a transaction is committed, and with the primary stopped a view change still commits the next",
        .timeLimit(.minutes(3)))
    func noEmptyBlocksWhenIdle() async throws {
        try await withNetwork("idle") { network in
            for node in network.nodes { try node.editConfig(["[node]\n": "[node]\nempty_block_interval_ms = 0\n"]) }
            try network.startAll()
            try await eventually("every node is linked to the three others", within: Self.startTimeout) {
                await network.statuses(Self.all)?.allSatisfy { $0.peersConnected >= 3 } == true
            }
            try await Self.requireNoBlocks(network, beyond: 0)

            let first = try network.licences.issue("IDLE-0", by: network.account("td-issuer"))
            try await network.submit(first, to: Self.all)
            try await Self.requireCommittedOnce([first.hash], network: network, receiptsFrom: 0)
            let height = try #require(await network.highestHeight(Self.all))
            try await Self.requireNoBlocks(network, beyond: height)

            // Liveness without empty blocks: the pending transaction is work the primary owes (rule 13).
            let (_, primary) = try await Self.currentPrimary(network)
            let others = Self.all.filter { $0 != primary }
            try await network.nodes[primary].stop()
            let second = try network.licences.issue("IDLE-1", by: network.account("dh-issuer"))
            try await network.submit(second, to: others)
            try await Self.requireCommittedOnce([second.hash], network: network, receiptsFrom: others[0], agreeing: others)
        }
    }

    /// Watches every node for `idleWindow` and requires that none reports a height above `height`. The fixed
    /// window is the assertion itself: with nothing pending and no empty blocks, no block may be committed
    /// however long the nodes run; four seconds is four empty-block intervals of the default cadence.
    static func requireNoBlocks(_ network: TestNetwork, beyond height: UInt64) async throws {
        let seen = try await heightsSeen(network, on: all, during: idleWindow)
        #expect(seen.max() == height, "heights seen on an idle chain: \(seen.sorted()), expected \(height)")
    }

    /// Every height the nodes in `indices` report during `window`: an observation window whose length is
    /// the assertion of its caller (no block may be committed however long it lasts), not a wait.
    static func heightsSeen(_ network: TestNetwork, on indices: [Int], during window: Duration) async throws -> Set<UInt64> {
        let deadline = ContinuousClock.now + window
        var seen: Set<UInt64> = []
        while ContinuousClock.now < deadline {
            for index in indices {
                if let status = await network.status(index) { seen.insert(status.latestHeight) }
            }
            try await Task.sleep(for: pollInterval)  // sampling during the observation window
        }
        return seen
    }
}
