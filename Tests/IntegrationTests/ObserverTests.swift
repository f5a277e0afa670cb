import ChainTypes
import Foundation
import TestProcesses
import Testing

/// Issue 16, deliver 2, 3 and 6: an observer node registered by its own department (no vote) links to the
/// validators it finds on chain, follows the chain, serves the same JSON-RPC answers as the validators at
/// the same heights, forwards `tx_send`, never counts, changes nothing when killed, and leaves when its
/// department removes it; then a founding validator is removed by governance, the others drop its links
/// and later blocks are certified by the three that remain. No node is restarted except the observer,
/// which the test kills on purpose. Every CLI step runs under `KeyFileAudit`.
extension IntegrationTests {
    @Test(
        "an observer registered by its department serves the validators' answers, forwards transactions and never counts",
        .timeLimit(.minutes(4)))
    func observerServesTheValidatorsAnswers() async throws {
        try await withNetwork("observer") { network in
            try await Self.start(network)
            let observer = try await Self.makeObserver(network)
            let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[0].rpc.url.absoluteString)
            let audit = KeyFileAudit(cli: cli)
            let registered = try await audit.json(
                [
                    "node", "register-observer", "--registration", network.root + "/td-observer/registration.json", "--key",
                    network.directory + "/accounts/td-admin.key",
                ], by: "TD")
            try #require(registered["status"] as? String == "success", "\(registered)")
            try network.node(observer).start()
            // It starts from genesis and catches up from the validators it finds on chain (one bootstrap address).
            let founders = try #require(await network.highestHeight(Self.all))
            try await network.waitForHeight(founders, on: [observer], within: Self.startTimeout)

            // Licences issued through the validators, one through the observer (forwarded to the validators).
            var hashes: [Hash] = []
            for (index, id) in ["OBS-1", "OBS-2"].enumerated() {
                hashes.append(try await network.nodes[index].rpc.send(try network.licences.issue(id, by: network.account("td-issuer"))))
            }
            hashes.append(
                try await network.node(observer).rpc.send(try network.licences.issue("OBS-3", by: network.account("immd-issuer"))))
            for hash in hashes {
                let receipt = try await network.receipt(hash, on: 0, within: Self.progressTimeout)
                #expect(receipt.status == "success", "\(receipt)")
            }
            let status = try #require(try await network.node(observer).rpc.call("node_status", []) as? [String: Any])
            #expect(status["role"] as? String == "observer")
            let consensus = try #require(try await network.node(observer).rpc.call("consensus_getStatus", []) as? [String: Any])
            #expect(consensus["role"] as? String == "observer" && consensus["validatorIndex"] is NSNull, "\(consensus)")

            // The same heights give the same answers on the observer and on a validator.
            let height = try #require(await network.highestHeight([0]))
            try await network.waitForHeight(height, on: [observer], within: Self.progressTimeout)
            _ = try await network.agreedChain(upTo: height, on: [0, 1, observer])
            try await Self.requireSameAnswers(network, observer: observer, hashes: hashes, height: height - 1)

            // Validators never count it: the validator set is the four founders, and the chain commits without it.
            let validators = try #require(try await network.nodes[0].rpc.call("consensus_getValidators", []) as? [String: Any])
            #expect((validators["validators"] as? [Any])?.count == 4)

            // Killing it while it is registered changes nothing: the validators keep committing, four of them.
            try await network.node(observer).kill()
            let afterKill = try await network.waitForProgress(3, on: Self.all, within: Self.progressTimeout)
            let stillFour = try #require(try await network.nodes[0].rpc.call("consensus_getValidators", []) as? [String: Any])
            #expect((stillFour["validators"] as? [Any])?.count == 4)
            // Started again (it was killed on purpose), it catches up from the validators by itself.
            try network.node(observer).start()
            try await network.waitForHeight(afterKill, on: [observer], within: Self.progressTimeout)

            // Its department renews its certificate and registers it, no vote. The validators refuse the old
            // certificate from the block that registers the new one, which the observer has not fetched yet:
            // cut off, it presents the renewed certificate, fetches the block and moves to it.
            let home = network.root + "/td-observer"
            let (renewal, renewalStep) = try await audit.traced("TD") {
                try await $0.run(["node", "renew-certificate", "--department", try Self.departmentDirectory(network, "TD"), "--home", home])
            }
            try #require(renewal.status == 0, "\(renewal.summary)")
            #expect(renewalStep.foreign.isEmpty, "renew-certificate opened \(renewalStep.keyFiles)")
            let rotated = try await audit.json(
                [
                    "node", "rotate-observer", "td-observer", "--tls-certificate", home + "/tls-next.crt", "--key",
                    network.directory + "/accounts/td-admin.key",
                ], by: "TD")
            try #require(rotated["status"] as? String == "success", "\(rotated)")
            try await eventually("td-observer moves to its renewed certificate", within: Self.progressTimeout) {
                !network.node(observer).logLines(containing: "moved to the renewed TLS certificate").isEmpty
            }
            let afterRotation = try #require(await network.highestHeight(Self.all))
            try await network.waitForHeight(afterRotation, on: [observer], within: Self.progressTimeout)

            // Its department removes it: the validators close its links within a block; no one restarts.
            let removed = try await audit.json(
                ["node", "remove-observer", "td-observer", "--key", network.directory + "/accounts/td-admin.key"], by: "TD")
            try #require(removed["status"] as? String == "success", "\(removed)")
            try await eventually("the validators drop td-observer's links", within: Self.progressTimeout) {
                guard let status = await network.status(observer) else { return false }
                return status.peersConnected == 0
            }
            try await network.node(observer).kill()
            try await network.waitForProgress(2, on: Self.all, within: Self.progressTimeout)

            // A founding validator removed by governance: the others stop dialing it and drop its links.
            let accounts = network.directory + "/accounts/"
            let removal = try await audit.json(
                ["governance", "propose", "remove-validator", "--name", "dh-1", "--key", accounts + "td-admin.key"], by: "TD")
            try await Self.vote(removal, by: ["immd-admin", "epd-admin"], accounts: accounts, cli: cli)
            try await eventually("td-1, immd-1 and epd-1 drop their links to dh-1", within: Self.progressTimeout) {
                for index in [0, 1, 2] {
                    guard let peers = try? await network.nodes[index].rpc.call("node_peers", []) as? [[String: Any]],
                        !peers.contains(where: { $0["name"] as? String == "dh-1" })
                    else { return false }
                }
                return true
            }
            // dh-1 (still running) sees every link closed: no one accepts its certificate any more.
            try await eventually("dh-1 has no peer left", within: Self.progressTimeout) {
                await network.status(3)?.peersConnected == 0
            }
            // It no longer counts: the set is the other three, and later blocks are certified by a quorum of them.
            let remaining = try #require(try await network.nodes[0].rpc.call("consensus_getValidators", []) as? [String: Any])
            let names = (remaining["validators"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names?.sorted() == ["epd-1", "immd-1", "td-1"], "\(remaining)")
            let reached = try await network.waitForProgress(2, on: [0, 1, 2], within: Self.progressTimeout)
            let signers = try await Self.commitSigners(of: reached - 1, on: network.nodes[0])
            // Two of three is a quorum of the new set (with dh-1 counted it would be 2 of 4, not a certificate).
            #expect(
                signers.isSubset(of: [0, 1, 2]) && signers.count >= 2,
                "block \(reached - 1) is certified by validators \(signers.sorted()) of a set of three")
        }
    }

    /// `sbp node init --role observer` for `td-observer` from a TD department directory (its CA), with
    /// one bootstrap address; returns its index among the network's processes (not started).
    static func makeObserver(_ network: TestNetwork) async throws -> Int {
        let directory = try departmentDirectory(network, "TD")
        let slot = 0
        let index = network.nodes.count + slot
        // TD's own step: it reads TD's CA key and writes the observer's keys, and touches no other department's.
        let audit = KeyFileAudit(cli: CLIProcess(executable: network.sbp, rpcURL: network.nodes[0].rpc.url.absoluteString))
        let (result, step) = try await audit.traced("TD") {
            try await $0.run([
                "node", "init", "--department", directory, "--name", "td-observer", "--role", "observer", "--genesis",
                network.directory + "/" + network.manifest.genesisFile, "--endpoint", "127.0.0.1:\(network.ports.p2pPort(index))",
                "--bootstrap", "127.0.0.1:\(network.ports.p2pPort(0))", "--rpc-port", "\(network.ports.rpcPort(index))", "--out",
                network.root + "/td-observer", "--plaintext-keys",
            ])
        }
        try #require(result.status == 0, "\(result.summary)")
        #expect(step.keyFiles.contains(directory + "/ca.key") && step.foreign.isEmpty, "node init opened \(step.keyFiles)")
        return network.addNode(named: "td-observer", home: network.root + "/td-observer", slot: slot)
    }

    /// Founding department `id`'s directory as `sbp network init` wrote it: the layout `sbp department init`
    /// makes (`department.json`, `ca.crt`, `ca.key`), so the node commands take it as it is.
    static func departmentDirectory(_ network: TestNetwork, _ id: String) throws -> String {
        let directory = network.directory + "/departments/" + id
        try #require(
            FileManager.default.fileExists(atPath: directory + "/department.json"), "network init wrote no \(directory)/department.json")
        return directory
    }

    /// Receipts, licences and proofs at `height` read from the observer equal a validator's.
    static func requireSameAnswers(_ network: TestNetwork, observer: Int, hashes: [Hash], height: UInt64) async throws {
        let licenceRegistry = network.licences.address.description
        var requests: [(String, [Any])] = hashes.map { ("tx_getReceipt", ["0x" + $0.hex]) }
        for id in ["OBS-1", "OBS-2", "OBS-3"] {
            requests.append(("records_getLicence", [id]))
            requests.append(("state_getProof", [licenceRegistry, "0x" + Hex.encode(Array("L\(id)".utf8)), height]))
        }
        requests.append(("chain_getBlockByHeight", [height, "full"]))
        requests.append(("chain_getCommit", [height]))
        for (method, params) in requests {
            // A record is read at each node's latest height, which it reports: the validators may have
            // committed another (empty) block since the observer's last, so the heights are left out.
            let fromValidator = try withoutLatestHeight(withoutVotes(try await network.nodes[1].rpc.call(method, params)), method)
            let fromObserver = try withoutLatestHeight(withoutVotes(try await network.node(observer).rpc.call(method, params)), method)
            #expect(
                try canonicalJSON(fromValidator) == canonicalJSON(fromObserver), "\(method) \(params): the observer answers differently")
        }
    }

    /// `value` without the latest height a `records_*` answer reports; any other answer as it is.
    static func withoutLatestHeight(_ value: Any, _ method: String) -> Any {
        guard method.hasPrefix("records_"), var object = value as? [String: Any] else { return value }
        object["height"] = nil
        return object
    }

    /// `value` with each stored commit certificate's votes replaced by their count, after checking it is a
    /// quorum of the four founders (3): every node stores the 2f+1 commits it gathered (an observer, those of
    /// the validator it fetched the block from), so two honest nodes may hold different sets of votes for the
    /// same block; the block, height, view and the certificate's validity are what must agree.
    static func withoutVotes(_ value: Any) throws -> Any {
        guard var object = value as? [String: Any] else { return value }
        if let votes = object["votes"] as? [Any], object["blockHash"] != nil {
            #expect(votes.count >= 3, "a stored certificate carries \(votes.count) votes")
            object["votes"] = votes.count >= 3
        }
        for (key, member) in object where member is [String: Any] { object[key] = try withoutVotes(member) }
        return object
    }

    static func canonicalJSON(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }
}
