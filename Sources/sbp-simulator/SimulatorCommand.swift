import ArgumentParser
import ChildProcesses
import Consensus
import Foundation
import Simulation

/// Runs many seeds of the PBFT cluster simulation and reports safety violations, stalls and traps.
@main
struct SimulatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbp-simulator",
        abstract: "Seeded PBFT fault simulation: safety and liveness checkers over many seeds.",
        discussion: "The last line is: seeds=N violations=V stalled=S traps=T blocks=B view_changes=C buffered_bytes_max=M")

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
    @Option(
        help: """
            Run seeds in child processes of this many seeds each, so that a trap (a crash of an honest replica) \
            is caught and reported with its seed instead of ending the run; 0 runs in this process.
            """)
    var batch: Int = 0
    @Flag(help: "Print every node's final state for failing seeds.") var verbose = false
    @Option(help: .hidden) var trapAtSeed: UInt64?

    mutating func validate() throws {
        guard seeds >= 1, (1...64).contains(validators), batch >= 0 else {
            throw ValidationError("need seeds ≥ 1, 1 ≤ validators ≤ 64 and batch ≥ 0")
        }
        guard byzantine == "mixed" || ByzantineMode(rawValue: byzantine) != nil else {
            throw ValidationError("unknown --byzantine \(byzantine)")
        }
    }

    func run() throws {
        let totals = batch > 0 ? try runIsolated() : runHere(firstSeed..<(firstSeed + UInt64(seeds)))
        print(totals.line)
    }

    func mode(of seed: UInt64) -> ByzantineMode {
        byzantine == "mixed"
            ? ByzantineMode.allCases[Int(seed % UInt64(ByzantineMode.allCases.count))] : ByzantineMode(rawValue: byzantine)!
    }

    /// Runs `range` in this process, printing each failing seed with its replay command.
    func runHere(_ range: Range<UInt64>) -> Totals {
        var faults: ProtocolFaults = []
        if unsafeQuorum { faults.insert(.unsafeQuorum) }
        if acceptAnyNewView { faults.insert(.acceptAnyNewView) }
        var totals = Totals(seeds: range.count)
        for seed in range {
            // The negative control of trap detection: crash as a trapping replica would.
            if seed == trapAtSeed { fatalError("deliberate trap at seed \(seed)") }
            let options = SimulationOptions(
                validators: validators, byzantine: mode(of: seed), faults: faults, forgetJournal: forgetJournal, faultTicks: faultTicks,
                healTicksMax: healTicks)
            var cluster = Cluster(seed: seed, options: options)
            let result = cluster.run()
            totals.blocks += result.blocks
            totals.viewChanges += result.viewChanges
            totals.bufferedBytesMax = max(totals.bufferedBytesMax, result.bufferedBytesMax)
            guard !result.violations.isEmpty || result.stalled else { continue }
            totals.violations += result.violations.isEmpty ? 0 : 1
            totals.stalled += result.stalled ? 1 : 0
            print("seed \(seed) (\(mode(of: seed).rawValue)): \(result.violations.first ?? "stalled after healing")")
            if verbose {
                for line in cluster.nodeSummaries { print("  " + line) }
                for (reason, count) in result.rejections.sorted(by: { $0.key < $1.key }) { print("  rejected \(reason): \(count)") }
            }
            print("  replay: \(replay(seed))")
        }
        return totals
    }

    func replay(_ seed: UInt64) -> String {
        "sbp-simulator --seeds 1 --first-seed \(seed) --validators \(validators) --byzantine \(mode(of: seed).rawValue)\(flags)"
    }

    /// Runs batches of seeds in child processes; a batch whose child dies is re-run seed by seed to name
    /// the seeds that trap.
    func runIsolated() throws -> Totals {
        var totals = Totals(seeds: 0)
        var start = firstSeed
        let end = firstSeed + UInt64(seeds)
        while start < end {
            let count = min(UInt64(batch), end - start)
            if let child = try runChild(first: start, count: count) {
                totals.add(child)
            } else {
                for seed in start..<(start + count) {
                    if let child = try runChild(first: seed, count: 1) {
                        totals.add(child)
                    } else {
                        totals.seeds += 1
                        totals.traps += 1
                        print("seed \(seed) (\(mode(of: seed).rawValue)): trap (the simulation process crashed)")
                        print("  replay: \(replay(seed))")
                    }
                }
            }
            start += count
        }
        return totals
    }

    /// Runs `count` seeds from `first` in a child process; nil when the child crashed.
    func runChild(first: UInt64, count: UInt64) throws -> Totals? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments =
            ["--seeds", "\(count)", "--first-seed", "\(first)", "--validators", "\(validators)", "--byzantine", byzantine]
            + flagArguments + (verbose ? ["--verbose"] : [])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let child = try ChildProcess(launching: process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        guard child.waitForExit().succeeded, let last = lines.last, let totals = Totals(line: last)
        else { return nil }
        for line in lines.dropLast() { print(line) }
        return totals
    }

    var flagArguments: [String] {
        (unsafeQuorum ? ["--unsafe-quorum"] : []) + (acceptAnyNewView ? ["--accept-any-new-view"] : [])
            + (forgetJournal ? ["--forget-journal"] : []) + ["--fault-ticks", "\(faultTicks)"]
            + (healTicks.map { ["--heal-ticks", "\($0)"] } ?? []) + (trapAtSeed.map { ["--trap-at-seed", "\($0)"] } ?? [])
    }

    var flags: String {
        (unsafeQuorum ? " --unsafe-quorum" : "") + (acceptAnyNewView ? " --accept-any-new-view" : "")
            + (forgetJournal ? " --forget-journal" : "")
            + (faultTicks != 1500 ? " --fault-ticks \(faultTicks)" : "") + (healTicks.map { " --heal-ticks \($0)" } ?? "")
    }
}

/// The summary line of a run, printed last and parsed back from child processes.
struct Totals {
    var seeds: Int
    var violations = 0
    var stalled = 0
    var traps = 0
    var blocks: UInt64 = 0
    var viewChanges = 0
    var bufferedBytesMax = 0

    init(seeds: Int) { self.seeds = seeds }

    var line: String {
        "seeds=\(seeds) violations=\(violations) stalled=\(stalled) traps=\(traps) blocks=\(blocks) view_changes=\(viewChanges)"
            + " buffered_bytes_max=\(bufferedBytesMax)"
    }

    init?(line: String) {
        var fields: [String: UInt64] = [:]
        for pair in line.split(separator: " ") {
            let parts = pair.split(separator: "=")
            guard parts.count == 2, let value = UInt64(parts[1]) else { return nil }
            fields[String(parts[0])] = value
        }
        guard let seeds = fields["seeds"], let violations = fields["violations"], let stalled = fields["stalled"],
            let traps = fields["traps"], let blocks = fields["blocks"], let viewChanges = fields["view_changes"],
            let buffered = fields["buffered_bytes_max"]
        else { return nil }
        self.seeds = Int(seeds)
        self.violations = Int(violations)
        self.stalled = Int(stalled)
        self.traps = Int(traps)
        self.blocks = blocks
        self.viewChanges = Int(viewChanges)
        self.bufferedBytesMax = Int(buffered)
    }

    mutating func add(_ other: Totals) {
        seeds += other.seeds
        violations += other.violations
        stalled += other.stalled
        traps += other.traps
        blocks += other.blocks
        viewChanges += other.viewChanges
        bufferedBytesMax = max(bufferedBytesMax, other.bufferedBytesMax)
    }
}
