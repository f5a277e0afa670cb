import ChainTypes
import Foundation
import Testing

@testable import ContractVM

/// DESIGN §1.3: the same calls give the same results, fuel, events and writes on every node.
@Suite struct DeterminismTests {
    /// The digest of `transcript()` as another process computed it. Any change to fuel costs, the
    /// contracts, the host API or WasmKit's metering changes it: update it only on purpose, in the same commit.
    static let goldenTranscriptDigest = "f0645a70c909dc5651fdaba92453edd359b48380da3398e62291c25333b1e6f7"

    /// Runs a fixed sequence of registry calls and hashes every outcome.
    static func transcript() throws -> (digest: Hash, outcomes: [ContractOutcome]) {
        let r = try Registries()
        var outcomes: [ContractOutcome] = []
        outcomes.append(try r.certificate("issue", ["C-1", Registries.holder.hex, "medical-fitness", Hash.zero.hex], department: "DH"))
        outcomes.append(
            try r.licence("requireCertificate", ["medical", Registries.certificateAddress.description, "medical-fitness"], roles: [.admin]))
        for index in 0..<30 {
            let type = index % 3 == 0 ? "medical" : "driving"
            outcomes.append(try r.licence("issue", Registries.issueArguments("L-\(index)", type: type, until: 1000 + UInt64(index))))
            outcomes.append(try r.licence("verify", ["L-\(index / 2)", Registries.holder.hex, "\(500 + index * 20)"]))
        }
        outcomes.append(try r.licence("suspend", ["L-3", "audit"]))
        outcomes.append(try r.licence("revoke", ["L-4", "fraud"], department: "IMMD"))
        outcomes.append(try r.licence("history", ["L-3"]))
        var encoder = CanonicalEncoder()
        for outcome in outcomes {
            encoder.write(text: outcome.status.description)
            encoder.write(outcome.fuelUsed)
            encoder.write(bytes: outcome.returnData)
            encoder.write(sequence: outcome.events)
            encoder.write(UInt32(outcome.writes.count))
            for write in outcome.writes {
                encoder.write(write.contract)
                encoder.write(bytes: write.key)
                encoder.write(optional: write.value.map { ByteString(bytes: $0) })
            }
        }
        return (Hash.sha256(encoder.bytes), outcomes)
    }

    @Test func twoVMsAgreeOnEveryOutcome() throws {
        let first = try Self.transcript()
        let second = try Self.transcript()
        #expect(first.outcomes == second.outcomes)
        #expect(first.outcomes.contains { $0.status != .success })
    }

    @Test func transcriptMatchesTheOneAnotherProcessRecorded() throws {
        let digest = try Self.transcript().digest
        #expect(digest.hex == Self.goldenTranscriptDigest, "transcript digest \(digest.hex)")
    }

    @Test func builtContractsMatchTheirSources() throws {
        let script = Registries.root.appendingPathComponent("Tools/build-contracts").path
        guard FileManager.default.isExecutableFile(atPath: "/opt/swift/usr/bin/clang") else { return }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-contracts-\(getpid())")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [output.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        for name in ["licence_registry", "certificate_registry"] {
            let rebuilt = try Data(contentsOf: output.appendingPathComponent("\(name).wasm"))
            #expect(rebuilt == Data(try Registries.code(name)), "\(name).wasm is stale: run Tools/build-contracts")
        }
    }
}

/// Length-prefixed bytes as a canonical value (for optional values in the transcript).
struct ByteString: CanonicalCodable {
    var bytes: [UInt8]
    func encode(to encoder: inout CanonicalEncoder) { encoder.write(bytes: bytes) }
    init(bytes: [UInt8]) { self.bytes = bytes }
    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        bytes = try decoder.readBytes(field: "bytes", limit: .max)
    }
}
