import ChainTypes
import Foundation
import Testing
import X509

@testable import PeerNetwork

@Suite struct PeerTrustTests {
    enum Expected: Sendable, CustomStringConvertible {
        case accepted(String, String)
        case unknownCA, badSignature, expired, notYetValid, notRegistered, revoked

        var description: String {
            switch self {
            case .accepted(let department, let name): "accepted \(department)/\(name)"
            case .unknownCA: "unknownCA"
            case .badSignature: "badSignature"
            case .expired: "expired"
            case .notYetValid: "notYetValid"
            case .notRegistered: "notRegistered"
            case .revoked: "revoked"
            }
        }
    }

    static let cases: [(String, Expected)] = [
        ("td1", .accepted("TD", "td-1")),
        ("immd1", .accepted("IMMD", "immd-1")),
        ("stranger", .unknownCA),
        ("forged", .badSignature),
        ("expired", .expired),
        ("future", .notYetValid),
        ("unregistered", .notRegistered),
        ("revoked", .revoked),
    ]

    static func certificate(_ name: String) -> Certificate {
        let fixtures = Fixtures.shared
        return switch name {
        case "td1": fixtures.td1.certificate
        case "immd1": fixtures.immd1.certificate
        case "stranger": fixtures.strangerNode.certificate
        case "forged": fixtures.forgedTD.certificate
        case "expired": fixtures.expiredTD.certificate
        case "future": fixtures.futureTD.certificate
        case "unregistered": fixtures.unregisteredTD.certificate
        default: fixtures.td2.certificate
        }
    }

    @Test("A peer certificate is judged by CA, signature, validity, revocation and registration", arguments: cases)
    func identify(name: String, expected: Expected) {
        var trust = Fixtures.shared.trust
        trust.revoke(Fixtures.shared.td2.certificate)
        let result = Result { () throws(PeerRefusal) in try trust.identify(Self.certificate(name), at: Fixtures.now) }
        switch (expected, result) {
        case (.accepted(let department, let node), .success(let identity)):
            #expect(identity == PeerIdentity(department: department, nodeName: node))
        case (.unknownCA, .failure(.unknownCA)), (.badSignature, .failure(.badSignature)),
            (.notRegistered, .failure(.notRegistered)), (.revoked, .failure(.revoked)):
            break
        case (.expired, .failure(.expired(let notAfter))):
            #expect(notAfter < Fixtures.now)
        case (.notYetValid, .failure(.notYetValid(let notBefore))):
            #expect(notBefore > Fixtures.now)
        default:
            Issue.record("\(name): expected \(expected), got \(result)")
        }
    }

    @Test("A certificate registered to another department than its CA's is not registered")
    func departmentMismatch() {
        var trust = Fixtures.shared.trust
        trust.register(Fixtures.shared.td1.certificate, as: .init(department: "IMMD", nodeName: "td-1"))
        #expect(throws: PeerRefusal.notRegistered(fingerprint: PeerTrust.fingerprint(of: Fixtures.shared.td1.certificate))) {
            try trust.identify(Fixtures.shared.td1.certificate, at: Fixtures.now)
        }
    }

    @Test("Removing a department's CA refuses its nodes")
    func caRemoved() {
        var trust = Fixtures.shared.trust
        trust.departmentCAs["TD"] = nil
        #expect(throws: PeerRefusal.self) { try trust.identify(Fixtures.shared.td1.certificate, at: Fixtures.now) }
    }

    @Test("An expired CA refuses the certificates it signed")
    func caExpired() throws {
        let fixtures = Fixtures.shared
        let later = fixtures.tdCA.certificate.notValidAfter + 1
        #expect(throws: PeerRefusal.expired(notAfter: fixtures.tdCA.certificate.notValidAfter)) {
            try fixtures.trust.identify(fixtures.td1.certificate, at: later)
        }
    }
}

@Suite struct PeerCertificatesTests {
    @Test("Certificates and keys survive a PEM round trip")
    func pemRoundTrip() throws {
        let issued = Fixtures.shared.td1
        let parsed = try IssuedCertificate(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM)
        #expect(parsed.certificate == issued.certificate)
        #expect(parsed.privateKey.rawRepresentation == issued.privateKey.rawRepresentation)
        #expect(try issued.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    @Test("A department CA is a CA that may sign certificates; a node certificate names the node for both TLS roles")
    func extensions() throws {
        let ca = Fixtures.shared.tdCA.certificate
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try ca.extensions.keyUsage?.keyCertSign == true)
        #expect(ca.issuer == ca.subject)
        let node = Fixtures.shared.td1.certificate
        #expect(try node.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try node.extensions.subjectAlternativeNames == SubjectAlternativeNames([.dnsName("td-1")]))
        let usages = try #require(try node.extensions.extendedKeyUsage)
        #expect(usages.contains(.serverAuth) && usages.contains(.clientAuth))
        #expect(node.subject.description.contains("CN=td-1"))
        #expect(node.issuer == ca.subject)
    }

    @Test("Trust built from a genesis document accepts its validators and refuses others")
    func trustFromGenesis() throws {
        let fixtures = Fixtures.shared
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Genesis/example.json")
        var genesis = try Genesis.load(json: Array(Data(contentsOf: url)))
        let tdIndex = try #require(genesis.departments.firstIndex { $0.id == "TD" })
        genesis.departments[tdIndex].caCertificate = try fixtures.tdCA.certificatePEM
        let validatorIndex = try #require(genesis.validators.firstIndex { $0.name == "td-1" })
        genesis.validators[validatorIndex].tlsCertificate = try fixtures.td1.certificatePEM
        let trust = try PeerTrust(genesis: genesis)
        #expect(trust.departmentCAs.count == genesis.departments.count)
        #expect(trust.registeredNodes.count == genesis.validators.count)
        #expect(try trust.identify(fixtures.td1.certificate, at: Fixtures.now) == PeerIdentity(department: "TD", nodeName: "td-1"))
        #expect(throws: PeerRefusal.self) { try trust.identify(fixtures.td2.certificate, at: Fixtures.now) }
    }
}
