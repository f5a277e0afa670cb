import Foundation
import Testing

/// Issue 16, last defect (ADR 0018): a validator that was down while the others rotated their TLS
/// certificates, and, once every founding validator has rotated, a node that starts from genesis trust (an
/// empty data directory), know none of the certificates their peers present. They link to them anyway on
/// the links they dial (provisionally, ADR 0018), catch up (from their own state, by replay from genesis, by
/// state sync) and agree with the others.
extension IntegrationTests {
    @Test(
        "a validator down while the others rotated their certificates catches up; after every founder rotated, validators with empty data directories catch up by replay and by state sync",
        .timeLimit(.minutes(4)))
    func rejoinAfterEveryCertificateRotated() async throws {
        try await withNetwork("rejoin") { network in
            for node in network.nodes {
                let path = node.home + "/config.toml"
                let text = try String(contentsOfFile: path, encoding: .utf8)
                try text.replacingOccurrences(of: "[storage]\n", with: "[storage]\nsnapshot_interval = \(Self.snapshotInterval)\n")
                    .write(toFile: path, atomically: true, encoding: .utf8)
            }
            try await Self.start(network)
            // dh-1 is down while the three others rotate; it comes back with the state it had.
            let absent = network.nodes[3]
            try await absent.stop()
            try await Self.rotateCertificates(of: [0, 1, 2], network)
            let othersRotatedAt = try #require(await network.highestHeight([0, 1, 2]))
            try absent.start()
            _ = try await network.waitForAgreement(on: Self.all, atLeast: othersRotatedAt + 2, within: Self.progressTimeout)
            #expect(!absent.logLines(containing: "accepted a dialed peer provisionally").isEmpty, "\(absent.logTail(20))")
            try await Self.rotateCertificates(of: [3], network)
            // What a node knows from genesis no longer names any validator's certificate.
            let rotatedAt = try #require(await network.highestHeight(Self.all))

            // By replay from genesis: immd-1 loses its data.
            let replayed = 1
            let replayer = network.nodes[replayed]
            try await replayer.stop()
            try replayer.wipeData()
            try replayer.start()
            _ = try await network.waitForAgreement(on: Self.all, atLeast: rotatedAt + 2, within: Self.progressTimeout)
            try await eventually("\(replayer.name) recovers and votes again", within: Self.progressTimeout) {
                !replayer.logLines(containing: "recovered: voting again").isEmpty
            }
            #expect(!replayer.logLines(containing: "accepted a dialed peer provisionally").isEmpty, "\(replayer.logTail(20))")
            #expect(!replayer.logLines(containing: "provisional link confirmed").isEmpty, "\(replayer.logTail(20))")

            // By state sync: epd-1 loses its data and restores a snapshot.
            let synced = 2
            let syncer = network.nodes[synced]
            try await syncer.stop()
            try syncer.wipeData()
            let path = syncer.home + "/config.toml"
            try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "[node]\n", with: "[node]\nsync = \"snapshot\"\n")
                .write(toFile: path, atomically: true, encoding: .utf8)
            let before = try #require(await network.highestHeight([0, replayed, 3]))
            try syncer.start()
            let restored = try await eventually("\(syncer.name) restores a snapshot", within: Self.progressTimeout) { () -> UInt64? in
                syncer.logLines(containing: "restored the state after height").first.flatMap {
                    Self.number(after: "restored the state after height ", in: $0)
                }
            }
            let reached = try await network.waitForProgress(2, on: Self.all, within: Self.progressTimeout)
            #expect(reached > before)
            _ = try await network.agreedChain(from: restored, upTo: reached, on: Self.all)
            for node in network.nodes {
                #expect(node.logLines(containing: "node halted").isEmpty, "\(node.name) halted")
            }
        }
    }

    /// Renews the certificates of validators `indices` (`sbp node renew-certificate`), rotates each in by
    /// governance (`rotateValidator`, proposed by its department, passed by two more) and waits until each
    /// of them presents its renewed certificate.
    static func rotateCertificates(of indices: [Int], _ network: TestNetwork) async throws {
        let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[indices[0]].rpc.url.absoluteString)
        let accounts = network.directory + "/accounts/"
        let admins = TestNetwork.departments.map { $0.lowercased() + "-admin" }
        for index in indices {
            let entry = network.manifest.nodes[index]
            let department = TestNetwork.departments[index]
            let renewal = try await cli.run([
                "node", "renew-certificate", "--department", try departmentDirectory(network, department), "--home",
                network.directory + "/" + entry.directory, "--output", "json",
            ])
            try #require(renewal.status == 0, "\(renewal.summary)")
            let renewed = try #require(try JSONSerialization.jsonObject(with: Data(renewal.standardOutput.utf8)) as? [String: Any])
            let certificateFile = try #require(renewed["certificateFile"] as? String, "\(renewed)")
            let proposal = try await cli.json([
                "governance", "propose", "rotate-validator", "--name", entry.name, "--consensus-key", entry.consensusPublicKey,
                "--tls-certificate", certificateFile, "--key", accounts + admins[index] + ".key",
            ])
            let voters = [1, 2].map { admins[(index + $0) % admins.count] }
            try await vote(proposal, by: voters, accounts: accounts, cli: cli)
        }
        try await eventually("\(network.names(indices)) present their renewed certificates", within: progressTimeout) {
            indices.allSatisfy { !network.nodes[$0].logLines(containing: "moved to the renewed TLS certificate").isEmpty }
        }
    }
}
