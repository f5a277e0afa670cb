import ChainTypes
import Testing

@testable import ContractVM

@Suite struct LicenceRegistryTests {
    @Test func issueStoresTheLicenceAndEmitsAnEvent() throws {
        let r = try Registries()
        let outcome = try r.licence("issue", Registries.issueArguments("L-1"))
        #expect(outcome.status == .success)
        #expect(outcome.events.map(\.topic) == ["LicenceIssued"])
        let event = try r.licence.decodeEvent(topic: "LicenceIssued", data: outcome.events[0].data)
        #expect(event.map(\.name) == ["id", "department", "detail"])
        #expect(event[0].value == .text("L-1") && event[1].value == .text("TD"))
        let record = try r.read(r.licence, "get", try r.licence("get", ["L-1"], roles: []))
        #expect(record["department"] == "\"TD\"")
        #expect(record["licenceType"] == "\"driving\"")
        #expect(record["holderDigest"] == Registries.holder.description)
        #expect(record["validUntil"] == "1000" && record["status"] == "active" && record["historyCount"] == "1")
    }

    @Test(arguments: [
        (["L-1", "driving", Registries.holder.hex, "100", "1000", "x"], [ContractRole.auditor], "unauthorized: issuer role required"),
        (["L-1", "driving", Registries.holder.hex, "1000", "100", "x"], [.issuer], "bad arguments: validFrom must precede validUntil"),
        (["", "driving", Registries.holder.hex, "100", "1000", "x"], [.issuer], "bad arguments: empty id"),
        (["L-1", "", Registries.holder.hex, "100", "1000", "x"], [.issuer], "bad arguments: empty licence type"),
    ])
    func issueRejections(arguments: [String], roles: [ContractRole], message: String) throws {
        let r = try Registries()
        #expect(try r.licence("issue", arguments, roles: roles).status == .reverted(message))
    }

    @Test func duplicateIdIsRejected() throws {
        let r = try Registries()
        try r.licence("issue", Registries.issueArguments("L-1"))
        #expect(try r.licence("issue", Registries.issueArguments("L-1")).status == .reverted("duplicate id"))
    }

    @Test func malformedInputAndUnknownMethodRevert() throws {
        let r = try Registries()
        var truncated = try r.licence.encodeCall(method: "get", arguments: ["L-1"])
        truncated.removeLast()
        #expect(r.run(Registries.licenceAddress, truncated, "TD", [.issuer]).status == .reverted("bad arguments: truncated input"))
        var encoder = CanonicalEncoder()
        encoder.write(text: "mint")
        #expect(r.run(Registries.licenceAddress, encoder.bytes, "TD", [.issuer]).status == .reverted("unknown method"))
        let trailing = try r.licence.encodeCall(method: "get", arguments: ["L-1"]) + [0]
        #expect(r.run(Registries.licenceAddress, trailing, "TD", [.issuer]).status == .reverted("bad arguments: trailing bytes"))
    }

    @Test func onlyIssuersOfTheIssuingDepartmentMayChangeALicence() throws {
        let r = try Registries()
        try r.licence("issue", Registries.issueArguments("L-1"))
        let wrongDepartment = "unauthorized: licence issued by another department"
        #expect(try r.licence("renew", ["L-1", "2000"], department: "IMMD").status == .reverted(wrongDepartment))
        #expect(try r.licence("suspend", ["L-1", "audit"], department: "IMMD").status == .reverted(wrongDepartment))
        #expect(try r.licence("revoke", ["L-1", "fraud"], department: "IMMD").status == .reverted(wrongDepartment))
        #expect(try r.licence("transfer", ["L-1", Registries.otherHolder.hex], department: "IMMD").status == .reverted(wrongDepartment))
        #expect(try r.licence("renew", ["L-1", "2000"], roles: [.admin]).status == .reverted("unauthorized: issuer role required"))
        #expect(try r.licence("renew", ["L-9", "2000"]).status == .reverted("unknown licence"))
    }

