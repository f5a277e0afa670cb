import ChainTypes
import Foundation
import Synchronization
import Testing

extension IntegrationTests {
    /// The commit gap a rolling upgrade may cause: at most one view change, when the node stopped is the
    /// primary. A backup notices the missing block after two empty-block intervals (PBFT-NOTES rule 13, 2 s),
    /// its view-change timer runs `viewChangeTimeoutTicks × tickMs` (20 × 100 ms), and the new primary's
    /// first block follows the NEW-VIEW; 4 s of slack covers debug builds on a loaded two-core machine.
    static let rollingGapMax: Duration = .seconds(8)

    /// Issue 19, deliver 5: the four validators move from this build to the next one at a time under load
    /// (the next build is `sbp-byzantine --as-next-build`, `BuildCapabilities.nextBuildRehearsal`: one more
    /// chain and peer protocol version), then governance activates chain protocol version 2 at a height.
    ///
    /// Three validators are upgraded before the activation, the primary last, so the view lands on an
    /// upgraded node; the fourth stays on the old build across the activation height and halts there with
    /// the versions named, having written nothing for that block, while the three commit on. Then it is
    /// upgraded too, resumes from its last block and catches up. Old and new builds link at peer protocol
    /// version 2 throughout; no link is refused.
    @Test(
        "rolling upgrade under load, one node at a time, then protocol version 2 by governance: an old build halts there",
        .timeLimit(.minutes(5)))
    func rollingUpgrade() async throws {
        try await withNetwork("upgrade") { network in
            try await Self.start(network)
            for index in Self.all {
                let status = try await Self.versions(network, index)
                #expect(status.chain == 1 && status.executable == 1...1 && status.peer == 0...2, "\(network.nodes[index].name): \(status)")
            }
            let (_, primary) = try await Self.currentPrimary(network)
            // Stopping the primary p moves the view to p + 1: upgrade p last and keep p + 2 old, so the view
            // the activation happens in has an upgraded primary (an old one would not propose the proposal).
            let order = [(primary + 1) % 4, (primary + 3) % 4, primary]
            let keptOld = (primary + 2) % 4
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("dh-issuer")], targets: order, label: "RU")
            defer { load.cancel() }
            load.start()
            try await eventually("the load is flowing", within: Self.progressTimeout) { load.acceptedCount >= 5 }
            let gaps = CommitGapMonitor(network: network)
            defer { gaps.cancel() }
            gaps.start()
            for index in order {
                try await Self.restartAsNextBuild(network, index)
                let status = try await Self.versions(network, index)
                #expect(status.executable == 1...2 && status.peer == 0...3, "\(network.nodes[index].name) after the upgrade: \(status)")
            }
            // Upgraded nodes link with each other at peer protocol 3 and with the old node at 2, on both ends.
            for index in Self.all {
                let expected = Dictionary(
                    uniqueKeysWithValues: Self.all.filter { $0 != index }.map {
                        (network.nodes[$0].name, index == keptOld || $0 == keptOld ? 2 : 3)
                    })
                try await eventually("\(network.nodes[index].name) links at the negotiated versions", within: Self.progressTimeout) {
                    await Self.linkVersions(network, index) == expected
                }
            }

            // Governance raises the chain protocol version, proposed through an upgraded node (the old one
            // refuses to admit it) a few blocks ahead.
            let proposedAt = try #require(await network.highestHeight(order))
            let proposal = try network.account("td-admin").governance(
                .propose(change: .setProtocolVersion(2), activationHeight: proposedAt + 12, description: "rehearsal: protocol 2"))
            try await network.submit(proposal, to: order)
            let id = try await Self.proposalId(network, on: order[0])
            for admin in ["immd-admin", "epd-admin"] {
                try await network.submit(try network.account(admin).governance(.vote(proposal: id, approve: true)), to: order)
            }
            // The first block under version 2: the activation height, or (votes slower than the blocks asked
            // for) the block after the one that passed it (docs/ledger.md §7.4).
            let activation = try await eventually("the proposal passes", within: Self.progressTimeout) { () -> UInt64? in
                guard let record = try? await Self.proposal(network, id, on: order[0]),
                    ["passed", "activated"].contains(record["status"] as? String),
                    let height = (record["activationHeight"] as? NSNumber)?.uint64Value,
                    let passed = (record["votes"] as? [[String: Any]])?.compactMap({ ($0["height"] as? NSNumber)?.uint64Value }).max()
                else { return nil }
                return height > passed ? height : passed + 1
            }
            print("rolling upgrade: protocol version 2 activates at height \(activation) (proposed at \(proposedAt))")

