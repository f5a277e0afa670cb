import ArgumentParser
import Consensus
import Simulation

/// Runs many seeds of the PBFT cluster simulation and reports safety violations and stalls.
@main
struct SimulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbp-simulator",
        abstract: "Seeded PBFT fault simulation: safety and liveness checkers over many seeds.",
        discussion: "The last line is: seeds=N violations=V stalled=S blocks=B view_changes=C")

    @Option(help: "How many seeds to run.") var seeds: Int = 100
    @Option(help: "The first seed; seeds run consecutively from it.") var firstSeed: UInt64 = 1
    @Option(help: "Validators in the cluster (n = 3f+1 or any n ≥ 1).") var validators: Int = 4
    @Option(help: "Faulty validator behaviour: \(ByzantineMode.allCases.map(\.rawValue).joined(separator: "|"))|mixed.")
    var byzantine: String = "none"
    @Flag(help: "Negative control: count 2f commits as a quorum (must produce violations).") var unsafeQuorum = false
    @Flag(help: "Negative control: accept any NEW-VIEW without recomputing O.") var acceptAnyNewView = false
    @Flag(help: "Negative control: drivers never persist the journal.") var forgetJournal = false
    @Option(help: "Ticks of faults before healing.") var faultTicks: UInt64 = 1500
    @Option(help: "Ticks after healing within which every honest replica must commit new blocks (default 32 × the capped timeout).")
    var healTicks: UInt64?
    @Flag(help: "Print every node's final state for failing seeds.") var verbose = false

    mutating func validate() throws {
        guard seeds >= 1, (1...64).contains(validators) else { throw ValidationError("need seeds ≥ 1 and 1 ≤ validators ≤ 64") }
        guard byzantine == "mixed" || ByzantineMode(rawValue: byzantine) != nil else {
            throw ValidationError("unknown --byzantine \(byzantine)")
        }
    }

    func run() throws {
        var faults: ProtocolFaults = []
        if unsafeQuorum { faults.insert(.unsafeQuorum) }
        if acceptAnyNewView { faults.insert(.acceptAnyNewView) }
        var totals = (violations: 0, stalled: 0, blocks: UInt64(0), viewChanges: 0)
        for seed in firstSeed..<(firstSeed + UInt64(seeds)) {
            let mode =
                byzantine == "mixed"
                ? ByzantineMode.allCases[Int(seed % UInt64(ByzantineMode.allCases.count))] : ByzantineMode(rawValue: byzantine)!
            let options = SimulationOptions(
                validators: validators, byzantine: mode, faults: faults, forgetJournal: forgetJournal, faultTicks: faultTicks,
                healTicksMax: healTicks)
            var cluster = Cluster(seed: seed, options: options)
            let result = cluster.run()
            totals.blocks += result.blocks
            totals.viewChanges += result.viewChanges
            if !result.violations.isEmpty || result.stalled {
                totals.violations += result.violations.isEmpty ? 0 : 1
                totals.stalled += result.stalled ? 1 : 0
                let what = result.violations.first ?? "stalled after healing"
                print("seed \(seed) (\(mode.rawValue)): \(what)")
                if verbose {
                    for line in cluster.nodeSummaries { print("  " + line) }
                    for (reason, count) in result.rejections.sorted(by: { $0.key < $1.key }) { print("  rejected \(reason): \(count)") }
                }
                print(
                    "  replay: sbp-simulator --seeds 1 --first-seed \(seed) --validators \(validators) --byzantine \(mode.rawValue)\(flags)"
                )
            }
        }
        print(
            "seeds=\(seeds) violations=\(totals.violations) stalled=\(totals.stalled) blocks=\(totals.blocks) view_changes=\(totals.viewChanges)"
        )
    }

    var flags: String {
        (unsafeQuorum ? " --unsafe-quorum" : "") + (acceptAnyNewView ? " --accept-any-new-view" : "")
            + (forgetJournal ? " --forget-journal" : "")
            + (faultTicks != 1500 ? " --fault-ticks \(faultTicks)" : "") + (healTicks.map { " --heal-ticks \($0)" } ?? "")
    }
}
