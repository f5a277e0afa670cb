import ChainTypes
import Foundation
import Keys
import Testing

extension IntegrationTests {
    @Test(
        "a backup killed with SIGKILL under load: the other three keep committing; restarted, it catches up and agrees",
        .timeLimit(.minutes(3)))
    func killedBackupCatchesUp() async throws {
        try await withNetwork("kill-backup") { network in
            try await Self.start(network)
            let (_, primary) = try await Self.currentPrimary(network)
            let victim = (primary + 2) % 4
            try await Self.killUnderLoadAndRestart(victim, network: network, label: "KB")
        }
    }

    @Test(
        "the primary killed with SIGKILL under load: a view change follows and commits continue; restarted, it catches up and agrees",
        .timeLimit(.minutes(3)))
    func killedPrimaryIsReplaced() async throws {
        try await withNetwork("kill-primary") { network in
            // The primary of view v is validator v mod n in genesis order, and the manifest lists the nodes in
            // that order: check it rather than assume it.
            let genesisPath = network.directory + "/" + network.manifest.genesisFile
            let genesis = try Genesis.load(json: Array(try Data(contentsOf: URL(fileURLWithPath: genesisPath))))
            try #require(genesis.validators.map(\.name) == network.manifest.nodes.map(\.name))
            try await Self.start(network)
            let (view, primary) = try await Self.currentPrimary(network)
            let height = try #require(await network.highestHeight([0]))
            let latest = try #require(try await network.nodes[0].rpc.block(at: height))
            if latest.view == view {
                #expect(latest.proposer.lowercased() == (try Self.validatorAddress(network, index: primary)), "view \(view)")
            }
            try await Self.killUnderLoadAndRestart(primary, network: network, label: "KP") { survivors, killedAt in
                // The survivors leave the dead primary's view, and blocks proposed in a later view are committed.
                try await eventually("\(network.names(survivors)) move past view \(view)", within: Self.progressTimeout) {
                    await network.statuses(survivors)?.allSatisfy { $0.view > view } == true
                }
                let height = try await network.waitForProgress(2, on: survivors, within: Self.progressTimeout)
                var laterViews = 0
                for blockHeight in (killedAt + 1)...height {
                    let block = try #require(try await network.nodes[survivors[0]].rpc.block(at: blockHeight))
                    let expected = try Self.validatorAddress(network, index: Int(block.view % 4))
                    #expect(block.proposer.lowercased() == expected, "block \(blockHeight) of view \(block.view) has another proposer")
                    if block.view > view { laterViews += 1 }
                }
                #expect(laterViews > 0, "no block committed after the kill was proposed in a view above \(view)")
            }
        }
    }

    @Test(
        "a wiped primary restarts in recovery: it catches up by state transfer, agrees, and no node sees an equivocation",
        .timeLimit(.minutes(3)))
    func wipedNodeRecovers() async throws {
        try await withNetwork("wipe") { network in
            try await Self.start(network)
            // The primary is the node whose forgotten votes could do most harm: before the wipe it proposed in
            // its view, and after it, without rule 19, it would propose again at the same view and height.
            let (_, victim) = try await Self.currentPrimary(network)
            let survivors = Self.all.filter { $0 != victim }
            let node = network.nodes[victim]
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("dh-issuer")], targets: survivors, label: "WP")
            defer { load.cancel() }
            load.start()
            try await eventually("the load is flowing", within: Self.progressTimeout) { load.acceptedCount >= 5 }
            let before = try #require(await network.highestHeight(Self.all))
            try await node.stop()
            try node.wipeData()
            try #require(!FileManager.default.fileExists(atPath: node.dataDirectory))
            try #require(FileManager.default.fileExists(atPath: node.home + "/.sbp-node-started"))
            try node.start()
            try await eventually("\(node.name) notices the wipe", within: Self.progressTimeout) {
                !node.logLines(containing: "data directory was wiped").isEmpty
            }
            let target = try #require(await network.highestHeight(survivors))
            try await network.waitForHeight(max(target, before + 2), on: [victim], within: Self.progressTimeout)
            // It rejoins: the chain keeps growing with all four, and they agree on every block.
            try await network.waitForProgress(3, on: Self.all, within: Self.progressTimeout)
            let hashes = try await load.stop()
            try await Self.requireCommittedOnce(hashes, network: network, receiptsFrom: survivors[0])
            for other in network.nodes {
                #expect(other.logLines(containing: "equivocation").isEmpty, "\(other.name) logged an equivocation")
                #expect(other.logLines(containing: "node halted").isEmpty, "\(other.name) halted")
            }
        }
    }

    // MARK: Helpers

    /// Kills validator `victim` with SIGKILL while a load runs on the other three, checks they keep committing
    /// (`whileDown` adds checks, given the survivors and the height at the kill), restarts it, waits until
    /// it has caught up, and checks every accepted transaction was committed exactly once and all four
    /// agree; finally sends a transaction through the restarted node.
    static func killUnderLoadAndRestart(
        _ victim: Int, network: TestNetwork, label: String,
        whileDown: ([Int], UInt64) async throws -> Void = { _, _ in }
    ) async throws {
        let survivors = all.filter { $0 != victim }
        let load = LoadGenerator(
            network: network, issuers: [network.account("td-issuer"), network.account("epd-issuer")], targets: survivors, label: label)
        defer { load.cancel() }
        load.start()
        try await eventually("the load is flowing", within: progressTimeout) { load.acceptedCount >= 5 }
        try await network.nodes[victim].kill()
        let killedAt = try #require(await network.highestHeight(survivors))
        let acceptedAtKill = load.acceptedCount
        try await network.waitForProgress(3, on: survivors, within: progressTimeout)
        try await whileDown(survivors, killedAt)
        try await eventually("the load is accepted after the kill", within: progressTimeout) { load.acceptedCount >= acceptedAtKill + 5 }
        try network.nodes[victim].start()
        let target = try #require(await network.highestHeight(survivors))
        try await network.waitForHeight(target, on: [victim], within: progressTimeout)
        let hashes = try await load.stop()
        try await requireCommittedOnce(hashes, network: network, receiptsFrom: survivors[0])
        // The restarted node serves clients again: a transaction sent through it is committed.
        let late = try network.licences.issue("\(label)-late", by: network.account("dh-issuer"))
        try await network.submit(late, to: [victim])
        try await requireCommittedOnce([late.hash], network: network, receiptsFrom: victim)
    }

    /// The address of validator `index`'s consensus key, as block headers show proposers.
    static func validatorAddress(_ network: TestNetwork, index: Int) throws -> String {
        let bytes = try #require(Hex.decode(network.manifest.nodes[index].consensusPublicKey))
        return "0x" + Hex.encode(try PublicKey(bytes: bytes).address.bytes)
    }
}
