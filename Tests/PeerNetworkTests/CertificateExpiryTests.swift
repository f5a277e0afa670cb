import Foundation
import NIOCore
import Synchronization
import Testing
import X509

@testable import PeerNetwork

/// Time-based trust (issue 14, defect 6): a live link whose certificate, or whose CA, expires is closed
/// once the host's clock passes the expiry and the trust is re-applied. The clock is injected.
@Suite("Certificate expiry on live links")
struct CertificateExpiryTests {
    @Test("defect 6: a live link is closed when its short-lived certificate expires")
    func defect6_aLiveLinkIsClosedWhenItsCertificateExpires() async throws {
        let fixtures = Fixtures.shared
        let start = Fixtures.now
        let shortLived = try PeerCertificates.makeNodeCertificate(
            nodeName: "immd-2", department: "IMMD", issuer: fixtures.immdCA, notValidBefore: start - 60, notValidAfter: start + 60)
        var trust = fixtures.trust
        trust.register(shortLived.certificate, as: .init(department: "IMMD", nodeName: "immd-2"))
        let clock = Mutex(start)
        var configuration = PeerHost.Configuration(certificate: fixtures.td1)
        configuration.now = { clock.withLock { $0 } }
        let server = try PeerHost(configuration: configuration, trust: trust)
        let port = try await server.listen(host: "127.0.0.1", port: 0).port!
        let client = try PeerHost(configuration: PeerHost.Configuration(certificate: shortLived), trust: trust)
        let link = try await within { try await client.connect(host: "127.0.0.1", port: port) }
        _ = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        #expect(trust.expiry(of: shortLived.certificate) == shortLived.certificate.notValidAfter)

        #expect(server.updateTrust(trust).isEmpty, "still valid: nothing closes")
        clock.withLock { $0 = start + 61 }
        let closed = server.updateTrust(trust)
        #expect(closed.map { $0.0.identity } == [PeerIdentity(department: "IMMD", nodeName: "immd-2")])
        let reason = try await server.next { if case .linkDown(_, let reason) = $0 { reason } else { nil } }
        guard case .trustWithdrawn(.expired) = reason else {
            Issue.record("closed for \(reason)")
            return
        }
        try await within { try await link.closeFuture.get() }
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("a certificate's trust ends with the earlier of its own expiry and its CA's")
    func expiryIsTheEarlierOfLeafAndCA() throws {
        let fixtures = Fixtures.shared
        let shortCA = try PeerCertificates.makeDepartmentCA(
            department: "DH", notValidBefore: Fixtures.now - 60, notValidAfter: Fixtures.now + 600)
        let node = try PeerCertificates.makeNodeCertificate(
            nodeName: "dh-1", department: "DH", issuer: shortCA, notValidBefore: Fixtures.now - 60,
            notValidAfter: Fixtures.now + Fixtures.year)
        var trust = fixtures.trust
        trust.departmentCAs["DH"] = [shortCA.certificate]
        #expect(trust.expiry(of: node.certificate) == shortCA.certificate.notValidAfter)
        #expect(trust.expiry(of: fixtures.strangerNode.certificate) == nil, "no CA on chain signed it")
    }
}
