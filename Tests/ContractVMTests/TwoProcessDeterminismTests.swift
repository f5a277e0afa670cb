import ChainTypes
import ContractVM
import Foundation
import Testing

@testable import ContractReplay

/// Issue #5: "the same call sequence in two separate processes yields identical results, fuel used, events
/// and storage writes" (DESIGN §1.3).
///
/// Two processes stand in for two nodes: each has its own address-space layout and its own random
/// `Hashable` seed, so any result that depended on a pointer, a dictionary's order or uninitialized memory
/// would differ between them.
@Suite struct TwoProcessDeterminismTests {
    static let contracts = Registries.root.appendingPathComponent("Genesis/contracts")
    /// The sequence run once in this process, shared by the tests that only read it.
    static let inProcess = Result { () throws -> ReplayTranscript in try ContractReplay(contractsDirectory: contracts).run() }

    @Test func twoProcessesAndThisOnePrintTheSameTranscript() throws {
        let executable = try ReplayProcess.locate()
        let first = try ReplayProcess(executable: executable, contracts: Self.contracts)
        let second = try ReplayProcess(executable: executable, contracts: Self.contracts)
        #expect(first.processIdentifier != second.processIdentifier)
        let firstOutput = first.finish()
        let secondOutput = second.finish()
        let inProcess = try Self.inProcess.get()
        #expect(firstOutput.count > 0)
        #expect(firstOutput == secondOutput, "processes differ at \(Self.firstDifference(firstOutput, secondOutput))")
        let expected = Array(inProcess.text.utf8)
        #expect(firstOutput == expected, "process and test differ at \(Self.firstDifference(firstOutput, expected))")
        #expect(String(decoding: firstOutput, as: UTF8.self).hasSuffix("digest \(inProcess.digest.hex)\n"))
    }

    @Test func everyCallEndsAsTheSequenceDeclares() throws {
        let transcript = try Self.inProcess.get()
        for (call, outcome) in zip(transcript.calls, transcript.outcomes) {
            #expect(outcome.status == call.expectedStatus, "\(call.label)")
            if outcome.status == .outOfFuel { #expect(outcome.fuelUsed == call.fuelLimit, "\(call.label)") }
            if outcome.status != .success { #expect(outcome.writes.isEmpty && outcome.events.isEmpty, "\(call.label)") }
        }
    }

    @Test func sequenceCoversEveryMethodAndFailureKind() throws {
        let transcript = try Self.inProcess.get()
        let succeeded = Set(zip(transcript.calls, transcript.outcomes).filter { $0.1.status == .success }.map { Self.method($0.0) })
        let licenceMethods = ["issue", "renew", "suspend", "reinstate", "revoke", "transfer", "verify", "history", "get"]
        let certificateMethods = ["issue", "revoke", "verifyDocument", "get"]
        let required =
            licenceMethods.map { "licence.\($0)" } + certificateMethods.map { "certificate.\($0)" } + ["licence.requireCertificate"]
        #expect(Set(required).subtracting(succeeded).isEmpty, "never succeeded: \(Set(required).subtracting(succeeded))")
        let statuses = transcript.outcomes.map(\.status)
        #expect(statuses.contains(.reverted("unauthorized: licence issued by another department")))
        #expect(statuses.contains(.reverted("unknown licence")) && statuses.contains(.reverted("unknown certificate")))
        #expect(statuses.contains(.reverted("certificate required")))
        #expect(statuses.filter { $0 == .outOfFuel }.count >= 3)
        #expect(statuses.contains { if case .trapped = $0 { return true } else { return false } })
        #expect(transcript.outcomes.contains { !$0.writes.isEmpty } && transcript.outcomes.contains { !$0.events.isEmpty })
    }

    /// Does the comparison bite? A change to any one field of one outcome changes the transcript's text.
    @Test(arguments: ["status", "fuel", "return", "event", "write"])
    func transcriptTextCoversEveryField(field: String) throws {
        let transcript = try Self.inProcess.get()
        var outcomes = transcript.outcomes
        let index: Int?
        switch field {
        case "status": index = outcomes.firstIndex { $0.status == .success }
        case "fuel": index = outcomes.indices.first
        case "return": index = outcomes.firstIndex { !$0.returnData.isEmpty }
        case "event": index = outcomes.firstIndex { !$0.events.isEmpty }
        default: index = outcomes.firstIndex { !$0.writes.isEmpty }
        }
        guard let index else {
            Issue.record("no outcome has a \(field) to change")
            return
        }
        switch field {
        case "status": outcomes[index].status = .reverted("changed")
        case "fuel": outcomes[index].fuelUsed += 1
        case "return": outcomes[index].returnData[0] ^= 1
        case "event": outcomes[index].events[0].data.append(0)
        default: outcomes[index].writes[0].value = nil
        }
        let changed = ReplayTranscript(calls: transcript.calls, outcomes: outcomes)
        #expect(changed.text != transcript.text)
        #expect(changed.digest != transcript.digest)
    }

    /// `licence.issue` from the label `licence.issue L-1`.
    static func method(_ call: ReplayCall) -> String {
        String(call.label.split(separator: " ").first ?? "")
    }

    /// The first line where two outputs differ, for the failure message.
    static func firstDifference(_ first: [UInt8], _ second: [UInt8]) -> String {
        let firstLines = String(decoding: first, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let secondLines = String(decoding: second, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (a, b)) in zip(firstLines, secondLines).enumerated() where a != b {
            return "line \(index + 1):\n  \(a)\n  \(b)"
        }
        return "line \(min(firstLines.count, secondLines.count) + 1) (one output is longer)"
    }
}
