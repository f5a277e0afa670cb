import Foundation
import Synchronization
import Testing

extension IntegrationTests {
    /// The commit gap a rolling restart may cause: at most one view change, when the node stopped is the
    /// primary. A backup notices the missing block after two empty-block intervals (PBFT-NOTES rule 13, 2 s),
    /// its view-change timer runs `viewChangeTimeoutTicks × tickMs` (20 × 100 ms), and the new primary's
    /// first block follows the NEW-VIEW; 4 s of slack covers debug builds on a loaded two-core machine.
    static let rollingGapMax: Duration = .seconds(8)

    @Test(
        "rolling restart: the four nodes are stopped and started one at a time under load; commits continue with no gap longer than one view change",
        .timeLimit(.minutes(5)))
    func rollingRestart() async throws {
        try await withNetwork("rolling") { network in
            try await Self.start(network)
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("dh-issuer")], targets: Self.all, label: "RR")
            defer { load.cancel() }
            load.start()
            try await eventually("the load is flowing", within: Self.progressTimeout) { load.acceptedCount >= 5 }
            let gaps = CommitGapMonitor(network: network)
            defer { gaps.cancel() }
            gaps.start()
            for index in Self.all {
                let node = network.nodes[index]
                let others = Self.all.filter { $0 != index }
                try await node.stop()
                // The network goes on without it (a view change if it was the primary).
                try await network.waitForProgress(2, on: others, within: Self.progressTimeout)
                try node.start()
                let target = try #require(await network.highestHeight(others))
                try await network.waitForHeight(target, on: [index], within: Self.progressTimeout)
            }
            try await network.waitForProgress(2, on: Self.all, within: Self.progressTimeout)
            let longest = try await gaps.stop()
            print("rolling restart: longest commit gap \(longest) (bound \(Self.rollingGapMax))")
            #expect(longest <= Self.rollingGapMax, "a commit gap of \(longest) is longer than one view change")
            let hashes = try await load.stop()
            try await Self.requireCommittedOnce(hashes, network: network, receiptsFrom: 0)
            for node in network.nodes {
                #expect(node.logLines(containing: "equivocation").isEmpty, "\(node.name) logged an equivocation")
                #expect(node.logLines(containing: "node halted").isEmpty, "\(node.name) halted")
                #expect(node.logLines(containing: "another protocol version").isEmpty, "\(node.name) refused a peer's version")
            }
        }
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
