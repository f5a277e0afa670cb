import ChainTypes
import Foundation
import Keys
import LedgerFixtures
import Testing
import WAT

/// Issue 14, deliver 7: hostile input through the application over a real network. Hostile contracts
/// (a storage bomb, an event flood, unbounded nested queries), governance proposals with every consensus
/// parameter at 0, 1 and 2^64 − 1, and truncated certificates in membership proposals: after each batch
/// every node keeps committing the same blocks, and after all of them every node restarts and goes on.
///
/// One network for the whole batch keeps the run short; the ledger-level tests (`ExecutionBudgetTests`,
/// `GovernanceValidationTests`) cover the same inputs forced into a block by a faulty primary, and
/// `rpcFuzzing` covers hostile JSON-RPC clients.
extension IntegrationTests {
    @Test(
        "deliver 7: hostile contracts, extreme consensus parameters and truncated certificates: every node keeps committing the same blocks and restarts",
        .timeLimit(.minutes(6)))
    func hostileInput() async throws {
        try await withNetwork("hostile") { network in
            try network.allowDepartmentDeploys()
            try await Self.start(network)
            let genesisPath = network.directory + "/" + network.manifest.genesisFile
            let genesis = try Genesis.load(json: Array(try Data(contentsOf: URL(fileURLWithPath: genesisPath))))

            try await Self.runHostileContracts(network, consensus: genesis.consensus)
            try await Self.requireCommittingTogether(network)
            try await Self.proposeExtremeConsensusParameters(network, consensus: genesis.consensus)
            try await Self.requireCommittingTogether(network)
            try await Self.proposeTruncatedCertificates(network)
            try await Self.requireCommittingTogether(network)

            // Every node restarts on the state the batch left, and the network commits again.
            let before = try #require(await network.highestHeight(Self.all))
            for node in network.nodes { try await node.stop() }
            try network.startAll()
            try await network.waitForAgreement(on: Self.all, atLeast: before + 2, within: Self.startTimeout)
        }
    }

    // MARK: Batches

