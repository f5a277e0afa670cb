import Foundation
import Testing

@testable import Node

/// The expiry rules of `CertificateExpiryWatch` with an injected time (issue 14, defect 6).
@Suite("Certificate expiry watch")
struct CertificateExpiryWatchTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let day: TimeInterval = 86_400

    @Test("warns 30 days ahead, not before, and reports both expiries for /metrics")
    func warnsAheadAndReports() {
        let watch = CertificateExpiryWatch(warningInterval: 30 * day, ownExpiry: start + 40 * day)
        let peer = CertificateExpiryWatch.Peer(name: "IMMD/immd-1", expiry: start + 100 * day)
        let early = watch.check(now: start, peers: [peer])
        #expect(early.warnings.isEmpty)
        #expect(early.ownSecondsLeft == 40 * day)
        #expect(early.nearestPeerSecondsLeft == 100 * day)
        #expect(early.nextCheck == start + CertificateExpiryWatch.checkIntervalMax)
        let late = watch.check(now: start + 11 * day, peers: [peer])
        #expect(late.warnings.count == 1 && late.warnings[0].contains("this node's TLS certificate expires"))
        let peerLate = watch.check(now: start + 71 * day, peers: [peer])
        #expect(peerLate.warnings.contains { $0.contains("peer IMMD/immd-1") })
    }

    @Test("an expired peer is listed for closing, and the next check is at the nearest expiry")
    func expiredPeersAndNextCheck() {
        let watch = CertificateExpiryWatch(warningInterval: 0, ownExpiry: start + 365 * day)
        let soon = CertificateExpiryWatch.Peer(name: "TD/td-2", expiry: start + 60)
        let gone = CertificateExpiryWatch.Peer(name: "DH/dh-1", expiry: start - 1)
        let report = watch.check(now: start, peers: [soon, gone])
        #expect(report.expiredPeers == ["DH/dh-1"])
        #expect(report.nearestPeer == gone)
        #expect(report.nextCheck == start + 60, "wakes when td-2's certificate expires")
    }
}
