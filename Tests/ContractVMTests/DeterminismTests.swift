import ChainTypes
import ChildProcesses
import ContractReplay
import Foundation
import TestProcesses
import Testing

@testable import ContractVM

/// DESIGN §1.3: the same calls give the same results, fuel, events and writes on every node.
///
/// `TwoProcessDeterminismTests` runs the replay sequence in separate processes; these tests run it here.
@Suite struct DeterminismTests {
    /// The digest of the replay transcript (`sbp-contract-replay`'s last line). Any change to fuel costs, the
    /// contracts, the host API, WasmKit's metering or the replay sequence changes it: update it only on
    /// purpose, in the same commit, and say why in the message.
    static let pinnedTranscriptDigest = "3dd2f73b18c9ba1df05f717654a6a99dd09b743263529812b3efdde56fcf3f9b"

    static let contracts = Registries.root.appendingPathComponent("Genesis/contracts")

    @Test func twoVMsAgreeOnEveryOutcome() throws {
        let replay = try ContractReplay(contractsDirectory: Self.contracts)
        let first = try replay.run()
        let second = try replay.run()
        #expect(first.outcomes == second.outcomes)
        #expect(first.text == second.text)
    }

    @Test func transcriptDigestIsPinned() throws {
        let digest = try ContractReplay(contractsDirectory: Self.contracts).run().digest
        #expect(digest.hex == Self.pinnedTranscriptDigest, "transcript digest \(digest.hex)")
    }

    @Test func builtContractsMatchTheirSources() async throws {
        let script = Registries.root.appendingPathComponent("Tools/build-contracts").path
        guard FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/clang") else { return }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-contracts-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        // Compiling the contracts takes seconds: the wait suspends without holding a thread (`ChildProcess`).
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [output.path]
        process.standardOutput = FileHandle.nullDevice
        let exit = try await ChildProcess(launching: process).exit()
        #expect(exit.succeeded, "Tools/build-contracts \(exit)")
        for name in ["licence_registry", "certificate_registry"] {
            let rebuilt = try Data(contentsOf: output.appendingPathComponent("\(name).wasm"))
            #expect(rebuilt == Data(try Registries.code(name)), "\(name).wasm is stale: run Tools/build-contracts")
        }
    }
}