    /// Deploys the three hostile contracts and calls each once from every department's issuer with the
    /// most fuel a transaction may declare; every call gets a receipt and no block breaks its write budget.
    static func runHostileContracts(_ network: TestNetwork, consensus: Genesis.ConsensusParameters) async throws {
        let admin = network.account("td-admin")
        let valueBytes = 16 * 1024
        let contracts = [
            ("storage-bomb", HostileContracts.storageBomb(count: 1_024, valueBytes: valueBytes)),
            (
                "event-flood",
                HostileContracts.eventFlood(
                    count: ChainTypes.Limits.eventsPerReceiptMax / 4, dataBytes: ChainTypes.Limits.eventDataBytesMax)
            ),
            ("self-query", HostileContracts.selfQuery),
        ]
        var addresses: [Address] = []
        for (name, text) in contracts {
            let deploy = try admin.sign(
                kind: .deploy, payload: DeployPayload(name: name, code: try wat2wasm(text)).canonicalBytes,
                fuelLimit: consensus.transactionFuelMax)
            try await network.submit(deploy, to: all)
            let receipt = try await network.receipt(deploy.hash, on: 0, within: progressTimeout)
            try #require(receipt.status == "success", "deploying \(name): \(receipt.errorMessage ?? "")")
            addresses.append(Address.contract(deployer: admin.address, nonce: deploy.body.nonce))
        }
        let issuers = TestNetwork.departments.map { network.account("\($0.lowercased())-issuer") }
        var calls: [[Transaction]] = []
        for contract in addresses {
            var sent: [Transaction] = []
            for (index, issuer) in issuers.enumerated() {
                let call = try issuer.sign(
                    kind: .call, payload: CallPayload(contract: contract, input: []).canonicalBytes, fuelLimit: consensus.transactionFuelMax
                )
                try await network.submit(call, to: [index])
                sent.append(call)
            }
            calls.append(sent)
        }
        var receipts: [[ReceiptReply]] = []
        for sent in calls {
            var replies: [ReceiptReply] = []
            for call in sent { replies.append(try await network.receipt(call.hash, on: 0, within: progressTimeout)) }
            receipts.append(replies)
        }
        // 16 MiB of values per call, twice a block's budget: never kept.
        for receipt in receipts[0] {
            #expect(receipt.status != "success", "a storage bomb call succeeded at height \(receipt.height)")
        }
        // A quarter of a receipt's events at their largest size: a few fit a block, the rest wait or fail
        // for the block's budget, with a receipt either way.
        for receipt in receipts[1] where receipt.status != "success" {
            #expect(
                receipt.errorMessage?.contains("(blockWriteBytesMax \(consensus.blockWriteBytesMax))") == true,
                "\(receipt.errorMessage ?? receipt.status)")
        }
        #expect(receipts[1].contains { $0.status == "success" }, "no event flood call succeeded")
        // Nested queries stop at the depth limit, in a block and in a read-only call alike.
        let answer = try await network.nodes[1].rpc.call("contract_call", [addresses[2].description, "0x"])
        #expect((answer as? [String: Any])?["status"] != nil, "contract_call on the self-query contract: \(answer)")
    }

    /// Proposes every consensus parameter at 0, 1 and 2^64 − 1 (the others as in genesis): each proposal
    /// is refused at the door with `invalidProposal` exactly when its parameters are out of range, and
    /// admitted (an open proposal that no other department votes for) otherwise.
    static func proposeExtremeConsensusParameters(_ network: TestNetwork, consensus: Genesis.ConsensusParameters) async throws {
        let admin = network.account("immd-admin")
        var admitted: [Hash] = []
        for value in [UInt64(0), 1, .max] {
            for field in ConsensusField.allCases {
                var parameters = consensus
                field.set(&parameters, value)
                let proposal = try admin.governance(
                    .propose(change: .setConsensusParameters(parameters), activationHeight: 0, description: "\(field) = \(value)"))
                let inRange = (try? parameters.validate()) != nil
                if let refusal = try await offer(proposal, to: network) {
                    admin.takeBackLastNonce()
                    #expect(!inRange && refusal.reason == "invalidProposal", "\(field) = \(value): \(refusal)")
                } else {
                    #expect(inRange, "\(field) = \(value) was admitted")
                    admitted.append(proposal.hash)
                }
            }
        }
        for hash in admitted {
            let receipt = try await network.receipt(hash, on: 0, within: progressTimeout)
            #expect(receipt.status == "success", "\(hash): \(receipt.errorMessage ?? "")")
        }
    }

    /// Proposes a department whose CA certificate, and validators whose TLS certificate, is cut in half:
    /// each is refused at the door with `invalidProposal`.
    static func proposeTruncatedCertificates(_ network: TestNetwork) async throws {
        let admin = network.account("epd-admin")
        let nodeCertificate = try String(contentsOfFile: network.nodes[2].home + "/tls.crt", encoding: .utf8)
        let caFile = network.directory + "/" + network.manifest.departments[2].caCertificateFile
        let caCertificate = try String(contentsOfFile: caFile, encoding: .utf8)
        let key = PrivateKey().publicKey.compressed
        let changes: [ProposalChange] = [
            .addDepartment(id: "HOSTILE", name: "Hostile", adminKeys: [key], caCertificate: Self.truncated(caCertificate)),
            .addValidator(name: "hostile-node", department: "EPD", consensusKey: key, tlsCertificate: Self.truncated(nodeCertificate)),
            .rotateValidator(name: network.nodes[2].name, consensusKey: key, tlsCertificate: Self.truncated(nodeCertificate)),
        ]
        for change in changes {
            let proposal = try admin.governance(.propose(change: change, activationHeight: 0, description: change.kindName))
            let refusal = try await offer(proposal, to: network)
            admin.takeBackLastNonce()
            #expect(refusal?.reason == "invalidProposal", "\(change.kindName) with a truncated certificate: \(String(describing: refusal))")
        }
    }

    // MARK: Helpers

    /// Waits until every node has committed two more blocks and requires identical blocks up to there.
    static func requireCommittingTogether(_ network: TestNetwork) async throws {
        let height = try #require(await network.highestHeight(all))
        try await network.waitForAgreement(on: all, atLeast: height + 2, within: progressTimeout)
    }

    /// Sends `transaction` to node 0 until it answers for itself: nil when accepted, the refusal otherwise.
    /// A busy answer (−32007), a full pool, or a nonce the node has not caught up to is asked again.
    static func offer(_ transaction: Transaction, to network: TestNetwork) async throws -> RPCFailure? {
        try await eventually("an answer to \(transaction.hash)", within: progressTimeout) { () -> RPCFailure?? in
            do {
                try await network.nodes[0].rpc.send(transaction)
                return .some(nil)
            } catch let failure as RPCFailure {
                let retry = failure.code == -32007 || failure.reason == "nonceGap" || failure.reason == "mempoolFull"
                return retry ? nil : .some(failure)
            }
        }
    }

    static func truncated(_ pem: String) -> String { String(pem.prefix(pem.count / 2)) }
}
