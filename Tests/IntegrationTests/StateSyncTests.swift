import Foundation
import Testing

/// Issue 19, deliver 1: a validator whose data directory is empty joins from a verified state snapshot the
/// others made (`storage.snapshot_interval`), never fetching a block below the snapshot's height, then
/// votes and proposes: with another validator dead, every block needs its commit.
extension IntegrationTests {
    /// Blocks between the snapshots the nodes make in this test.
    static let snapshotInterval = 4

    @Test(
        "a validator with an empty data directory joins by state sync, never fetches blocks below the snapshot, then votes and proposes; sbp snapshot export and import carry the same snapshot",
        .timeLimit(.minutes(4)))
    func stateSyncedValidatorVotesAndProposes() async throws {
        try await withNetwork("statesync") { network in
            for node in network.nodes {
                try node.editConfig(["[storage]\n": "[storage]\nsnapshot_interval = \(Self.snapshotInterval)\nsnapshots_kept = 50\n"])
            }
            try await Self.start(network)
            // The victim follows the current primary, so that stopping that primary later hands it the next view.
            let (_, primary) = try await Self.currentPrimary(network)
            let victim = (primary + 1) % Self.all.count
            let node = network.nodes[victim]
            let others = Self.all.filter { $0 != victim }
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("epd-issuer")], targets: others, label: "SS")
            defer { load.cancel() }
            load.start()
            try await eventually("the others made a state snapshot", within: Self.progressTimeout) {
                others.allSatisfy { !network.nodes[$0].logLines(containing: "state snapshot made").isEmpty }
            }
            // Air-gapped transfer of the same snapshots: export from a running node, import into a fresh directory.
            let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[others[0]].rpc.url.absoluteString)
            let file = network.directory + "/statesync.snapshot"
            let exported = try await cli.run(["snapshot", "export", "--data", network.nodes[others[0]].dataDirectory, "--out", file])
            try #require(exported.status == 0, "\(exported.summary)")
            let imported = try await cli.run([
                "snapshot", "import", "--file", file, "--data", network.directory + "/imported/data", "--genesis",
                network.directory + "/" + network.manifest.genesisFile,
            ])
            try #require(imported.status == 0, "\(imported.summary)")
            #expect(imported.standardOutput.contains("restored into"), "\(imported.summary)")
            #expect(FileManager.default.fileExists(atPath: network.directory + "/imported/data/db/CURRENT"))

            try await node.stop()
            try node.wipeData()
            try node.editConfig(["[node]\n": "[node]\nsync = \"snapshot\"\n"])
            try node.start()

            let restored = try await eventually("\(node.name) restores a snapshot", within: Self.progressTimeout) { () -> UInt64? in
                node.logLines(containing: "restored the state after height").first.flatMap {
                    Self.number(after: "restored the state after height ", in: $0)
                }
            }
            try await eventually("\(node.name) recovers and votes again", within: Self.progressTimeout) {
                !node.logLines(containing: "recovered: voting again").isEmpty
            }
            // Every state-transfer request the node made (`fetching committed blocks`, with the first height asked).
            let transfers = node.logLines(containing: "fetching committed blocks").compactMap { Self.field("from", in: $0) }
            #expect(!transfers.isEmpty, "\(node.name) logged no state transfer after the snapshot")
            #expect(
                transfers.allSatisfy { $0 > restored }, "\(node.name) fetched blocks from \(transfers), below its snapshot at \(restored)")
            // History below the snapshot is not there, and RPC says so with the documented error.
            do {
                _ = try await node.rpc.call("chain_getBlockByHeight", [1, "hashes"])
                Issue.record("block 1 served by a node restored at \(restored)")
            } catch let failure as RPCFailure {
                #expect(failure.code == -32003, "\(failure)")
            }

            // Stop the primary: the three left need the synced node's commit for every block, and the next view is its.
            // (Should the views have moved on to the synced node's own, stop the one after it instead.)
            let (view, primaryNow) = try await Self.currentPrimary(network)
            let current = primaryNow == victim ? (victim + 1) % Self.all.count : primaryNow
            try await network.nodes[current].stop()
            let survivors = Self.all.filter { $0 != current }
            let stoppedAt = try #require(await network.highestHeight(survivors))
            let reached = try await network.waitForProgress(3, on: survivors, within: Self.progressTimeout)
            for height in (stoppedAt + 2)...reached {
                let signers = try await Self.commitSigners(of: height, on: network.nodes[survivors[0]])
                #expect(signers.contains(victim), "block \(height) is certified by \(signers.sorted()), without \(node.name)")
            }
            if (current + 1) % Self.all.count == victim {
                let chain = try await network.agreedChain(from: stoppedAt, upTo: reached, on: survivors)
                #expect(
                    chain.contains { $0.height > stoppedAt && $0.view > view && Int($0.view % UInt64(Self.all.count)) == victim },
                    "no block after view \(view) was proposed by \(node.name)")
            }
            let hashes = try await load.stop()
            // The transactions are committed once on the nodes that hold the whole chain; the synced node agrees
            // with them on every block it holds.
            let whole = survivors.filter { $0 != victim }
            let chain = try await Self.requireCommittedOnce(hashes, network: network, receiptsFrom: whole[0], agreeing: whole)
            let top = try #require(chain.last?.height)
            _ = try await network.agreedChain(from: restored, upTo: top, on: survivors)
            for other in network.nodes {
                #expect(other.logLines(containing: "equivocation").isEmpty, "\(other.name) logged an equivocation")
                #expect(other.logLines(containing: "node halted").isEmpty, "\(other.name) halted")
            }
        }
    }

    /// The decimal number right after `prefix` in `line`.
    static func number(after prefix: String, in line: Substring) -> UInt64? {
        guard let range = line.range(of: prefix) else { return nil }
        return UInt64(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// The value of metadata `key` in a text (`key=value`) or JSON (`"key":"value"`) log line.
    static func field(_ key: String, in line: Substring) -> UInt64? {
        for prefix in ["\(key)=", "\"\(key)\":\"", "\"\(key)\":"] {
            if let value = number(after: prefix, in: line) { return value }
        }
        return nil
    }
}