    @Test func renewSuspendReinstateRevokeAndHistory() throws {
        let r = try Registries()
        try r.licence("issue", Registries.issueArguments("L-1"))
        #expect(try r.licence("renew", ["L-1", "900"]).status == .reverted("bad arguments: validUntil must increase"))
        #expect(try r.licence("renew", ["L-1", "2000"]).events.map(\.topic) == ["LicenceRenewed"])
        #expect(try r.licence("reinstate", ["L-1"]).status == .reverted("licence not suspended"))
        #expect(try r.licence("suspend", ["L-1", ""]).status == .reverted("bad arguments: empty reason"))
        #expect(try r.licence("suspend", ["L-1", "audit"]).events.map(\.topic) == ["LicenceSuspended"])
        #expect(try r.licence("suspend", ["L-1", "audit"]).status == .reverted("licence not active"))
        #expect(try r.licence("reinstate", ["L-1"]).events.map(\.topic) == ["LicenceReinstated"])
        #expect(try r.licence("revoke", ["L-1", "fraud"]).events.map(\.topic) == ["LicenceRevoked"])
        #expect(try r.licence("revoke", ["L-1", "fraud"]).status == .reverted("licence revoked"))
        #expect(try r.licence("renew", ["L-1", "3000"]).status == .reverted("licence revoked"))
        #expect(try r.licence("transfer", ["L-1", Registries.otherHolder.hex]).status == .reverted("licence revoked"))
        let history = try r.licence.decodeResult(method: "history", bytes: try r.licence("history", ["L-1"]).returnData)
        guard case .sequence(let entries) = history[0].value else { Issue.record("no sequence"); return }
        #expect(entries.map { $0[0].value } == ["issue", "renew", "suspend", "reinstate", "revoke"].map { .text($0) })
        #expect(entries.allSatisfy { $0[3].value == .text("TD") })
        #expect(try r.licence("history", ["L-9"]).status == .reverted("unknown licence"))
    }

    /// A history entry's bytes as the registry stores and returns them.
    private static func entry(_ action: String, height: UInt64, timestamp: UInt64, detail: [UInt8]) -> [UInt8] {
        var encoder = CanonicalEncoder()
        encoder.write(text: action)
        encoder.write(height)
        encoder.write(timestamp)
        encoder.write(bytes: Array("TD".utf8))
        encoder.write(bytes: detail)
        return encoder.bytes
    }

    /// The entries `history` returns, as raw bytes each.
    private static func historyEntries(_ r: Registries, _ id: String) throws -> [[UInt8]] {
        let data = try r.licence("history", [id], roles: []).returnData
        var decoder = CanonicalDecoder(data)
        let count = try decoder.readUInt32()
        var entries: [[UInt8]] = []
        for _ in 0..<count {
            let start = decoder.position
            _ = try decoder.readBytes(field: "action", limit: 64)
            _ = try decoder.readUInt64()
            _ = try decoder.readUInt64()
            _ = try decoder.readBytes(field: "department", limit: 64)
            _ = try decoder.readBytes(field: "detail", limit: 256)
            entries.append(Array(data[start..<decoder.position]))
        }
        try decoder.finish()
        return entries
    }

    /// ADR 0023: an issue writes one key, the record, which holds the issue entry; `history` returns that
    /// entry byte for byte as the registry stored it under "H" before.
    @Test func issueStoresOneKeyHoldingItsHistoryEntry() throws {
        let r = try Registries()
        let issued = try r.licence("issue", Registries.issueArguments("L-1"))
        let height = r.height
        let timestamp = 1_700_000_000 + height * 2
        #expect(issued.writes.map(\.key) == [Array("L".utf8) + Array("L-1".utf8)])
        let got = try r.licence("get", ["L-1"], roles: []).returnData
        var time = CanonicalEncoder()
        time.write(timestamp)
        #expect(issued.writes.first?.value == got + time.bytes)
        let issue = Self.entry("issue", height: height, timestamp: timestamp, detail: Array("driving".utf8))
        #expect(try Self.historyEntries(r, "L-1") == [issue])

        let renewed = try r.licence("renew", ["L-1", "2000"])
        var until = CanonicalEncoder()
        until.write(UInt64(2000))
        let renew = Self.entry("renew", height: r.height, timestamp: 1_700_000_000 + r.height * 2, detail: until.bytes)
        #expect(renewed.writes.count == 2 && renewed.writes.first?.value == renew)
        #expect(try Self.historyEntries(r, "L-1") == [issue, renew])
        #expect(try r.read(r.licence, "get", try r.licence("get", ["L-1"], roles: []))["historyCount"] == "2")
    }

