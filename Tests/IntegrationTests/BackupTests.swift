import Foundation
import TestProcesses
import Testing

extension IntegrationTests {
    @Test(
        "a backup taken under load with sbp node backup, restored into a fresh data directory, recovers before voting, rejoins and agrees",
        .timeLimit(.minutes(3)))
    func restoredBackupRejoins() async throws {
        try await withNetwork("backup") { network in
            try await Self.start(network)
            // The primary's forgotten votes could do most harm (see `wipedNodeRecovers`).
            let (_, victim) = try await Self.currentPrimary(network)
            let survivors = Self.all.filter { $0 != victim }
            let node = network.nodes[victim]
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("epd-issuer")], targets: survivors, label: "BR")
            defer { load.cancel() }
            load.start()
            try await eventually("the load is flowing", within: Self.progressTimeout) { load.acceptedCount >= 5 }

            let backup = network.directory + "/backup-\(node.name)"
            let cli = CLIProcess(executable: network.sbp, rpcURL: node.rpc.url.absoluteString)
            let made = try await cli.run(["node", "backup", "--rpc", node.rpc.url.absoluteString, "--out", backup])
            try #require(made.status == 0, "\(made.summary)")
            #expect(made.standardOutput.contains("backup written to \(backup)"), "\(made.summary)")
            try #require(FileManager.default.fileExists(atPath: backup + "/db/CURRENT"))
            try #require(FileManager.default.fileExists(atPath: backup + "/.sbp-recovering"))
            let backedUpAt = try #require(await network.status(victim)).latestHeight

            // The node keeps voting after the backup, so the copy's journal is stale when it is restored.
            try await network.waitForProgress(3, on: Self.all, within: Self.progressTimeout)
            try await node.stop()
            let stoppedAt = try #require(await network.highestHeight(survivors))
            // A fresh machine: no data directory and no start marker; only the backup says "recover".
            try await withBlockingWork {
                try FileManager.default.removeItem(atPath: node.dataDirectory)
                try FileManager.default.removeItem(atPath: node.home + "/.sbp-node-started")
                try FileManager.default.copyItem(atPath: backup, toPath: node.dataDirectory)
            }
            try node.start()
            try await eventually("\(node.name) starts in recovery from the backup's marker", within: Self.progressTimeout) {
                !node.logLines(containing: "data directory holds a recovery marker").isEmpty
            }
            #expect(node.logLines(containing: "data directory was wiped").isEmpty)
            try await eventually("\(node.name) finishes recovering", within: Self.progressTimeout) {
                !node.logLines(containing: "recovered: voting again").isEmpty
            }
            #expect(!FileManager.default.fileExists(atPath: node.dataDirectory + "/.sbp-recovering"), "the marker outlived recovery")
            try await network.waitForHeight(max(stoppedAt, backedUpAt) + 1, on: [victim], within: Self.progressTimeout)
            // It rejoins: the chain keeps growing with all four, and they agree on every block and state root.
            try await network.waitForProgress(3, on: Self.all, within: Self.progressTimeout)
            let hashes = try await load.stop()
            try await Self.requireCommittedOnce(hashes, network: network, receiptsFrom: survivors[0])
            for other in network.nodes {
                #expect(other.logLines(containing: "equivocation").isEmpty, "\(other.name) logged an equivocation")
                #expect(other.logLines(containing: "node halted").isEmpty, "\(other.name) halted")
            }
        }
    }
}