            // The upgraded nodes execute past it under version 2; the old one halts before executing it.
            try await network.waitForHeight(activation + 3, on: order, within: Self.progressTimeout)
            for index in order {
                let status = try await Self.versions(network, index)
                #expect(status.chain == 2, "\(network.nodes[index].name) runs protocol \(status.chain) past height \(activation)")
            }
            let reason = try await eventually("\(network.nodes[keptOld].name) halts", within: Self.progressTimeout) { () -> String? in
                let health = try? await network.nodes[keptOld].rpc.call("node_health", []) as? [String: Any]
                return health?["haltedReason"] as? String
            }
            #expect(
                reason.contains("block \(activation) begins under chain protocol version 2") && reason.contains("executes versions 1…1"),
                "\(reason)")
            let halted = try #require(await network.status(keptOld))
            #expect(halted.latestHeight == activation - 1, "the old build stopped at \(halted.latestHeight), not before \(activation)")
            _ = try await network.agreedChain(upTo: activation - 1, on: Self.all)
            #expect(network.nodes[keptOld].isRunning, "the old build exited instead of halting")

            // Upgraded in turn, it executes the activation block with the others' roots and catches up.
            try await Self.restartAsNextBuild(network, keptOld)
            try await network.waitForProgress(2, on: Self.all, within: Self.progressTimeout)
            let longest = try await gaps.stop()
            print("rolling upgrade: longest commit gap \(longest) (bound \(Self.rollingGapMax))")
            #expect(longest <= Self.rollingGapMax, "a commit gap of \(longest) is longer than one view change")
            let hashes = try await load.stop()
            try await Self.requireCommittedOnce(hashes, network: network, receiptsFrom: order[0])
            for (index, node) in network.nodes.enumerated() {
                #expect(node.logLines(containing: "equivocation").isEmpty, "\(node.name) logged an equivocation")
                #expect(node.logLines(containing: "node halted").isEmpty == (index != keptOld), "\(node.name): halted or not")
                #expect(node.logLines(containing: "another protocol version").isEmpty, "\(node.name) refused a peer's version")
            }
        }
    }

    /// Stops validator `index` (SIGTERM), starts it as the next build, and waits until it is level with the
    /// others, which commit on meanwhile.
    static func restartAsNextBuild(_ network: TestNetwork, _ index: Int) async throws {
        let node = network.nodes[index]
        let others = all.filter { $0 != index }
        try await node.stop()
        try await network.waitForProgress(2, on: others, within: progressTimeout)
        try node.runAsNextBuild()
        try node.start()
        let target = try #require(await network.highestHeight(others))
        try await network.waitForHeight(target, on: [index], within: progressTimeout)
    }

    /// A node's versions as `node_status` reports them: the chain protocol in force, what its build executes
    /// and the peer protocol versions it speaks.
    static func versions(_ network: TestNetwork, _ index: Int) async throws
        -> (chain: UInt32, executable: ClosedRange<UInt32>, peer: ClosedRange<UInt32>)
    {
        let status = try #require(try await network.nodes[index].rpc.call("node_status", []) as? [String: Any])
        func range(_ name: String) throws -> ClosedRange<UInt32> {
            let object = try #require(status[name] as? [String: Any], "\(name) in \(status)")
            let lowest = try #require((object["lowest"] as? NSNumber)?.uint32Value)
            let highest = try #require((object["highest"] as? NSNumber)?.uint32Value)
            return lowest...max(lowest, highest)
        }
        let chain = try #require((status["protocolVersion"] as? NSNumber)?.uint32Value, "protocolVersion in \(status)")
        return (chain, try range("executableProtocolVersions"), try range("peerProtocolVersions"))
    }

    /// The peer protocol version of each of node `index`'s links, by peer name (`node_peers`).
    static func linkVersions(_ network: TestNetwork, _ index: Int) async -> [String: Int] {
        let peers = (try? await network.nodes[index].rpc.call("node_peers", [])) as? [[String: Any]] ?? []
        var versions: [String: Int] = [:]
        for peer in peers {
            if let name = peer["name"] as? String, let version = (peer["protocolVersion"] as? NSNumber)?.intValue {
                versions[name] = version
            }
        }
        return versions
    }

    /// The id of the only proposal on chain, once node `index` has committed it.
    static func proposalId(_ network: TestNetwork, on index: Int) async throws -> UInt64 {
        try await eventually("the proposal is committed", within: progressTimeout) { () -> UInt64? in
            let page = try? await network.nodes[index].rpc.call("governance_getProposals", []) as? [String: Any]
            return ((page?["proposals"] as? [[String: Any]])?.first?["id"] as? NSNumber)?.uint64Value
        }
    }

    /// Proposal `id` as node `index` reports it.
    static func proposal(_ network: TestNetwork, _ id: UInt64, on index: Int) async throws -> [String: Any]? {
        let page = try await network.nodes[index].rpc.call("governance_getProposals", []) as? [String: Any]
        return (page?["proposals"] as? [[String: Any]])?.first { ($0["id"] as? NSNumber)?.uint64Value == id }
    }
}

/// Measures the longest time the network went without a new committed height, by polling every node's
/// height every 100 ms; the polling interval is the measurement's resolution, it synchronizes nothing.
final class CommitGapMonitor: Sendable {
    private let network: TestNetwork
    private let longest = Mutex<Duration>(.zero)
    private let task = Mutex<Task<Void, any Error>?>(nil)
    private let stopping = Mutex(false)
    static let resolution: Duration = .milliseconds(100)

    init(network: TestNetwork) {
        self.network = network
    }

    func start() {
        let task = Task { try await run() }
        self.task.withLock { $0 = task }
    }

    private func run() async throws {
        let clock = ContinuousClock()
        var height = await network.highestHeight(IntegrationTests.all) ?? 0
        var since = clock.now
        while !stopping.withLock({ $0 }) {
            try await Task.sleep(for: Self.resolution)  // the sampling interval of the measurement
            let now = clock.now
            let latest = await network.highestHeight(IntegrationTests.all) ?? height
            let gap = now - since
            longest.withLock { $0 = max($0, gap) }
            if latest > height { (height, since) = (latest, now) }
        }
    }

    /// Stops sampling and returns the longest gap seen.
    func stop() async throws -> Duration {
        stopping.withLock { $0 = true }
        try await task.withLock { $0 }?.value
        return longest.withLock { $0 }
    }

    func cancel() {
        stopping.withLock { $0 = true }
        task.withLock { $0 }?.cancel()
    }
}
