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
    static func requireSmokeRun(_ executable: URL, _ arguments: [String]) async throws {
        let result = try await CLIProcess.run(
            executable, arguments + ["--smoke"], currentDirectory: repositoryRoot, timeout: smokeTimeout)
        #expect(result.status == 0, "\(result.summary)")
        #expect(!result.standardOutput.isEmpty, "\(result.summary)")
    }

    @Test(
        "sbp-bench runs each in-process benchmark in smoke mode",
        arguments: ["primitives", "state-tree", "contracts", "ledger", "vm-compare"])
    func sbpBenchSmoke(_ command: String) async throws {
        try await Self.requireSmokeRun(try HelperExecutable.locate("sbp-bench"), [command])
    }

    @Test("sbp-bench network runs four validators in smoke mode")
    func networkBenchmarkSmoke() async throws {
        let ports = try PortBlock.reserve(width: 4)
        try await Self.requireSmokeRun(
            try HelperExecutable.locate("sbp-bench"),
            ["network", "--validators", "4", "--p2p-base-port", "\(ports.p2pBase)", "--rpc-base-port", "\(ports.rpcBase)"])
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
