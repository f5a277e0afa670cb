import ChainTypes
import Foundation
import Testing

/// Issue 16, deliver 4: a validator's TLS certificate is renewed on its department's machine
/// (`sbp node renew-certificate`), rotated in by governance under client load, and the running node moves
/// its links to it by itself: no restart, every accepted transaction committed once, and the node votes
/// again with the new certificate.
extension IntegrationTests {
    @Test("a validator's renewed certificate is rotated in under load; the node moves to it without a restart", .timeLimit(.minutes(4)))
    func validatorCertificateRotatesUnderLoad() async throws {
        try await withNetwork("rotate") { network in
            try await Self.start(network)
            let load = LoadGenerator(
                network: network, issuers: [network.account("immd-issuer"), network.account("epd-issuer")], targets: [1, 2, 3],
                label: "ROT")
            load.start()
            do {
                try await Self.rotateUnderLoad(network, load: load)
            } catch {
                load.cancel()
                throw error
            }
        }
    }

    static func rotateUnderLoad(_ network: TestNetwork, load: LoadGenerator) async throws {
        let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[1].rpc.url.absoluteString)
        let accounts = network.directory + "/accounts/"
        let home = network.directory + "/" + network.manifest.nodes[0].directory
        let renewal = try await cli.run([
            "node", "renew-certificate", "--department", try departmentDirectory(network, "TD"), "--home", home,
            "--certificate-validity-days", "30", "--output", "json",
        ])
        try #require(renewal.status == 0, "\(renewal.summary)")
        let renewed = try #require(try JSONSerialization.jsonObject(with: Data(renewal.standardOutput.utf8)) as? [String: Any])
        let certificateFile = try #require(renewed["certificateFile"] as? String, "\(renewed)")
        let notValidAfter = try #require(renewed["notValidAfter"] as? Int)
        let proposal = try await cli.json([
            "governance", "propose", "rotate-validator", "--name", "td-1", "--consensus-key", network.manifest.nodes[0].consensusPublicKey,
            "--tls-certificate", certificateFile, "--key", accounts + "td-admin.key",
        ])
        try await vote(proposal, by: ["immd-admin", "epd-admin"], accounts: accounts, cli: cli)

        // td-1 takes up the certificate the chain now registers, and its peers see it on their links.
        try await eventually("td-1 presents its renewed certificate", within: progressTimeout) {
            !network.nodes[0].logLines(containing: "moved to the renewed TLS certificate").isEmpty
        }
        try await eventually("the other validators link to td-1 by its renewed certificate", within: progressTimeout) {
            for index in [1, 2, 3] {
                guard let peers = try? await network.nodes[index].rpc.call("node_peers", []) as? [[String: Any]],
                    let td1 = peers.first(where: { $0["name"] as? String == "td-1" }),
                    let expiry = td1["certificateNotValidAfterMs"] as? Int, abs(expiry - notValidAfter * 1000) <= 1000
                else { return false }
            }
            return true
        }
        #expect(FileManager.default.fileExists(atPath: home + "/tls-previous.crt"), "the old certificate is kept beside the new one")

        // td-1 votes again: a later block's certificate carries its commit (index 0).
        let reached = try await network.waitForProgress(3, on: all, within: progressTimeout)
        let signers = try await commitSigners(of: reached - 1, on: network.nodes[1])
        #expect(signers.contains(0), "block \(reached - 1) is certified by \(signers.sorted()), without td-1")
        let accepted = try await load.stop()
        #expect(accepted.count > 0)
        try await requireCommittedOnce(accepted, network: network, receiptsFrom: 1)
    }
}
