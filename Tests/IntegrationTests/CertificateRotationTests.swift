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
        let audit = KeyFileAudit(cli: cli)
        // The expiry timer runs from the start: td-1 exports the time left on its certificate (10 years).
        let secondsLeft = try await eventually("td-1 exports its certificate's expiry", within: progressTimeout) {
            try await network.nodes[0].rpc.metric("sbp_tls_certificate_expiry_seconds").flatMap { $0 > 0 ? $0 : nil }
        }
        #expect(secondsLeft > 3000 * 86_400, "td-1's certificate expires in \(secondsLeft) s")
        let accounts = network.directory + "/accounts/"
        let home = network.directory + "/" + network.manifest.nodes[0].directory
        let start = try #require(await network.highestHeight([1]))
        let department = try departmentDirectory(network, "TD")
        let (renewal, step) = try await audit.traced("TD") {
            try await $0.run([
                "node", "renew-certificate", "--department", department, "--home", home, "--certificate-validity-days", "30",
                "--output", "json",
            ])
        }
        try #require(renewal.status == 0, "\(renewal.summary)")
        #expect(step.keyFiles.contains(department + "/ca.key") && step.foreign.isEmpty, "renew-certificate opened \(step.keyFiles)")
        let renewed = try #require(try JSONSerialization.jsonObject(with: Data(renewal.standardOutput.utf8)) as? [String: Any])
        let certificateFile = try #require(renewed["certificateFile"] as? String, "\(renewed)")
        let notValidAfter = try #require(renewed["notValidAfter"] as? Int)
        let proposal = try await audit.json(
            [
                "governance", "propose", "rotate-validator", "--name", "td-1", "--consensus-key",
                network.manifest.nodes[0].consensusPublicKey, "--tls-certificate", certificateFile, "--key", accounts + "td-admin.key",
            ], by: "TD")
        try await vote(proposal, by: ["immd-admin", "epd-admin"], accounts: accounts, cli: cli)

        // td-1 takes up the certificate the chain now registers, and its peers see it on their links.
        try await eventually("td-1 presents its renewed certificate", within: progressTimeout) {
            !network.nodes[0].logLines(containing: "moved to the renewed TLS certificate").isEmpty
        }
        print("ROT: td-1 moved to its renewed certificate at height \(await network.highestHeight([0]).map { "\($0)" } ?? "?")")
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
        // td-1 now watches the renewed certificate's expiry (30 days), not the one it started with.
        try await eventually("td-1 exports its renewed certificate's expiry", within: progressTimeout) {
            guard let left = try await network.nodes[0].rpc.metric("sbp_tls_certificate_expiry_seconds") else { return false }
            return abs(left - (Double(notValidAfter) - Date().timeIntervalSince1970)) < 60
        }

        // td-1 votes again: a later block's certificate carries its commit (index 0).
        let reached = try await network.waitForProgress(3, on: all, within: progressTimeout)
        let signers = try await commitSigners(of: reached - 1, on: network.nodes[1])
        #expect(signers.contains(0), "block \(reached - 1) is certified by \(signers.sorted()), without td-1")
        try await requireNoCommitGap(network, from: start, to: reached)
        let accepted = try await load.stop()
        #expect(accepted.count > 0)
        try await requireCommittedOnce(accepted, network: network, receiptsFrom: 1)
    }

    /// No gap in commits across the rotation, measured on the chain itself: every block from before the
    /// renewal to after the links moved was decided in the same view (no view change was needed), and no
    /// two consecutive blocks are further apart than the view-change timeout of the genesis parameters
    /// (2 s), the longest a stall could last before a view change. Prints the figures.
    static func requireNoCommitGap(_ network: TestNetwork, from start: UInt64, to end: UInt64) async throws {
        var headers: [(height: UInt64, view: Int, timestampMs: Int)] = []
        for height in max(start, 2)...end {
            let block = try #require(try await network.nodes[1].rpc.call("chain_getBlockByHeight", [height, "hashes"]) as? [String: Any])
            let header = try #require(block["header"] as? [String: Any], "\(block)")
            headers.append(
                (height, try #require(header["view"] as? Int, "\(header)"), try #require(header["timestampMs"] as? Int, "\(header)")))
        }
        let gaps = zip(headers, headers.dropFirst()).map { $1.timestampMs - $0.timestampMs }
        let parameters = Genesis.ConsensusParameters.defaults
        let timeoutMs = Int(parameters.viewChangeTimeoutTicks) * Int(parameters.tickMs)
        let largest = gaps.max() ?? 0
        let median = gaps.sorted()[gaps.count / 2]
        print(
            "ROT: blocks \(headers[0].height)...\(end) across the rotation: views \(Set(headers.map(\.view)).sorted()), "
                + "largest gap \(largest) ms, median \(median) ms (view-change timeout \(timeoutMs) ms)")
        #expect(Set(headers.map(\.view)).count == 1, "a view change happened during the rotation: \(headers.map { ($0.height, $0.view) })")
        #expect(largest < timeoutMs, "blocks \(headers.map(\.height)) are up to \(largest) ms apart: \(gaps)")
    }
}
