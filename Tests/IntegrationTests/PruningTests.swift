import ChainTypes
import Foundation
import TestProcesses
import Testing

/// Issue 19, deliver 3: tree-history pruning (`storage.history = "recent N"`) end to end, with real processes.
///
/// One validator keeps the latest 16 versions; the other three are archive nodes. Under client load it
/// commits and agrees with them; state at heights beyond its window answers −32003 `Pruned` (the archive
/// nodes answer), while an evidence bundle it exports at a kept height verifies offline against the genesis.
/// It runs first as `sbp-byzantine` with a slow pruner (a few nodes per step, a pause after each), so it is
/// killed with SIGKILL in the middle of a pruning round; restarted as `sbp`, it finishes the round (the
/// backlog it left), catches up and agrees, and its kept heights still prove.
extension IntegrationTests {
    /// Tree versions the pruning node keeps.
    static let prunedHistory: UInt64 = 16

    @Test(
        "a validator keeping 16 tree versions commits under load and agrees with archive nodes; older state answers -32003 while kept heights prove; killed in the middle of pruning, it finishes the round, catches up and agrees",
        .timeLimit(.minutes(3)))
    func prunedValidatorUnderLoad() async throws {
        try await withNetwork("prune") { network in
            let pruned = 3
            let node = network.nodes[pruned]
            try node.editConfig(["history = \"archive\"": "history = \"recent \(Self.prunedHistory)\""])
            // A slow pruner: it falls behind the blocks, so a round is always in progress when it is killed.
            try node.misbehave(with: ["--prune-step-nodes", "1", "--prune-step-pause-ms", "150"])
            try await Self.start(network)
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("dh-issuer")], targets: Self.all, label: "PR")
            defer { load.cancel() }
            load.start()
            try await eventually("the load is flowing", within: Self.progressTimeout) { load.acceptedCount >= 5 }
            let reached = try await network.waitForProgress(Self.prunedHistory + 4, on: [pruned], within: Self.progressTimeout)
            try await Self.requirePrunedAnswers(network, pruned: pruned, archive: 0, latest: reached, label: "before the kill")

            // Killed while a round is in progress: its latest step left nodes to delete.
            try await eventually("\(node.name) is in the middle of a pruning round", within: Self.progressTimeout) {
                let steps = node.logLines(containing: "fault injection: pruning step")
                return steps.count >= 3 && steps.last?.contains("round in progress") == true
            }
            try await node.kill()
            let lastStep = try #require(node.logLines(containing: "fault injection: pruning step").last)
            #expect(lastStep.contains("round in progress"), "the last pruning step before the kill ended its round: \(lastStep)")
            let survivors = Self.all.filter { $0 != pruned }
            let killedAt = try #require(await network.highestHeight(survivors))
            try await network.waitForProgress(2, on: survivors, within: Self.progressTimeout)

            // Restarted as the production build: the first round deletes the backlog the kill left.
            node.behave()
            let earlier = node.logLines(containing: "state tree pruning caught up").count
            try node.start()
            let caughtUp = try await eventually("\(node.name) finishes the pruning round it was killed in", within: Self.progressTimeout) {
                node.logLines(containing: "state tree pruning caught up").dropFirst(earlier).first.flatMap { Self.field("nodes", in: $0) }
            }
            #expect(caughtUp > 0, "the first round after the restart deleted nothing: the kill left no backlog")
            let target = try #require(await network.highestHeight(survivors))
            try await network.waitForHeight(max(target, killedAt + 3), on: [pruned], within: Self.progressTimeout)
            let latest = try await network.waitForProgress(2, on: Self.all, within: Self.progressTimeout)
            try await Self.requirePrunedAnswers(network, pruned: pruned, archive: 1, latest: latest, label: "after the restart")

