import Foundation
import TestProcesses
import Testing

/// Every documented benchmark command runs in its `--smoke` mode (issue 18, deliver 8): tiny counts, the
/// debug binaries this build made, figures printed and never checked. A change that breaks a benchmark's
/// path (as `bench-rpc` broke when `sbp licence issue` moved its progress lines to standard error) fails
/// here instead of on the next person who measures.
extension IntegrationTests {
    /// The repository root, where the benchmarks find `Genesis/contracts` and `Tools/`.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// A smoke run on a loaded two-core machine: starting four debug nodes dominates.
    static let smokeTimeout: Duration = .seconds(300)

    /// Runs `executable arguments --smoke` from the repository root and requires exit status 0.
    @discardableResult
    static func requireSmokeRun(_ executable: URL, _ arguments: [String]) async throws -> CLIProcess.Result {
        let result = try await CLIProcess.run(
            executable, arguments + ["--smoke"], currentDirectory: repositoryRoot, timeout: smokeTimeout)
        #expect(result.status == 0, "\(result.summary)")
        #expect(!result.standardOutput.isEmpty, "\(result.summary)")
        return result
    }

    @Test(
        "sbp-bench runs each in-process benchmark in smoke mode",
        arguments: ["primitives", "state-tree", "contracts", "ledger", "prune", "vm-compare", "state-sync"])
    func sbpBenchSmoke(_ command: String) async throws {
        try await Self.requireSmokeRun(try HelperExecutable.locate("sbp-bench"), [command])
    }

    @Test("sbp-bench network runs four validators in smoke mode")
    func networkBenchmarkSmoke() async throws {
        let ports = try PortBlock.reserve(width: 4)
        let result = try await Self.requireSmokeRun(
            try HelperExecutable.locate("sbp-bench"),
            ["network", "--validators", "4", "--p2p-base-port", "\(ports.p2pBase)", "--rpc-base-port", "\(ports.rpcBase)"])
        // The open loop's latency by the issuer's node: what the gossip path to the primary costs.
        #expect(result.standardOutput.contains("p50/p99 ms by the issuer's node: td-1 "), "\(result.summary)")
        // Commits are seen through each node's pushed heads, not by polling (the polls cost the nodes' cores).
        #expect(result.standardOutput.contains("commits seen through the newHeads feed of 4 of 4 nodes"), "\(result.summary)")
    }

