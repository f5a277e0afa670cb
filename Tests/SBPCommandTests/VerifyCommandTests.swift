import ChainTypes
import Foundation
import LedgerFixtures
import TestProcesses
import Testing

/// `sbp verify` on the worked example of docs/evidence.md (issue 17): the hex form, what and when a bundle
/// proves, and the offline holder check.
@Suite("sbp verify")
struct VerifyCommandTests {
    static let example = FixtureChain.repositoryRoot.appendingPathComponent("docs/evidence-example")
    static let bundle = example.appendingPathComponent("bundle.hex").path
    static let genesis = example.appendingPathComponent("genesis.json").path

    static func verify(_ file: String, _ extra: [String] = []) async throws -> SBPProcess.Result {
        try await withBlockingWork { try SBPProcess.run(["verify", file, "--genesis", genesis] + extra) }
    }

    @Test func theHexThatStateGetEvidenceReturnsVerifies() async throws {
        let result = try await Self.verify(Self.bundle)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("VERIFIED against genesis of chain sbp-example"))
        // The raw form still verifies too.
        try await withTemporaryDirectoryAsync { directory in
            let text = try String(contentsOfFile: Self.bundle, encoding: .utf8)
            let raw = try #require(Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            let rawPath = directory + "/bundle.bin"
            try Data(raw).write(to: URL(fileURLWithPath: rawPath))
            #expect(try await Self.verify(rawPath).status == 0)
            let responsePath = directory + "/response.json"
            let response = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\(text.trimmingCharacters(in: .whitespacesAndNewlines))\"}"
            try Data(response.utf8).write(to: URL(fileURLWithPath: responsePath))
            #expect(try await Self.verify(responsePath).status == 0)
        }
    }

    @Test func itSaysWhichBlockCertifiesTheRecordAndWhen() async throws {
        let result = try await Self.verify(Self.bundle)
        #expect(result.standardOutput.contains("as of     block 5, 2026-11-30T00:00:05.000Z (1795996805000 ms)"))
        #expect(result.standardOutput.contains("This proves the record as it stood then, not now"))
        #expect(result.standardOutput.contains("holderDigest = 0x"))  // the licence decoded by its documented layout
        let json = try await Self.verify(Self.bundle, ["--output", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        #expect(object?["certifyingHeight"] as? Int == 5 && object?["certifyingTimeMs"] as? Int == 1_795_996_805_000)
        #expect(object?["certifyingTime"] as? String == "2026-11-30T00:00:05.000Z")
    }

    @Test func theHolderIsCheckedOfflineAgainstTheSaltedDigest() async throws {
        let match = try await Self.verify(Self.bundle, ["--holder", "Alice Chan", "--salt", "my-salt", "--at", "1800000000"])
        #expect(match.status == 0, "\(match.standardError)")
        #expect(match.standardOutput.contains("holder    MATCHES the record's salted holder digest"))
        #expect(match.standardOutput.contains("verify    at 1800000000: valid"))
        let expired = try await Self.verify(Self.bundle, ["--holder", "Alice Chan", "--salt", "my-salt", "--at", "1893456000"])
        #expect(expired.standardOutput.contains("verify    at 1893456000: expired"))
        for (holder, salt) in [("Alice Chan", "other-salt"), ("Bob Lee", "my-salt")] {
            let mismatch = try await Self.verify(Self.bundle, ["--holder", holder, "--salt", salt, "--output", "json"])
            #expect(mismatch.status == 1)
            let object = try JSONSerialization.jsonObject(with: Data(mismatch.standardOutput.utf8)) as? [String: Any]
            #expect(object?["verified"] as? Bool == true && object?["holderMatches"] as? Bool == false)
        }
        let withoutSalt = try await Self.verify(Self.bundle, ["--holder", "Alice Chan"])
        #expect(withoutSalt.status != 0 && withoutSalt.standardError.contains("need --salt"))
        let wrongRegistry = try await Self.verify(Self.bundle, ["--document-file", Self.genesis, "--salt", "s"])
        #expect(wrongRegistry.status != 0 && wrongRegistry.standardError.contains("needs a certificate registry record"))
    }

    @Test func aChangedHexDigitFails() async throws {
        try await withTemporaryDirectoryAsync { directory in
            var text = Array(try String(contentsOfFile: Self.bundle, encoding: .utf8).utf8)
            text[200] = text[200] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            let path = directory + "/tampered.hex"
            try Data(text).write(to: URL(fileURLWithPath: path))
            let result = try await Self.verify(path)
            #expect(result.status != 0 && result.standardError.contains("evidence does NOT verify"))
        }
    }
}

/// A temporary directory for one async test, removed afterwards.
func withTemporaryDirectoryAsync(_ body: (String) async throws -> Void) async throws {
    let path = NSTemporaryDirectory() + "sbp-command-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try await body(path)
}
