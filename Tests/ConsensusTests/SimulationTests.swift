import ChainTypes
import Consensus
import Foundation
import Simulation
import TestProcesses
import Testing

/// The seeded fault simulation as part of the test suite (DESIGN §8.2): hundreds of seeds with every
/// Byzantine role, and the negative controls that prove the checkers bite.
@Suite("Simulation")
struct SimulationTests {
    /// `SBP_SIMULATION_SEEDS` raises the count for a longer run.
    ///
    /// 200 Byzantine-fuzzing seeds (n = 4) are the issue's number for `make test` (issue 13, deliver 7). The
    /// other runs take fractions of it: the suite costs minutes of CPU on a 2-core machine, and the long
    /// runs (10,000 seeds) stay outside `make test` (docs/consensus.md §11).
    static let seeds = UInt64(ProcessInfo.processInfo.environment["SBP_SIMULATION_SEEDS"].flatMap(Int.init) ?? 200)

    /// Runs the seeds on a thread of their own and awaits the results.
    ///
    /// Minutes of CPU-bound simulation must not occupy Swift's cooperative thread pool (two threads on this
    /// machine): tests that await network IO, such as the TLS tests, would starve until it finished.
    static func run(
        validators: Int, seeds: ClosedRange<UInt64>, faults: ProtocolFaults = [], mode fixed: ByzantineMode? = nil,
        untilViolation: Bool = false
    ) async -> [SeedResult] {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var results: [SeedResult] = []
                for seed in seeds {
                    let mode = fixed ?? ByzantineMode.allCases[Int(seed % UInt64(ByzantineMode.allCases.count))]
                    var cluster = Cluster(
                        seed: seed, options: SimulationOptions(validators: validators, byzantine: mode, faults: faults))
                    results.append(cluster.run())
                    if untilViolation, !(results.last?.violations.isEmpty ?? true) { break }
                }
                continuation.resume(returning: results)
            }
            thread.start()
        }
    }

    @Test("no safety violation and liveness after healing, over every Byzantine role (n validators)", arguments: [4, 7])
    func safeAndLive(validators: Int) async {
        // Every role; n = 7 costs about twice n = 4 per seed.
        let seeds = validators == 4 ? Self.seeds / 2 : Self.seeds / 5
        let results = await Self.run(validators: validators, seeds: 1...seeds)
        for result in results where !result.violations.isEmpty || result.stalled {
            Issue.record(
                "seed \(result.seed): \(result.violations.first ?? "stalled") — replay: sbp-simulator --seeds 1 --first-seed \(result.seed) --validators \(validators) --byzantine \(ByzantineMode.allCases[Int(result.seed % UInt64(ByzantineMode.allCases.count))].rawValue)"
            )
        }
        #expect(results.map(\.blocks).reduce(0, +) > UInt64(results.count) * 20, "the cluster must make progress, not just stay safe")
    }

    @Test("negative control: counting 2f commits as a quorum is caught as a safety violation")
    func unsafeQuorumIsCaught() async {
        // The first violation is the answer; the rest of the 60 seeds would only cost time.
        let results = await Self.run(validators: 4, seeds: 1...60, faults: .unsafeQuorum, untilViolation: true)
        #expect(results.contains { !$0.violations.isEmpty })
    }

    /// Runs `sbp-simulator` with `arguments` on a thread of its own (the child's wait must not hold a
    /// cooperative thread) and returns its last line, the totals.
    static func simulator(_ arguments: [String]) async throws -> (totals: String, output: String) {
        let executable = try HelperExecutable.locate("sbp-simulator")
        let output: String = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try HelperExecutable.run(executable, arguments: arguments) }) }.start()
        }
        return (output.split(separator: "\n").last.map(String.init) ?? "", output)
    }

    @Test("Byzantine fuzzing (deliver 7): no violation, stall or trap, each batch of seeds in a child process", arguments: [4, 7])
    func byzantineFuzzing(validators: Int) async throws {
        // n = 7 costs about twice n = 4 per seed; it runs an eighth of the seeds to keep the suite fast.
        let seeds = validators == 4 ? Self.seeds : Self.seeds / 8
        let (totals, output) = try await Self.simulator([
            "--byzantine", "fuzz", "--seeds", "\(seeds)", "--validators", "\(validators)", "--batch", "\(max(1, seeds / 2))",
        ])
        #expect(totals.hasPrefix("seeds=\(seeds) violations=0 stalled=0 traps=0 "), "\(output)")
        let buffered = totals.split(separator: " ").first { $0.hasPrefix("buffered_bytes_max=") }.flatMap { Int($0.dropFirst(19)) }
        #expect((buffered ?? .max) <= ConsensusLimits.futureBytesMax(validators: validators))
    }

    @Test("negative control: a trap in a simulated replica is caught and reported with its seed")
    func trapsAreCaughtWithTheirSeed() async throws {
        let (totals, output) = try await Self.simulator(["--seeds", "4", "--first-seed", "10", "--batch", "4", "--trap-at-seed", "12"])
        #expect(totals.hasPrefix("seeds=4 violations=0 stalled=0 traps=1 "), "\(output)")
        #expect(output.contains("seed 12 (none): trap"))
    }

    /// Seeds that failed once, kept as named regressions; each line says what it found.
    @Test(
        "regression seeds of the Byzantine fuzzer stay safe and live",
        arguments: [
            // A live parameter change (K 12 → 4, L 26 → 9 after height 23, stable at 12) left the next height
            // above the high watermark and the next checkpoint beyond the window: stalled for good
            // (`windowShrinkBelowCommittedHeightKeepsCommitting` replays the mechanism exactly).
            (1213 as UInt64, 4),
            // One honest replica alone held committed block 33 (the other voter was wiped); NEW-VIEW re-proposed
            // it by digest and nobody sent the body: views climbed for good. A replica that committed an entry of
            // O now relays its body (`adoptReproposal`).
            (2410, 4),
            // Two honest voters of block 43 were wiped beside the fuzzing one, three faulty of four: a second block
            // at 43 was committed. Outside any BFT fault model; the simulator now wipes only within f (`mayWipe`).
            (4486, 4),
            // Three honest replicas wiped; the one that kept blocks 33–38 stalled the rest for 6,000 ticks.
            (3028, 4),
        ])
    func regressionSeeds(seed: UInt64, validators: Int) async {
        let results = await Self.run(validators: validators, seeds: seed...seed, mode: .fuzz)
        #expect(results.allSatisfy { $0.violations.isEmpty && !$0.stalled }, "\(results.map(\.violations))")
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
