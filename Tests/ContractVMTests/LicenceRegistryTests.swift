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
