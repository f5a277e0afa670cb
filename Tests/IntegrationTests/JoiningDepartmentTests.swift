import ChainTypes
import Foundation
import TestProcesses
import Testing

/// Issue 16, deliver 6 (first part): a department that joins a running network with the commands a real
/// one would use, and whose validator then carries the chain.
///
/// Four founding departments commit under client load. The Labour Department is made in a directory of its
/// own (standing in for its machine) with `sbp department init` and `sbp node init`, which read only the
/// network's public genesis; the founders vote it in with the two files it hands over (`add-department
/// --request`, then `add-validator --request` proposed by LD's own admin). `ld-1` starts from genesis,
/// catches up by state transfer and votes; then a founder is killed, and with n = 5 (quorum 4) every
/// later block needs ld-1's commit. No node is restarted.
///
/// ld-1 is given one bootstrap address: the founders' endpoints are chain state (genesis lists them), so
/// it dials every founder from its own copy of the chain; once LD's admin puts ld-1's endpoint on chain
/// (`sbp node set-endpoints`, no vote), every founder dials it too (issue 16, deliver 2).
extension IntegrationTests {
    @Test(
        "a department made on its own machine is voted in, its validator syncs from genesis and keeps the chain committing when a founder dies",
        .timeLimit(.minutes(6)))
    func joiningDepartmentCarriesTheChain() async throws {
        try await withNetwork("join") { network in
            try await Self.start(network)
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("immd-issuer")], targets: [0, 1, 2],
                label: "JOIN")
            load.start()
            do {
                try await Self.joinAndCarry(network, load: load)
            } catch {
                load.cancel()
                throw error
            }
        }
    }

    /// Issue 19, deliver 1: a validator that governance adds joins from a state snapshot made before its
    /// own activation, activates at its height all the same, then votes and proposes.
    ///
    /// The same scenario as `joiningDepartmentCarriesTheChain`, with two changes. The founders make a snapshot
    /// every `joinSnapshotInterval` blocks, and ld-1's addition is proposed to activate at height A two
    /// blocks after one of them (A − 2 ≡ 0): when ld-1 starts (at A, once the founders' TLS trust lists
    /// it), the latest snapshot offered is the one of A − 2, whose state has the new set announced but not
    /// in force. ld-1 restores it, executes A − 1 and A by state transfer, and must take its place in the
    /// set from A (Besu's snap-synced BFT validators never did). Then founders are stopped in turn (one down
    /// at a time: n = 5, quorum 4) until the view is ld-1's: it proposes, and every block needs its commit.
    @Test(
        "a validator voted in joins from a state snapshot made before its activation, activates, then votes and proposes while a founder is down",
        .timeLimit(.minutes(6)))
    func snapshotSyncedNewValidatorVotesAndProposes() async throws {
        try await withNetwork("join-snapshot") { network in
            for node in network.nodes {
                try node.editConfig([
                    "[storage]\n": "[storage]\nsnapshot_interval = \(Self.joinSnapshotInterval)\nsnapshots_kept = 2\n",
                    "[node]\n": "[node]\n" + Self.joinEmptyBlockInterval,
                ])
            }
            try await Self.start(network)
            // Started once ld-1 has restored: until then the chain moves at the empty-block pace, so the
            // snapshot before its activation is still the latest when it starts.
            let load = LoadGenerator(
                network: network, issuers: [network.account("td-issuer"), network.account("immd-issuer")], targets: [0, 1, 2],
                label: "JOINS")
            do {
                try await Self.joinAndCarry(network, load: load, bySnapshot: true)
            } catch {
                load.cancel()
                throw error
            }
        }
    }

    /// Blocks between the founders' state snapshots in `snapshotSyncedNewValidatorVotesAndProposes`: more than
    /// the chain moves while ld-1 starts, so the snapshot before its activation is still the latest then.
    static let joinSnapshotInterval: UInt64 = 40
    /// The empty-block pace of every validator in that test (all must use the same).
    static let joinEmptyBlockInterval = "empty_block_interval_ms = 500\n"

    /// The validator that is killed once ld-1 votes (dh-1; the load goes to the other three founders).
    static let killedFounder = 3

    /// LD joins and ld-1 carries the chain; `bySnapshot`: ld-1 starts with `node.sync = "snapshot"`, and its
    /// addition activates two blocks after a founders' snapshot (see `snapshotSyncedNewValidatorVotesAndProposes`).
    static func joinAndCarry(_ network: TestNetwork, load: LoadGenerator, bySnapshot: Bool = false) async throws {
        let machine = network.root + "/labour"
        let ldIndex = try await makeLabourDepartment(network, machine: machine)
        if bySnapshot { try network.node(ldIndex).editConfig(["[node]\n": "[node]\nsync = \"snapshot\"\n" + joinEmptyBlockInterval]) }
        let cli = CLIProcess(executable: network.sbp, rpcURL: network.nodes[0].rpc.url.absoluteString)
        // Every CLI step below runs under strace: none may touch another department's private keys.
        let audit = KeyFileAudit(cli: cli)
        let accounts = network.directory + "/accounts/"

        // Three of four departments add LD; then LD's admin and three founders (4 of 5) add its validator.
        let department = try await audit.json(
            [
                "governance", "propose", "add-department", "--request", machine + "/ld/join-request.json", "--key",
                accounts + "td-admin.key",
            ],
            by: "TD")
        try await vote(department, by: ["immd-admin", "epd-admin"], accounts: accounts, cli: cli)
        // By snapshot: activation two blocks after a snapshot height, far enough ahead for the votes.
        var requestedActivation: UInt64?
        if bySnapshot {
            let now = try #require(await network.highestHeight([0, 1, 2, 3]))
            let interval = joinSnapshotInterval
            requestedActivation = ((now + 16) / interval + 1) * interval + 2
        }
        let validator = try await audit.json(
            [
                "governance", "propose", "add-validator", "--request", machine + "/ld-1/registration.json", "--key",
                machine + "/ld/accounts/ld-admin.key",
            ] + (requestedActivation.map { ["--activation-height", "\($0)"] } ?? []), by: "LD")
        try await vote(validator, by: ["td-admin", "immd-admin", "epd-admin"], accounts: accounts, cli: cli)
        let activation = try await eventually("ld-1 is in the founders' validator set", within: progressTimeout) { () -> UInt64? in
            guard let set = try? await network.nodes[0].rpc.call("consensus_getValidators", []) as? [String: Any],
                let members = set["validators"] as? [[String: Any]], members.contains(where: { $0["name"] as? String == "ld-1" }),
                let firstHeight = set["firstHeight"] as? Int
            else { return nil }
            return UInt64(firstHeight)
        }

        if let requestedActivation {
            try #require(activation == requestedActivation, "ld-1 activated at \(activation), not at the requested \(requestedActivation)")
        }

        // ld-1 starts with what `sbp node init` wrote: genesis, its keys, and the founders' addresses.
        try network.node(ldIndex).start()
        let founders = [0, 1, 2, 3]
        // The first block ld-1 holds: 1, or the height of the snapshot it restored.
        var first: UInt64 = 1
        if bySnapshot {
            let ld = network.node(ldIndex)
            first = try await eventually("ld-1 restores a snapshot", within: progressTimeout) { () -> UInt64? in
                ld.logLines(containing: "restored the state after height").first.flatMap {
                    number(after: "restored the state after height ", in: $0)
                }
            }
            try #require(
                first == activation - 2,
                "ld-1 restored the state after \(first), not the snapshot of \(activation - 2), two blocks before its activation")
        }
        if bySnapshot { load.start() }
        let caughtUp = try #require(await network.highestHeight(founders))
        try await network.waitForHeight(caughtUp, on: [ldIndex], within: progressTimeout)
        _ = try await network.agreedChain(from: first, upTo: caughtUp, on: founders + [ldIndex])
        // Under load the founders keep committing, and a node at their height may fetch the next blocks by
        // state transfer for a moment: what matters is that it leaves it, not that one sample misses it.
        try await eventually("ld-1 leaves state transfer once caught up", within: progressTimeout) {
            await network.status(ldIndex).map { !$0.syncing } ?? false
        }
        #expect(caughtUp >= activation - 1, "the founders are at \(caughtUp) with ld-1 active from \(activation)")

        // LD's admin puts ld-1's endpoint on chain: every founder dials it from chain state, none restarts.
        let endpoint = "127.0.0.1:\(network.ports.p2pPort(ldIndex))"
        let endpoints = try await audit.json(
            ["node", "set-endpoints", "ld-1", "--endpoint", endpoint, "--key", machine + "/ld/accounts/ld-admin.key"], by: "LD")
        try #require(endpoints["status"] as? String == "success", "\(endpoints)")
        try await eventually("every founder dials ld-1 at the endpoint on chain", within: progressTimeout) {
            founders.allSatisfy { !network.nodes[$0].logLines(containing: "dialing a node listed on chain", "ld-1", endpoint).isEmpty }
        }
        let listed = try await cli.run(["nodes", "--rpc", cli.rpcURL, "--output", "json"])
        let nodes = try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]]
        #expect(
            nodes?.first { $0["name"] as? String == "ld-1" }?["endpoints"] as? [String] == [endpoint], "sbp nodes: \(listed.summary)")

        // With a founder dead, four of five remain: every block from here on is certified with ld-1's vote.
        // By snapshot, the founder left dead is the primary before ld-1's view, so that ld-1 proposes too.
        let killed = bySnapshot ? try await moveView(to: ldIndex, network: network, founders: founders) : killedFounder
        if !bySnapshot { try await network.nodes[killed].kill() }
        let survivors = founders.filter { $0 != killed } + [ldIndex]
        let killedAt = try #require(await network.highestHeight(survivors))
        let reached = try await network.waitForProgress(3, on: survivors, within: .seconds(120))
        for height in (killedAt + 2)...reached {
            let signers = try await commitSigners(of: height, on: network.node(survivors[0]))
            #expect(signers.contains(4), "block \(height) is certified by validators \(signers.sorted()), without ld-1 (index 4)")
            #expect(signers.count >= 4)
        }
        if bySnapshot {
            // Blocks of ld-1's view, proposed by none of the founders: ld-1 proposed them.
            let founderAddresses = try Set(founders.map { try validatorAddress(network, index: $0) })
            let chain = try await network.agreedChain(from: killedAt + 1, upTo: reached, on: survivors)
            let proposed = chain.filter { $0.view % 5 == UInt64(ldIndex) && !founderAddresses.contains($0.proposer.lowercased()) }
            #expect(!proposed.isEmpty, "no block from \(killedAt + 1) to \(reached) was proposed by ld-1: views \(chain.map(\.view))")
        }
        let accepted = try await load.stop()
        #expect(accepted.count > 0)
        // The founders alive hold the whole chain; ld-1 agrees with them from the snapshot it restored on.
        let whole = survivors.filter { $0 != ldIndex }
        let chain = try await requireCommittedOnce(
            accepted, network: network, receiptsFrom: whole[0], agreeing: bySnapshot ? whole : survivors)
        if bySnapshot, let top = chain.last?.height {
            try await network.waitForHeight(top, on: [ldIndex], within: progressTimeout)
            _ = try await network.agreedChain(from: first, upTo: top, on: survivors)
        }
    }

    /// Kills the primary of the current view (n = 5) while it is a founder, restarting the one killed before
    /// once the others have moved on, until the view is `target`'s: at most one founder is down at a time, so
    /// the four others keep the quorum. Returns the founder left down (if the view was `target`'s from the
    /// start, `killedFounder`, killed then).
    static func moveView(to target: Int, network: TestNetwork, founders: [Int]) async throws -> Int {
        var down: Int?
        for _ in 0...founders.count {
            let live = (founders + [target]).filter { $0 != down }
            let (view, _) = try await currentPrimary(network, among: live)
            let primary = Int(view % UInt64(founders.count + 1))
            if primary == target {
                if let down { return down }
                try await network.nodes[killedFounder].kill()
                return killedFounder
            }
            if let restarted = down {
                // Back before the next is killed: it must vote again so that four of five remain.
                try network.nodes[restarted].start()
                let height = try #require(await network.highestHeight(live))
                try await network.waitForHeight(height, on: [restarted], within: progressTimeout)
                try await eventually("\(network.nodes[restarted].name) is voting again", within: progressTimeout) {
                    await network.status(restarted).map { !$0.syncing } == true
                }
            }
            try await network.nodes[primary].kill()
            down = primary
            try await eventually("the view moves past \(view)", within: progressTimeout) {
                await network.statuses(founders.filter { $0 != primary } + [target])?.allSatisfy { $0.view > view } == true
            }
        }
        Issue.record("the view never reached \(network.node(target).name)'s")
        return down ?? killedFounder
    }

    /// Runs LD's side in `machine`: `sbp department init` and `sbp node init` for ld-1 with one founder's
    /// address to dial first; registers ld-1 with the network's processes (not started) and returns its index.
    static func makeLabourDepartment(_ network: TestNetwork, machine: String) async throws -> Int {
        try FileManager.default.createDirectory(atPath: machine + "/genesis", withIntermediateDirectories: true)
        // The network publishes its genesis with the contracts beside it; LD copies them to its machine.
        for item in [network.manifest.genesisFile, "contracts"] {
            try FileManager.default.copyItem(atPath: network.directory + "/" + item, toPath: machine + "/genesis/" + item)
        }
        _ = try await HelperExecutable.runOffPool(
            network.sbp,
            arguments: ["department", "init", "--id", "LD", "--name", "Labour Department", "--out", machine + "/ld", "--plaintext-keys"])
        let slot = 0
        let index = network.nodes.count + slot
        let bootstrap = "127.0.0.1:\(network.ports.p2pPort(0))"
        _ = try await HelperExecutable.runOffPool(
            network.sbp,
            arguments: [
                "node", "init", "--department", machine + "/ld", "--name", "ld-1", "--genesis",
                machine + "/genesis/" + network.manifest.genesisFile, "--endpoint", "127.0.0.1:\(network.ports.p2pPort(index))",
                "--bootstrap", bootstrap, "--rpc-port", "\(network.ports.rpcPort(index))", "--out", machine + "/ld-1", "--plaintext-keys",
            ])
        return network.addNode(named: "ld-1", home: machine + "/ld-1", slot: slot)
    }

    /// Votes yes on the proposal a `governance propose` reply names, by the given founders' admins (each vote
    /// audited: it touches only its own department's key); requires
    /// that the last vote passes it and waits until it is activated (department and validator changes
    /// apply two blocks after passing).
    static func vote(_ proposal: [String: Any], by admins: [String], accounts: String, cli: CLIProcess) async throws {
        try #require(proposal["status"] as? String == "success", "\(proposal)")
        let id = try #require(proposal["proposalId"] as? Int, "\(proposal)")
        var status = ""
        let audit = KeyFileAudit(cli: cli)
        for admin in admins {
            let department = String(admin.prefix { $0 != "-" }).uppercased()
            let vote = try await audit.json(
                ["governance", "vote", "\(id)", "--approve", "--key", accounts + admin + ".key"], by: department)
            try #require(vote["status"] as? String == "success", "\(vote)")
            status = vote["proposalStatus"] as? String ?? ""
        }
        #expect(status == "passed" || status == "activated", "proposal \(id) is \(status) after its votes")
        let client = RPCClient(url: try #require(URL(string: cli.rpcURL)))
        try await eventually("proposal \(id) is activated", within: progressTimeout) {
            guard let page = try? await client.call("governance_getProposals", []) as? [String: Any],
                let proposals = page["proposals"] as? [[String: Any]]
            else { return false }
            return proposals.contains { $0["id"] as? Int == id && $0["status"] as? String == "activated" }
        }
    }

    /// The validator indices whose commits certify block `height` (the certificate block `height + 1`
    /// carries), read from `node`.
    static func commitSigners(of height: UInt64, on node: NodeProcess) async throws -> Set<Int> {
        try await eventually("block \(height + 1) and its certificate of \(height) on \(node.name)", within: progressTimeout) {
            guard let next = try? await node.rpc.call("chain_getBlockByHeight", [height + 1, "hashes"]) as? [String: Any],
                let certificate = next["lastCommit"] as? [String: Any], certificate["height"] as? Int == Int(height),
                let votes = certificate["votes"] as? [[String: Any]]
            else { return nil }
            return Set(votes.compactMap { $0["validatorIndex"] as? Int })
        }
    }
}
