import ChainTypes
import Consensus
import Foundation
import Simulation
import Testing

/// The seeded fault simulation as part of the test suite (DESIGN §8.2): hundreds of seeds with every
/// Byzantine role, and the negative controls that prove the checkers bite.
@Suite("Simulation")
struct SimulationTests {
    /// `SBP_SIMULATION_SEEDS` raises the count for a longer run.
    static let seeds = UInt64(ProcessInfo.processInfo.environment["SBP_SIMULATION_SEEDS"].flatMap(Int.init) ?? 200)

    /// Runs the seeds on a thread of their own and awaits the results.
    ///
    /// Minutes of CPU-bound simulation must not occupy Swift's cooperative thread pool (two threads on this
    /// machine): tests that await network IO, such as the TLS tests, would starve until it finished.
    static func run(validators: Int, seeds: ClosedRange<UInt64>, faults: ProtocolFaults = []) async -> [SeedResult] {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                let results = seeds.map { seed in
                    let mode = ByzantineMode.allCases[Int(seed % UInt64(ByzantineMode.allCases.count))]
                    var cluster = Cluster(
                        seed: seed, options: SimulationOptions(validators: validators, byzantine: mode, faults: faults))
                    return cluster.run()
                }
                continuation.resume(returning: results)
            }
            thread.start()
        }
    }

    @Test("no safety violation and liveness after healing, over every Byzantine role (n validators)", arguments: [4, 7])
    func safeAndLive(validators: Int) async {
        let seeds = Self.seeds
        let results = await Self.run(validators: validators, seeds: 1...seeds)
        for result in results where !result.violations.isEmpty || result.stalled {
            Issue.record(
                "seed \(result.seed): \(result.violations.first ?? "stalled") — replay: sbp-simulator --seeds 1 --first-seed \(result.seed) --validators \(validators) --byzantine \(ByzantineMode.allCases[Int(result.seed % UInt64(ByzantineMode.allCases.count))].rawValue)"
            )
        }
        #expect(results.map(\.blocks).reduce(0, +) > seeds * 20, "the cluster must make progress, not just stay safe")
    }

    @Test("negative control: counting 2f commits as a quorum is caught as a safety violation")
    func unsafeQuorumIsCaught() async {
        let results = await Self.run(validators: 4, seeds: 1...60, faults: .unsafeQuorum)
        #expect(results.contains { !$0.violations.isEmpty })
    }

    @Test("a seed replays exactly")
    func seedsReplay() {
        var first = Cluster(seed: 42, options: SimulationOptions(byzantine: .twins))
        var second = Cluster(seed: 42, options: SimulationOptions(byzantine: .twins))
        let a = first.run()
        let b = second.run()
        #expect(a.blocks == b.blocks && a.viewChanges == b.viewChanges)
        #expect(first.nodeSummaries == second.nodeSummaries)
    }
}