    /// Issue 18, deliver 3: a store populated once in `--records-dir` is reused by the next run (a hard-linked
    /// copy), and a marker written for something else is refused with what differs.
    @Test("sbp-bench ledger populates --records-dir once, reuses it, and refuses a stale one")
    func ledgerRecordsDirectorySmoke() async throws {
        let recordsDir = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-records-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: recordsDir) }
        let bench = try HelperExecutable.locate("sbp-bench")
        let arguments = ["ledger", "--smoke", "--records-dir", recordsDir.path]
        let first = try await CLIProcess.run(bench, arguments, currentDirectory: Self.repositoryRoot, timeout: Self.smokeTimeout)
        #expect(first.status == 0, "\(first.summary)")
        #expect(first.standardOutput.contains("populating 16 licences"), "\(first.summary)")
        // What an idle chain writes a day, beside the files' growth (which a background flush can swell).
        #expect(first.standardOutput.contains("idle chain, one empty block a second, written per day"), "\(first.summary)")
        let second = try await CLIProcess.run(bench, arguments, currentDirectory: Self.repositoryRoot, timeout: Self.smokeTimeout)
        #expect(second.status == 0, "\(second.summary)")
        #expect(second.standardOutput.contains("reused 16 licences"), "\(second.summary)")
        #expect(!second.standardOutput.contains("populating"), "\(second.summary)")

        let marker = recordsDir.appendingPathComponent("ledger-16/records.json")
        let text = try String(contentsOf: marker, encoding: .utf8)
        try text.replacingOccurrences(of: "\"storageFormat\" : ", with: "\"storageFormat\" : 9").write(
            to: marker, atomically: true, encoding: .utf8)
        let stale = try await CLIProcess.run(bench, arguments, currentDirectory: Self.repositoryRoot, timeout: Self.smokeTimeout)
        #expect(stale.status != 0, "\(stale.summary)")
        #expect(stale.summary.contains("--repopulate"), "\(stale.summary)")
    }

    /// Issue 18, deliver 3: a network populated through its nodes once is copied for the next run, whose
    /// nodes resume the populated chain and commit the measured licences after the populated ones.
    @Test("sbp-bench network populates --records-dir once and the next run resumes it")
    func networkRecordsDirectorySmoke() async throws {
        let recordsDir = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-records-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: recordsDir) }
        let ports = try PortBlock.reserve(width: 1)
        let arguments = [
            "network", "--smoke", "--validators", "1", "--records", "8", "--records-dir", recordsDir.path, "--open-loop-loads", "none",
            "--p2p-base-port", "\(ports.p2pBase)", "--rpc-base-port", "\(ports.rpcBase)",
        ]
        let bench = try HelperExecutable.locate("sbp-bench")
        let first = try await CLIProcess.run(bench, arguments, currentDirectory: Self.repositoryRoot, timeout: Self.smokeTimeout)
        #expect(first.status == 0, "\(first.summary)")
        #expect(first.standardOutput.contains("populated 8 licences"), "\(first.summary)")
        let second = try await CLIProcess.run(bench, arguments, currentDirectory: Self.repositoryRoot, timeout: Self.smokeTimeout)
        #expect(second.status == 0, "\(second.summary)")
        #expect(second.standardOutput.contains("reused 8 licences"), "\(second.summary)")
        #expect(second.standardOutput.contains("licences in state before the measured phases: 8"), "\(second.summary)")
    }

    /// `Tools/bench-anchor`: four etcd members with mutual TLS (etcd and grpcio installed by
    /// `Tools/bootstrap`, or by the tool when missing), then `sbp-bench network`'s closed loop beside it.
    @Test("Tools/bench-anchor runs etcd and sbp-bench network in smoke mode")
    func anchorBenchmarkSmoke() async throws {
        let etcdPorts = try PortBlock.reserve(width: 4)
        let sbpPorts = try PortBlock.reserve(width: 4)
        let result = try await CLIProcess.run(
            Self.repositoryRoot.appendingPathComponent("Tools/bench-anchor"),
            [
                "--smoke", "--client-base-port", "\(etcdPorts.p2pBase)", "--peer-base-port", "\(etcdPorts.rpcBase)", "--sbp-bench",
                try HelperExecutable.locate("sbp-bench").path, "--", "--validators", "4", "--open-loop-loads", "none", "--sbp",
                try HelperExecutable.locate("sbp").path, "--p2p-base-port", "\(sbpPorts.p2pBase)", "--rpc-base-port",
                "\(sbpPorts.rpcBase)",
            ], currentDirectory: Self.repositoryRoot, timeout: Self.smokeTimeout)
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.standardOutput.contains("anchor: SBP"), "\(result.summary)")
    }

    /// `Tools/bench-growth`: one pair of runs, at 0 records and at a few populated ones, and their ratio.
    @Test("Tools/bench-growth runs a pair of sbp-bench network runs, at 0 and populated, in smoke mode")
    func growthBenchmarkSmoke() async throws {
        let ports = try PortBlock.reserve(width: 1)
        // `--smoke` before `--`: what follows goes to sbp-bench, which the tool runs in its smoke mode too.
        let result = try await CLIProcess.run(
            Self.repositoryRoot.appendingPathComponent("Tools/bench-growth"),
            [
                "--smoke", "--sbp-bench", try HelperExecutable.locate("sbp-bench").path, "--records", "8", "--", "--validators", "1",
                "--open-loop-loads", "none", "--sbp", try HelperExecutable.locate("sbp").path, "--p2p-base-port",
                "\(ports.p2pBase)", "--rpc-base-port", "\(ports.rpcBase)",
            ], currentDirectory: Self.repositoryRoot, timeout: Self.smokeTimeout)
        #expect(result.status == 0, "\(result.summary)")
        #expect(result.standardOutput.contains("pair 1: "), "\(result.summary)")
        #expect(!result.standardOutput.contains("pair 2: "), "\(result.summary)")
        #expect(result.standardOutput.contains("median ratio: "), "\(result.summary)")
    }

    /// The Python benchmarks in `Tools/` with the `sbp` of this build; they need `wrk` (installed by
    /// `Tools/bootstrap`), except `bench-idle`.
    @Test(
        "Tools/bench-rpc, bench-rpc-flood and bench-idle run in smoke mode",
        arguments: [("bench-rpc", 1), ("bench-rpc-flood", 4), ("bench-idle", 4)])
    func toolBenchmarkSmoke(_ tool: String, nodes: Int) async throws {
        let ports = try PortBlock.reserve(width: nodes)
        try await Self.requireSmokeRun(
            Self.repositoryRoot.appendingPathComponent("Tools/\(tool)"),
            [
                "--sbp", try HelperExecutable.locate("sbp").path, "--p2p-base-port", "\(ports.p2pBase)", "--rpc-base-port",
                "\(ports.rpcBase)",
            ])
    }
}