    /// A licence stored before ADR 0023 (its record ends at historyCount, entry 0 under "H") reads and
    /// changes as before, and keeps that layout.
    @Test func licencesStoredBeforeKeepTheirLayout() throws {
        let r = try Registries()
        let recordKey = Array("L".utf8) + Array("L-1".utf8)
        let issued = try r.licence("issue", Registries.issueArguments("L-1"))
        let old = try #require(issued.writes.first?.value).dropLast(8)
        // Entry 0 with a timestamp the record could not rebuild: `history` must read it from "H".
        let storedIssue = Self.entry("issue", height: r.height, timestamp: 42, detail: Array("driving".utf8))
        let entryKey = Array("H".utf8) + [3] + Array("L-1".utf8) + [0, 0, 0, 0]
        r.storage.apply([
            StorageWrite(contract: Registries.licenceAddress, key: recordKey, value: Array(old)),
            StorageWrite(contract: Registries.licenceAddress, key: entryKey, value: storedIssue),
        ])
        #expect(try r.licence("get", ["L-1"], roles: []).returnData == Array(old))
        #expect(try Self.historyEntries(r, "L-1") == [storedIssue])
        let suspended = try r.licence("suspend", ["L-1", "audit"])
        #expect(suspended.status == .success)
        let record = try #require(suspended.writes.first { $0.key == recordKey }?.value)
        #expect(record == (try r.licence("get", ["L-1"], roles: []).returnData))
        let entries = try Self.historyEntries(r, "L-1")
        #expect(entries.count == 2 && entries.first == storedIssue)
        // Without its stored entry 0, such a licence's history is refused, never invented.
        r.storage.apply([StorageWrite(contract: Registries.licenceAddress, key: entryKey, value: nil)])
        #expect(try r.licence("history", ["L-1"], roles: []).status == .reverted("history entry missing"))
    }

    @Test func verifyReportsEveryOutcome() throws {
        let r = try Registries()
        try r.licence("issue", Registries.issueArguments("L-1"))
        func verify(_ id: String, _ holder: Hash = Registries.holder, at time: UInt64 = 500) throws -> String? {
            let fields = try r.read(r.licence, "verify", try r.licence("verify", [id, holder.hex, "\(time)"], roles: []))
            return fields["outcome"]
        }
        #expect(try verify("L-1") == "valid")
        #expect(try verify("L-1", at: 1000) == "expired")
        #expect(try verify("L-1", at: 99) == "notYetValid")
        #expect(try verify("L-1", Registries.otherHolder) == "holderMismatch")
        #expect(try verify("L-2") == "unknown")
        try r.licence("transfer", ["L-1", Registries.otherHolder.hex])
        #expect(try verify("L-1") == "holderMismatch")
        #expect(try verify("L-1", Registries.otherHolder) == "valid")
        #expect(try r.licence("transfer", ["L-1", Registries.otherHolder.hex]).status == .reverted("bad arguments: same holder"))
        try r.licence("suspend", ["L-1", "audit"])
        #expect(try verify("L-1", Registries.otherHolder) == "suspended")
        try r.licence("revoke", ["L-1", "fraud"])
        #expect(try verify("L-1", Registries.otherHolder) == "revoked")
    }

    @Test func licenceTypeCanRequireACertificateFromAnotherDepartment() throws {
        let r = try Registries()
        let requirement = ["medical", Registries.certificateAddress.description, "medical-fitness"]
        #expect(try r.licence("requireCertificate", requirement).status == .reverted("unauthorized: admin role required"))
        #expect(try r.licence("requireCertificate", requirement, roles: [.admin]).events.map(\.topic) == ["LicenceTypeRequirementSet"])
        let arguments = Registries.issueArguments("L-1", type: "medical")
        #expect(try r.licence("issue", arguments).status == .reverted("certificate required"))
        // Another department (DH) certifies the holder's medical fitness; the issue then passes.
        let zero = Hash.zero.hex
        #expect(try r.certificate("issue", ["C-1", Registries.holder.hex, "other-type", zero], department: "DH").status == .success)
        #expect(try r.licence("issue", arguments).status == .reverted("certificate required"))
        try r.certificate("revoke", ["C-1", "wrong type"], department: "DH")
        try r.certificate("issue", ["C-2", Registries.otherHolder.hex, "medical-fitness", zero], department: "DH")
        #expect(
            try r.licence("issue", Registries.issueArguments("L-2", type: "medical", holder: Registries.otherHolder)).status == .success)
        // Other licence types and other departments' types are unaffected.
        #expect(try r.licence("issue", Registries.issueArguments("L-3")).status == .success)
        #expect(try r.licence("issue", Registries.issueArguments("L-4", type: "medical"), department: "IMMD").status == .success)
    }
}
