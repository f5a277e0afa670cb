import ChainTypes
import Foundation
import PeerNetwork
import Testing

extension IntegrationTests {
    @Test(
        "a node with a certificate from an unknown CA and one with an expired certificate are refused by every peer they dial",
        .timeLimit(.minutes(3)))
    func badCertificatesAreRefused() async throws {
        try await withNetwork("bad-certificates") { network in
            try await Self.start(network)
            // Both impostors copy td-1's home (its consensus key and its list of peers to dial) and present
            // a certificate naming td-1 that no honest node may accept.
            let now = Date()
            let rogueCA = try PeerCertificates.makeDepartmentCA(
                department: "ROGUE", notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(86_400))
            let unknown = try PeerCertificates.makeNodeCertificate(
                nodeName: "td-1", department: "TD", issuer: rogueCA, notValidBefore: now.addingTimeInterval(-3600),
                notValidAfter: now.addingTimeInterval(86_400))
            let department = try #require(network.manifest.departments.first { $0.id == "TD" })
            let realCA = try IssuedCertificate(
                certificatePEM: try String(contentsOfFile: network.directory + "/" + department.caCertificateFile, encoding: .utf8),
                privateKeyPEM: try String(contentsOfFile: network.directory + "/" + department.caKeyFile, encoding: .utf8))
            let expired = try PeerCertificates.makeNodeCertificate(
                nodeName: "td-1", department: "TD", issuer: realCA, notValidBefore: now.addingTimeInterval(-2 * 86_400),
                notValidAfter: now.addingTimeInterval(-86_400))
            let impostors = [
                try network.addImpostor(
                    copying: 0, named: "rogue-unknown-ca", slot: 0, certificatePEM: try unknown.certificatePEM,
                    privateKeyPEM: unknown.privateKeyPEM),
                try network.addImpostor(
                    copying: 0, named: "rogue-expired", slot: 1, certificatePEM: try expired.certificatePEM,
                    privateKeyPEM: expired.privateKeyPEM),
            ]
            for impostor in impostors { try impostor.start() }
            let startHeight = try #require(await network.highestHeight(Self.all))
            // td-1's config dials the other three validators: each must refuse both certificates.
            let dialed = [1, 2, 3]
            var peersSeen: [String: Set<Int>] = [:]
            try await eventually("immd-1, epd-1 and dh-1 refuse both impostors", within: Self.progressTimeout) {
                for impostor in impostors {
                    if let status = try? await impostor.rpc.status() { peersSeen[impostor.name, default: []].insert(status.peersConnected) }
                }
                return dialed.allSatisfy { index in
                    let node = network.nodes[index]
                    return !node.logLines(containing: "peer certificate refused", "unknownCA").isEmpty
                        && !node.logLines(containing: "peer certificate refused", "expired").isEmpty
                }
            }
            // The honest nodes keep committing, and the impostors never count a peer.
            try await network.waitForHeight(startHeight + 3, on: Self.all, within: Self.progressTimeout)
            for impostor in impostors {
                let status = try await eventually("\(impostor.name) answers", within: Self.progressTimeout) {
                    try? await impostor.rpc.status()
                }
                peersSeen[impostor.name, default: []].insert(status.peersConnected)
                #expect(peersSeen[impostor.name] == [0], "\(impostor.name) reported peers \(peersSeen[impostor.name] ?? [])")
                #expect(status.latestHeight == 0, "\(impostor.name) received blocks")
                #expect(impostor.isRunning, "\(impostor.name) \(impostor.exitDescription ?? "")")
            }
            for index in Self.all {
                let status = try #require(await network.status(index))
                #expect(status.peersConnected == 3, "\(status)")
            }
        }
    }

    @Test(
        "a certificate revoked by governance: the other nodes close their links to it and keep committing without it",
        .timeLimit(.minutes(3)))
    func revokedCertificateIsCutOff() async throws {
        try await withNetwork("revocation") { network in
            try await Self.start(network)
            let revoked = 3
            let name = network.nodes[revoked].name
            let others = Self.all.filter { $0 != revoked }
            // The digest is SHA-256 of the certificate's DER, computed here from the PEM file independently of
            // the node's code, and it must match what `sbp network init` recorded.
            let pem = try String(contentsOfFile: network.nodes[revoked].home + "/tls.crt", encoding: .utf8)
            let digest = Hash.sha256(try Self.derBytes(pem: pem))
            try #require(digest == network.manifest.nodes[revoked].tlsCertificateFingerprint)
            try await eventually("every node has three peers", within: Self.progressTimeout) {
                await network.statuses(Self.all)?.allSatisfy { $0.peersConnected == 3 } == true
            }

            // Three of four departments pass the proposal: TD proposes (its vote), IMMD and EPD vote yes.
            let proposal = try network.account("td-admin").governance(
                .propose(change: .revokeCertificate(certificateDigest: digest), activationHeight: 0, description: "revoke \(name) TLS"))
            try await network.submit(proposal, to: [0])
            let created = try await network.receipt(proposal.hash, on: 0, within: Self.progressTimeout)
            try #require(created.status == "success", "\(created.errorMessage ?? "")")
            let id = try UInt64(canonicalBytes: created.returnData)
            var votes: [Hash] = []
            for (admin, node) in [("immd-admin", 1), ("epd-admin", 2)] {
                let vote = try network.account(admin).governance(.vote(proposal: id, approve: true))
                try await network.submit(vote, to: [node])
                votes.append(vote.hash)
            }
            var passedAt: UInt64 = 0
            for vote in votes {
                let receipt = try await network.receipt(vote, on: 0, within: Self.progressTimeout)
                try #require(receipt.status == "success", "\(receipt.errorMessage ?? "")")
                passedAt = max(passedAt, receipt.height)
            }

            // Within a few blocks every other node closes its links to the revoked node, which is left alone.
            try await network.waitForHeight(passedAt + 1, on: others, within: Self.progressTimeout)
            try await eventually("\(name) has no peers", within: .seconds(20)) {
                await network.status(revoked)?.peersConnected == 0
            }
            for index in others {
                let node = network.nodes[index]
                #expect(
                    !node.logLines(containing: "closed link after a trust change", name).isEmpty,
                    "\(node.name) did not log closing its link to \(name)")
            }
            // The other three keep committing; the revoked node stays cut off (it redials and is refused).
            let height = try await network.waitForProgress(4, on: others, within: Self.progressTimeout)
            let status = try #require(await network.status(revoked))
            #expect(status.peersConnected == 0, "\(status)")
            #expect(status.latestHeight < height, "\(name) still receives blocks: \(status)")
            for index in others {
                let node = network.nodes[index]
                #expect(
                    !node.logLines(containing: "peer certificate refused", "revoked").isEmpty, "\(node.name) never refused \(name) again")
                let peers = try #require(await network.status(index)).peersConnected
                #expect(peers == 2, "\(node.name) has \(peers) peers")
            }
        }
    }

    /// The DER bytes of a PEM certificate.
    static func derBytes(pem: String) throws -> [UInt8] {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Array(try #require(Data(base64Encoded: body)))
    }
}