            let hashes = try await load.stop()
            try await Self.requireCommittedOnce(hashes, network: network, receiptsFrom: survivors[0])
            let oldest = try #require(try await node.rpc.metric("sbp_state_oldest_height"))
            #expect(oldest > 1, "sbp_state_oldest_height is \(oldest)")
            for other in network.nodes {
                #expect(other.logLines(containing: "cannot prune").isEmpty, "\(other.name) failed to prune")
                #expect(other.logLines(containing: "node halted").isEmpty, "\(other.name) halted")
            }
        }
    }

    /// At `latest` (reached by `pruned`): a state proof at a height older than the pruning node's window is
    /// −32003 `Pruned` there with `lowestRetainedHeight`, and answered by the archive node; the proof at the
    /// oldest height it keeps and at the latest certified one are the archive node's, byte for byte, and an
    /// evidence bundle it exports at the latter verifies offline against the genesis.
    static func requirePrunedAnswers(_ network: TestNetwork, pruned: Int, archive: Int, latest: UInt64, label: String) async throws {
        let registry = network.licences.address.description
        let key = "0x" + Hex.encode(Array("LPR-0".utf8))
        let old: UInt64 = 1
        /// The oldest height the pruning node keeps, from its −32003 answer for `old`.
        func lowestRetained() async throws -> UInt64 {
            do {
                _ = try await network.nodes[pruned].rpc.call("state_getProof", [registry, key, old])
                Issue.record("\(label): state at \(old) proven by a node keeping \(prunedHistory) versions at \(latest)")
            } catch let failure as RPCFailure {
                try #require(failure.code == -32003, "\(label): \(failure)")
                let lowest = try #require(number(after: "lowestRetainedHeight\": ", in: Substring(failure.detail)), "\(label): \(failure)")
                // It keeps at least the latest N (more while the background pruning is behind the blocks).
                let height = try #require(await network.status(pruned)).latestHeight
                #expect(lowest > old && lowest + prunedHistory <= height + 1, "\(label): keeps from \(lowest) at \(height)")
                return lowest
            }
            return old
        }
        _ = try await network.nodes[archive].rpc.call("state_getProof", [registry, key, old])
        // The floor of the window moves with every block: asked again when it has moved past the height asked.
        var floorChecked = false
        for _ in 0..<10 where !floorChecked {
            let floor = try await lowestRetained()
            let fromPruned: Any
            do {
                fromPruned = try await network.nodes[pruned].rpc.call("state_getProof", [registry, key, floor])
            } catch let failure as RPCFailure where failure.code == -32003 {
                continue
            }
            let fromArchive = try await network.nodes[archive].rpc.call("state_getProof", [registry, key, floor])
            #expect(
                try canonicalJSON(withoutVotes(fromPruned)) == canonicalJSON(withoutVotes(fromArchive)),
                "\(label): the proofs at the oldest kept height \(floor) differ")
            floorChecked = true
        }
        #expect(floorChecked, "\(label): the oldest kept height moved on at every try")
        // The latest certified state: it stays in the window while the chain moves on by fewer than N - 2 blocks.
        let kept = try #require(await network.status(pruned)).latestHeight - 1
        let fromPruned = try await network.nodes[pruned].rpc.call("state_getProof", [registry, key, kept])
        let fromArchive = try await network.nodes[archive].rpc.call("state_getProof", [registry, key, kept])
        // Each node certifies with the votes it collected; the rest of the proof is the same bytes.
        #expect(
            try canonicalJSON(withoutVotes(fromPruned)) == canonicalJSON(withoutVotes(fromArchive)),
            "\(label): the proofs at \(kept) differ")
        let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[pruned].rpc.url.absoluteString)
        let file = network.root + "/pruned-\(kept).evidence"
        let exported = try await cli.json(["evidence", "export", "--licence", "PR-0", "--height", "\(kept)", "--out", file])
        #expect(exported["file"] as? String == file, "\(label): \(exported)")
        let verified = try await cli.run([
            "verify", file, "--genesis", network.directory + "/" + network.manifest.genesisFile, "--output", "json",
        ])
        try #require(verified.status == 0, "\(label): \(verified.summary)")
        let proof = try JSONSerialization.jsonObject(with: Data(verified.standardOutput.utf8)) as? [String: Any]
        #expect(proof?["verified"] as? Bool == true && proof?["height"] as? Int == Int(kept), "\(label): \(verified.summary)")
    }
}
