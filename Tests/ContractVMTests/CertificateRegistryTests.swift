import ChainTypes
import Testing

@testable import ContractVM

@Suite struct CertificateRegistryTests {
    static let document = Hash.sha256(Array("salt|degree.pdf".utf8))

    func issue(
        _ r: Registries, _ id: String = "C-1", document: Hash = CertificateRegistryTests.document,
        department: String = "IMMD", roles: [ContractRole] = [.issuer]
    ) throws -> ContractOutcome {
        try r.certificate("issue", [id, document.hex, "degree", Hash.zero.hex], department: department, roles: roles)
    }

    @Test func issueGetAndVerifyDocument() throws {
        let r = try Registries()
        let outcome = try issue(r)
        #expect(outcome.status == .success)
        let event = try r.certificate.decodeEvent(topic: "CertificateIssued", data: outcome.events[0].data)
        #expect(event[1].value == .text("IMMD") && event[2].value == .hash(Self.document))
        let record = try r.read(r.certificate, "get", try r.certificate("get", ["C-1"], roles: []))
        #expect(record["status"] == "valid" && record["certificateType"] == "\"degree\"" && record["department"] == "\"IMMD\"")
        let verified = try r.read(r.certificate, "verifyDocument", try r.certificate("verifyDocument", [Self.document.hex], roles: []))
        #expect(verified["status"] == "valid" && verified["id"] == "\"C-1\"" && verified["issuedHeight"] == record["issuedHeight"])
        let unknown = try r.read(r.certificate, "verifyDocument", try r.certificate("verifyDocument", [Hash.zero.hex], roles: []))
        #expect(unknown["status"] == "unknown")
    }

    @Test func rejections() throws {
        let r = try Registries()
        #expect(try issue(r, roles: [.submitter]).status == .reverted("unauthorized: issuer role required"))
        #expect(try issue(r, department: "").status == .reverted("unauthorized: caller has no department"))
        #expect(try issue(r).status == .success)
        #expect(try issue(r).status == .reverted("duplicate id"))
        #expect(try issue(r, "C-2").status == .reverted("duplicate document"))
        #expect(
            try r.certificate("revoke", ["C-1", "forged"], department: "TD").status
                == .reverted("unauthorized: certificate issued by another department"))
        #expect(try r.certificate("revoke", ["C-9", "forged"]).status == .reverted("unknown certificate"))
        #expect(try r.certificate("get", ["C-9"]).status == .reverted("unknown certificate"))
        #expect(try r.certificate("revoke", ["C-1", ""]).status == .reverted("bad arguments: empty reason"))
    }

    @Test func revokeIsFinalAndVisibleToVerifiers() throws {
        let r = try Registries()
        _ = try issue(r)
        let revoked = try r.certificate("revoke", ["C-1", "forged"])
        #expect(revoked.events.map(\.topic) == ["CertificateRevoked"])
        #expect(try r.certificate("revoke", ["C-1", "forged"]).status == .reverted("certificate revoked"))
        let verified = try r.read(r.certificate, "verifyDocument", try r.certificate("verifyDocument", [Self.document.hex]))
        #expect(verified["status"] == "revoked")
        let record = try r.read(r.certificate, "get", try r.certificate("get", ["C-1"]))
        #expect(record["reason"] == "\"forged\"")
    }
}
