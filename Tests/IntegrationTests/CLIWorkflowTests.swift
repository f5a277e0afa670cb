import ChainTypes
import Foundation
import Testing

/// The CLI workflows of issue 8 end to end: the built `sbp` binary, run as a user would, against a real
/// four-node network, then offline against the evidence file alone.
extension IntegrationTests {
    @Test(
        "sbp CLI: issue, verify, suspend, verify, export evidence, verify offline with the nodes stopped, and refuse a tampered file",
        .timeLimit(.minutes(3)))
    func cliLicenceWorkflow() async throws {
        try await withNetwork("cli") { network in
            try await Self.start(network)
            let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[0].rpc.url.absoluteString)
            let issuerKey = network.directory + "/accounts/td-issuer.key"
            let holder = ["--holder", "Alice Chan", "--salt", "kept-by-the-issuer"]

            let issued = try await cli.json(
                [
                    "licence", "issue", "--key", issuerKey, "--id", "CLI-1", "--type", "driving", "--valid-from", "0", "--valid-until",
                    "4000000000",
                ]
                    + holder)
            #expect(issued["status"] as? String == "success")
            let issueHash = try #require(issued["transactionHash"] as? String)

            let valid = try await cli.json(["licence", "verify", "--id", "CLI-1", "--at", "1700000000"] + holder)
            #expect((valid["decoded"] as? [String: Any])?["outcome"] as? String == "valid")
            let otherHolder = try await cli.json(
                ["licence", "verify", "--id", "CLI-1", "--at", "1700000000", "--holder", "Alice Chan", "--salt", "a wrong guess"])
            #expect((otherHolder["decoded"] as? [String: Any])?["outcome"] as? String == "holderMismatch")

            let lookedUp = try await cli.json(["tx", "get", issueHash])
            #expect(lookedUp["status"] as? String == "success")
            #expect((lookedUp["decodedPayload"] as? [String: Any])?["method"] as? String == "issue")
            #expect((lookedUp["receipt"] as? [String: Any])?["transactionHash"] as? String == issueHash)

            // Two --sign-only runs in a row sign consecutive nonces (issue 15); --nonce overrides; `tx send --file`
            // sends both in one batch and reports each receipt.
            let cliNonces = CLIProcess(executable: cli.executable, rpcURL: cli.rpcURL, nonceDirectory: network.root + "/nonces")
            func signIssue(_ id: String, extra: [String] = []) async throws -> (hex: String, nonce: UInt64) {
                let signed = try await cliNonces.json(
                    [
                        "licence", "issue", "--key", issuerKey, "--id", id, "--type", "driving", "--valid-from", "0", "--valid-until",
                        "4000000000",
                    ]
                        + holder + ["--sign-only"] + extra)
                let hex = try #require(signed["transaction"] as? String)
                return (hex, try Transaction(canonicalBytes: try #require(Hex.decode(hex))).body.nonce)
            }
            let second = try await signIssue("CLI-2")
            let third = try await signIssue("CLI-3")
            #expect(second.nonce == 1 && third.nonce == 2, "nonces \(second.nonce), \(third.nonce) after the committed nonce 0")
            #expect(try await signIssue("CLI-X", extra: ["--nonce", "77"]).nonce == 77)
            let file = network.root + "/signed.txt"
            try "# two licences\n\(second.hex)\n\n\(third.hex)\n".write(toFile: file, atomically: true, encoding: .utf8)
            let sent = try await cli.run(["tx", "send", "--file", file, "--wait", "--rpc", cli.rpcURL, "--output", "json"])
            try #require(sent.status == 0, "\(sent.summary)")
            let outcomes = try #require(try JSONSerialization.jsonObject(with: Data(sent.standardOutput.utf8)) as? [[String: Any]])
            #expect(outcomes.map { ($0["receipt"] as? [String: Any])?["status"] as? String } == ["success", "success"])
            #expect(outcomes.map { $0["line"] as? Int } == [2, 4])
            #expect(sent.standardError.contains("sent 2/2 transactions"))

            // Suspend through the raw path: sign without sending, then `sbp tx send --wait` submits the hex.
            let signed = try await cli.json(
                ["licence", "suspend", "--key", issuerKey, "--id", "CLI-1", "--reason", "unpaid fine", "--sign-only"])
            let signedHex = try #require(signed["transaction"] as? String)
            let suspended = try await cli.json(["tx", "send", signedHex, "--wait"])
            #expect(suspended["status"] as? String == "success")
            #expect(suspended["transactionHash"] as? String == signed["hash"] as? String)

            let nowSuspended = try await cli.json(["licence", "verify", "--id", "CLI-1", "--at", "1700000000"] + holder)
            #expect((nowSuspended["decoded"] as? [String: Any])?["outcome"] as? String == "suspended")

            let evidenceFile = network.root + "/CLI-1.evidence"
            let exported = try await cli.json(["evidence", "export", "--licence", "CLI-1", "--out", evidenceFile])
            #expect(exported["file"] as? String == evidenceFile)

            // Offline: no node is running any more; only the file and the genesis document are read.
            for node in network.nodes { try await node.kill() }
            let genesis = network.directory + "/genesis.json"
            let verified = try await cli.run(["verify", evidenceFile, "--genesis", genesis, "--output", "json"])
            try #require(verified.status == 0, "\(verified.summary)")
            let proof = try #require(try JSONSerialization.jsonObject(with: Data(verified.standardOutput.utf8)) as? [String: Any])
            #expect(proof["verified"] as? Bool == true)
            #expect(proof["chainId"] as? String == TestNetwork.chainId)
            #expect(proof["contractName"] as? String == "licence_registry")
            #expect((proof["signers"] as? Int ?? 0) >= 3 && proof["validators"] as? Int == 4)
            let record = try #require(proof["record"] as? [String: Any])
            #expect(record["id"] as? String == "CLI-1" && record["department"] as? String == "TD")
            #expect(record["status"] as? String == "suspended" && record["reason"] as? String == "unpaid fine")
            // The stored record ends with its issue time (ADR 0023), after the fields `get` returns.
            #expect(record["issuedTimeMs"] != nil && record["historyCount"] != nil)

            // The holder checked offline against the proven record's salted digest (issue 17).
            let holderChecked = try await cli.run(["verify", evidenceFile, "--genesis", genesis, "--output", "json"] + holder)
            let checked = try JSONSerialization.jsonObject(with: Data(holderChecked.standardOutput.utf8)) as? [String: Any]
            #expect(holderChecked.status == 0 && checked?["holderMatches"] as? Bool == true, "\(holderChecked.summary)")
            #expect(checked?["certifyingHeight"] as? Int == (proof["height"] as? Int).map { $0 + 1 })

            var bytes = try Data(contentsOf: URL(fileURLWithPath: evidenceFile))
            bytes[bytes.count / 2] ^= 0x01
            let tamperedFile = network.root + "/CLI-1.tampered"
            try bytes.write(to: URL(fileURLWithPath: tamperedFile))
            let refused = try await cli.run(["verify", tamperedFile, "--genesis", genesis, "--output", "json"])
            #expect(refused.status != 0, "\(refused.summary)")
            #expect(refused.standardError.contains("evidence does NOT verify"))
            let verdict = try JSONSerialization.jsonObject(with: Data(refused.standardOutput.utf8)) as? [String: Any]
            #expect(verdict?["verified"] as? Bool == false)
        }
    }

    @Test(
        "sbp CLI: account add and show; a governance proposal voted through by three departments; deploy, call and query a contract",
        .timeLimit(.minutes(3)))
    func cliAdministrationWorkflow() async throws {
        try await withNetwork("cli-admin") { network in
            try await Self.start(network)
            let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[1].rpc.url.absoluteString)
            func key(_ account: String) -> [String] { ["--key", network.directory + "/accounts/\(account).key"] }

            // A new account: added by TD's admin from its public key, then read back by address.
            let newKey = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            let added = try await cli.json(["account", "add", "--public-key", newKey, "--roles", "issuer,submitter"] + key("td-admin"))
            #expect(added["status"] as? String == "success")
            let byKey = try await cli.json(["account", "show", "--public-key", newKey])
            let address = try #require(byKey["address"] as? String)
            let shown = try await cli.json(["account", "show", address])
            #expect(shown["department"] as? String == "TD" && shown["roles"] as? [String] == ["issuer", "submitter"])
            #expect(shown["suspended"] as? Bool == false)

            // The chain forbids department deploys; three of four departments change that.
            let proposed = try await cli.json(
                [
                    "governance", "propose", "governance-params", "--departments-may-deploy", "true", "--description",
                    "let departments deploy",
                ]
                    + key("td-admin"))
            let id = try #require(proposed["proposalId"] as? Int)
            #expect(proposed["proposalStatus"] as? String == "open")
            let open = try await cli.json(["governance", "list", "--status", "open"])
            #expect((open["proposals"] as? [[String: Any]])?.contains { $0["id"] as? Int == id } == true)
            let second = try await cli.json(["governance", "vote", "\(id)", "--approve"] + key("immd-admin"))
            #expect(second["proposalStatus"] as? String == "open")
            let third = try await cli.json(["governance", "vote", "\(id)", "--approve"] + key("epd-admin"))
            #expect(third["proposalStatus"] as? String == "activated")
            let activated = try await cli.json(["governance", "list", "--status", "activated"])
            let proposal = try #require((activated["proposals"] as? [[String: Any]])?.first { $0["id"] as? Int == id })
            #expect(((proposal["change"] as? [String: Any])?["governance"] as? [String: Any])?["departmentsMayDeploy"] as? Bool == true)

            // A department contract: the licence registry's code under another name, with its interface file.
            let contracts = network.directory + "/contracts/"
            let interface = ["--interface", contracts + "licence_registry.interface.json"]
            let deployed = try await cli.json(
                ["contract", "deploy", "--wasm", contracts + "licence_registry.wasm", "--name", "td_permits"] + interface + key("td-admin"))
            #expect(deployed["status"] as? String == "success")
            let contract = try #require(deployed["contractAddress"] as? String)
            let holder = String(repeating: "ab", count: 32)
            let called = try await cli.json(
                ["contract", "call", contract, "issue", "P-1", "boat", holder, "0", "100", "none"] + interface + key("td-issuer"))
            #expect(called["status"] as? String == "success")
            let queried = try await cli.json(["contract", "query", contract, "get", "P-1"] + interface)
            let fields = try #require(queried["decoded"] as? [String: Any])
            #expect(fields["licenceType"] as? String == "boat" && fields["status"] as? String == "active")
            #expect(fields["holderDigest"] as? String == "0x" + holder)
        }
    }
}
