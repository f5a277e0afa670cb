import ChainTypes
import Crypto
import Foundation
import NIOCore
import Testing
import X509

@testable import PeerNetwork

/// ADR 0018: a node behind the chain accepts, on links it dials, a certificate its chain does not register
/// yet if it chains to a department CA of that chain, is valid, not revoked and names the dialed node;
/// everything else keeps the strict rule of `identify`.
@Suite(.timeLimit(.minutes(1))) struct ProvisionalTrustTests {
    static let fixtures = Fixtures.shared
    static let td1 = PeerIdentity(department: "TD", nodeName: "td-1")

    /// td-1's certificate renewed by its department's CA after the chain this node holds: not registered.
    static let renewedTD1 = try! node("td-1", issuer: fixtures.tdCA)

    static func node(
        _ name: String, issuer: IssuedCertificate, from: Date = Fixtures.now - 60, until: Date = Fixtures.now + Fixtures.year
    ) throws -> IssuedCertificate {
        try PeerCertificates.makeNodeCertificate(
            nodeName: name, department: "TD", issuer: issuer, notValidBefore: from, notValidAfter: until)
    }

    /// The fixtures' chain while this node is behind.
    static var behind: PeerTrust {
        var trust = fixtures.trust
        trust.admitsProvisionalDials = true
        return trust
    }

    static func judge(
        _ certificate: Certificate, trust: PeerTrust = behind, direction: PeerLinkDirection = .outbound, expecting: PeerIdentity? = td1
    ) -> Result<PeerJudgement, PeerRefusal> {
        Result { () throws(PeerRefusal) in try trust.judge(certificate, direction: direction, expecting: expecting, at: Fixtures.now) }
    }

    @Test(
        "A dialed node's renewed certificate is accepted provisionally as the dialed node, and for a bootstrap address as the node it names"
    )
    func accepted() {
        #expect(Self.judge(Self.renewedTD1.certificate) == .success(PeerJudgement(identity: Self.td1, provisional: true)))
        #expect(Self.judge(Self.renewedTD1.certificate, expecting: nil) == .success(PeerJudgement(identity: Self.td1, provisional: true)))
        // A registered certificate stands on the strict rule.
        #expect(Self.judge(Self.fixtures.td1.certificate) == .success(PeerJudgement(identity: Self.td1, provisional: false)))
    }

    @Test("An inbound link, or a node that is not behind, keeps the strict rule")
    func strictOtherwise() {
        let fingerprint = PeerTrust.fingerprint(of: Self.renewedTD1.certificate)
        #expect(
            Self.judge(Self.renewedTD1.certificate, direction: .inbound, expecting: nil)
                == .failure(.notRegistered(fingerprint: fingerprint)))
        #expect(Self.judge(Self.renewedTD1.certificate, trust: Self.fixtures.trust) == .failure(.notRegistered(fingerprint: fingerprint)))
    }

    @Test("Provisional acceptance still refuses an unknown CA, a CA copying a department's name, an expired or revoked certificate")
    func refusedBeforeRegistration() throws {
        let stranger = try Self.node("td-1", issuer: Self.fixtures.strangerCA)
        guard case .failure(.unknownCA) = Self.judge(stranger.certificate) else {
            Issue.record("unknown CA: \(Self.judge(stranger.certificate))")
            return
        }
        let forged = try Self.node("td-1", issuer: Self.fixtures.rogueCA)
        #expect(Self.judge(forged.certificate) == .failure(.badSignature))
        let expired = try Self.node("td-1", issuer: Self.fixtures.tdCA, from: Fixtures.now - 2 * Fixtures.year, until: Fixtures.now - 60)
        #expect(Self.judge(expired.certificate) == .failure(.expired(notAfter: expired.certificate.notValidAfter)))
        var revoking = Self.behind
        revoking.revoke(Self.renewedTD1.certificate)
        #expect(
            Self.judge(Self.renewedTD1.certificate, trust: revoking)
                == .failure(.revoked(fingerprint: PeerTrust.fingerprint(of: Self.renewedTD1.certificate))))
    }

    @Test("A certificate naming another node than the one dialed is refused; so is a name the chain registers in another department")
    func nameMismatch() throws {
        #expect(
            Self.judge(Self.renewedTD1.certificate, expecting: PeerIdentity(department: "TD", nodeName: "td-2"))
                == .failure(.unexpectedIdentity(Self.td1)))
        #expect(
            Self.judge(Self.renewedTD1.certificate, expecting: PeerIdentity(department: "IMMD", nodeName: "td-1"))
                == .failure(.unexpectedIdentity(Self.td1)))
        // The certificate registered to a node of another department than its CA's: refused as by `identify`.
        var elsewhere = Self.behind
        elsewhere.register(Self.renewedTD1.certificate, as: .init(department: "IMMD", nodeName: "immd-9"))
        #expect(
            Self.judge(Self.renewedTD1.certificate, trust: elsewhere)
                == .failure(.notRegistered(fingerprint: PeerTrust.fingerprint(of: Self.renewedTD1.certificate))))
        // TD's CA signing a certificate for IMMD's registered node.
        let poached = try Self.node("immd-1", issuer: Self.fixtures.tdCA)
        #expect(
            Self.judge(poached.certificate, expecting: nil)
                == .failure(.notRegistered(fingerprint: PeerTrust.fingerprint(of: poached.certificate))))
    }

    @Test("A certificate whose common name and DNS name disagree names no node")
    func unnamed() throws {
        let key = P256.Signing.PrivateKey()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Fixtures.now - 60, notValidAfter: Fixtures.now + Fixtures.year, issuer: Self.fixtures.tdCA.certificate.subject,
            subject: try DistinguishedName {
                OrganizationName("TD")
                CommonName("td-1")
            }, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions { SubjectAlternativeNames([.dnsName("td-7")]) },
            issuerPrivateKey: Certificate.PrivateKey(Self.fixtures.tdCA.privateKey))
        #expect(Self.judge(certificate) == .failure(.unnamedCertificate(subject: certificate.subject.description)))
    }

    @Test("A provisional dialed link is confirmed when the trust registers its certificate, and closed when the node catches up without it")
    func rejudged() async throws {
        let server = try PeerHostTests.host(Self.renewedTD1)
        let port = try await server.listen(host: "127.0.0.1", port: 0).port!
        let client = try PeerHostTests.host(Fixtures.shared.immd1, trust: Self.behind)
        let first = try await within { try await client.connect(host: "127.0.0.1", port: port, expecting: Self.td1) }
        #expect(first.identity == Self.td1 && first.isProvisional)

        // The rotation block executed: the trust registers the renewed certificate; the link stays, confirmed.
        var registered = Self.behind
        registered.register(Self.renewedTD1.certificate, as: .init(department: "TD", nodeName: "td-1"))
        #expect(client.updateTrust(registered).isEmpty)
        #expect(!first.isProvisional && client.openLinks.map(\.id) == [first.id])

        // Another provisional link, then the node catches up on a chain that never registered it: closed.
        #expect(client.updateTrust(Self.behind).isEmpty)
        let second = try await within { try await client.connect(host: "127.0.0.1", port: port, expecting: Self.td1) }
        #expect(first.isProvisional && second.isProvisional)
        let closed = client.updateTrust(Self.fixtures.trust)
        #expect(Set(closed.map { $0.0.id }) == [first.id, second.id])
        #expect(closed.allSatisfy { $0.1 == .notRegistered(fingerprint: PeerTrust.fingerprint(of: Self.renewedTD1.certificate)) })
        try await within { try await second.closeFuture.get() }
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A behind node still refuses an inbound link whose certificate its chain does not register")
    func inboundRefused() async throws {
        let server = try PeerHostTests.host(Fixtures.shared.immd1, trust: Self.behind)
        let port = try await server.listen(host: "127.0.0.1", port: 0).port!
        // The dialer's chain registers the server, so only the server's judgement can refuse.
        var clientTrust = Self.fixtures.trust
        clientTrust.register(Self.renewedTD1.certificate, as: .init(department: "TD", nodeName: "td-1"))
        let client = try PeerHostTests.host(Self.renewedTD1, trust: clientTrust)
        await #expect(throws: (any Error).self) { try await within { try await client.connect(host: "127.0.0.1", port: port) } }
        let refusal = try await server.next { if case .refused(_, let refusal) = $0 { refusal } else { nil } }
        #expect(refusal == .notRegistered(fingerprint: PeerTrust.fingerprint(of: Self.renewedTD1.certificate)))
        try await client.shutdown()
        try await server.shutdown()
    }
}
