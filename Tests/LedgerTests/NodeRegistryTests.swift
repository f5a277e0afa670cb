import ChainTypes
import Keys
import Ledger
import LedgerFixtures
import Testing

/// `node` transactions (`docs/ledger.md` §6.5): a department admin registers and removes its observers and
/// sets its nodes' endpoints without a vote; everything a hostile admin could sign is checked.
@Suite struct NodeRegistryTests {
    let chain: FixtureChain
    let ledger: Ledger

    init() throws {
        (chain, ledger) = try makeLedger()
    }

    func node(_ action: NodeAction, by department: String = "TD") -> Transaction {
        chain.transaction(from: chain.admins[department]!, kind: .node, payload: action.canonicalBytes)
    }

    func commit(_ actions: [(NodeAction, String)]) throws -> [Receipt] {
        try chain.commit(actions.map { node($0.0, by: $0.1) }, on: ledger).receipts
    }

    @Test func anAdminRegistersItsObserverAndSetsItsNodesEndpointsWithoutAVote() throws {
        let pem = try chain.nodeCertificatePEM(name: "td-observer", department: "TD")
        let receipts = try commit([
            (.registerObserver(name: "td-observer", tlsCertificate: pem, endpoints: ["10.0.0.9:26700"]), "TD"),
            (.setEndpoints(name: "td-1", endpoints: ["td-1.example.gov:26656", "[fd00::1]:26656"]), "TD"),
        ])
        #expect(receipts.map(\.status) == [.success, .success], "\(receipts.map(\.errorMessage))")
        #expect(receipts[0].events.map(\.topic) == ["NodeChanged"])
        let nodes = try ledger.view().nodes()
        #expect(
            nodes == [
                NodeRecord(name: "td-observer", department: "TD", role: .observer, tlsCertificate: pem, endpoints: ["10.0.0.9:26700"]),
                NodeRecord(name: "td-1", department: "TD", role: .validator, endpoints: ["td-1.example.gov:26656", "[fd00::1]:26656"]),
            ])
        let moved = try commit([(.setEndpoints(name: "td-observer", endpoints: ["10.0.0.10:26700"]), "TD")])
        #expect(moved.map(\.status) == [.success])
        #expect(try ledger.view().nodes().first?.endpoints == ["10.0.0.10:26700"])
        let removed = try commit([(.removeObserver(name: "td-observer"), "TD")])
        #expect(removed.map(\.status) == [.success])
        #expect(try ledger.view().nodes().map(\.name) == ["td-1"])
    }

    @Test func anAdminManagesOnlyItsOwnDepartmentsNodes() throws {
        let pem = try chain.nodeCertificatePEM(name: "td-observer", department: "TD")
        _ = try commit([(.registerObserver(name: "td-observer", tlsCertificate: pem, endpoints: []), "TD")])
        let receipts = try commit([
            (.setEndpoints(name: "td-1", endpoints: ["10.6.6.6:1"]), "IMMD"),
            (.setEndpoints(name: "td-observer", endpoints: ["10.6.6.6:1"]), "IMMD"),
            (.removeObserver(name: "td-observer"), "IMMD"),
            // A certificate of TD's CA registered by IMMD: its CA did not sign it.
            (.registerObserver(name: "immd-observer", tlsCertificate: pem, endpoints: []), "IMMD"),
        ])
        #expect(receipts.map(\.status) == [.reverted, .reverted, .reverted, .reverted])
        #expect(receipts[0].errorMessage == "node td-1 belongs to department TD")
        #expect(receipts[1].errorMessage == "node td-observer belongs to department TD")
        #expect(receipts[2].errorMessage == "node td-observer belongs to department TD")
        #expect(!receipts[3].errorMessage.isEmpty)
        #expect(try ledger.view().nodes().map(\.endpoints) == [[]])
    }

    @Test(arguments: [
        (["nohost"], "is not host:port"),
        ([":26656"], "has no host"),
        (["a:0"], "needs a port in 1…65535"),
        (["a:65536"], "needs a port in 1…65535"),
        (["a:+80"], "needs a port in 1…65535"),
        (["fd00::1:80"], "an IPv6 host is written in brackets"),
        (["bad host:80"], "a host has only letters"),
        (["a:1", "a:1"], "endpoints must be distinct"),
        ([String(repeating: "h", count: 300) + ":1"], "longer than"),
    ])
    func hostileEndpointsAreReverted(endpoints: [String], reason: String) throws {
        let receipts = try commit([(.setEndpoints(name: "td-1", endpoints: endpoints), "TD")])
        if endpoints.contains(where: { $0.utf8.count > Limits.endpointBytesMax }) {
            // Too long to decode: refused as a malformed payload, which spends no nonce.
            #expect(receipts.map(\.status) == [.rejected])
            chain.setNonce(0, for: chain.admins["TD"]!.address)
        } else {
            #expect(receipts.map(\.status) == [.reverted])
            #expect(receipts[0].errorMessage.contains(reason), "\(receipts[0].errorMessage)")
        }
        #expect(try ledger.view().nodes().isEmpty)
    }

    @Test func moreEndpointsThanTheLimitDoNotDecode() throws {
        let action = NodeAction.setEndpoints(name: "td-1", endpoints: (1...(Limits.nodeEndpointsMax + 1)).map { "a:\($0)" })
        #expect(throws: CanonicalDecodingError.self) { try NodeAction(canonicalBytes: action.canonicalBytes) }
        let admitted = ledger.check(node(action), context: .init())
        guard case .failure(.malformedPayload) = admitted else {
            Issue.record("expected malformedPayload, got \(admitted)")
            return
        }
    }

    @Test func namesAndCertificatesAreChecked() throws {
        let own = try chain.nodeCertificatePEM(name: "td-observer", department: "TD")
        let receipts = try commit([
            (.registerObserver(name: "td-1", tlsCertificate: own, endpoints: []), "TD"),  // a validator's name
            (.registerObserver(name: "td-other", tlsCertificate: own, endpoints: []), "TD"),  // CN is td-observer
            (.registerObserver(name: "td-observer", tlsCertificate: "not a certificate", endpoints: []), "TD"),
            (.registerObserver(name: "td-observer", tlsCertificate: own, endpoints: []), "TD"),
            (.registerObserver(name: "td-observer", tlsCertificate: own, endpoints: []), "TD"),  // twice
            (.setEndpoints(name: "nobody", endpoints: []), "TD"),
            (.removeObserver(name: "td-1"), "TD"),  // a validator is removed only by governance
        ])
        #expect(receipts.map(\.status) == [.reverted, .reverted, .reverted, .success, .reverted, .reverted, .reverted])
        #expect(receipts[0].errorMessage == "node name td-1 is already registered")
        #expect(receipts[4].errorMessage == "node name td-observer is already registered")
        #expect(receipts[5].errorMessage == "unknown node nobody: not a validator or an observer")
        #expect(receipts[6].errorMessage == "unknown observer td-1")
    }

    @Test func onlyAdminsSendNodeTransactions() throws {
        let issuer = chain.issuers["TD"]!
        let transaction = chain.transaction(
            from: issuer, kind: .node, payload: NodeAction.setEndpoints(name: "td-1", endpoints: ["a:1"]).canonicalBytes)
        guard case .failure(.roleNotAllowed(let kind, let required)) = ledger.check(transaction, context: .init()) else {
            Issue.record("an issuer's node transaction must be refused")
            return
        }
        #expect(kind == .node && required == [.admin])
    }

    @Test func aRemovedValidatorLeavesTheRegistryAndNoValidatorTakesAnObserversName() throws {
        let pem = try chain.nodeCertificatePEM(name: "td-observer", department: "TD")
        _ = try commit([
            (.setEndpoints(name: "immd-1", endpoints: ["10.0.0.2:26656"]), "IMMD"),
            (.registerObserver(name: "td-observer", tlsCertificate: pem, endpoints: []), "TD"),
        ])
        let admins = chain.departments.map { chain.admins[$0]! }
        let key = FixtureChain.key("validator/observer-name")
        let proposals = try chain.commit(
            [
                chain.governance(
                    .propose(change: .removeValidator(name: "immd-1"), activationHeight: 0, description: "out"), from: admins[0]),
                chain.governance(
                    .propose(
                        change: .addValidator(
                            name: "td-observer", department: "TD", consensusKey: key.publicKey.compressed, tlsCertificate: pem),
                        activationHeight: 0, description: "clash"), from: admins[0]),
            ], on: ledger)
        #expect(proposals.receipts.map(\.status) == [.success, .reverted])
        #expect(proposals.receipts[1].errorMessage.contains("node name td-observer is already registered to an observer"))
        let votes = try chain.commit(
            [1, 2].map { department in chain.governance(.vote(proposal: 1, approve: true), from: admins[department]) }, on: ledger)
        #expect(votes.receipts.map(\.status) == [.success, .success])
        // Roster changes activate two heights after passing.
        for _ in 0..<3 { try chain.commit([], on: ledger) }
        #expect(try ledger.view().proposal(1)?.status == .activated)
        #expect(try ledger.view().nodes().map(\.name) == ["td-observer"])
    }

    @Test func anAdminRotatesItsObserversCertificate() throws {
        let old = try chain.nodeCertificatePEM(name: "td-observer", department: "TD")
        let renewed = try chain.nodeCertificatePEM(name: "td-observer", department: "TD")
        let foreign = try chain.nodeCertificatePEM(name: "td-observer", department: "IMMD")
        _ = try commit([(.registerObserver(name: "td-observer", tlsCertificate: old, endpoints: []), "TD")])
        let receipts = try commit([
            (.rotateObserver(name: "td-observer", tlsCertificate: renewed), "IMMD"),
            (.rotateObserver(name: "td-observer", tlsCertificate: foreign), "TD"),
            (.rotateObserver(name: "td-observer", tlsCertificate: old), "TD"),
            (.rotateObserver(name: "td-1", tlsCertificate: renewed), "TD"),
            (.rotateObserver(name: "td-observer", tlsCertificate: renewed), "TD"),
        ])
        #expect(receipts.map(\.status) == [.reverted, .reverted, .reverted, .reverted, .success], "\(receipts.map(\.errorMessage))")
        #expect(receipts[0].errorMessage == "node td-observer belongs to department TD")
        #expect(receipts[2].errorMessage == "the certificate is the one registered")
        #expect(receipts[3].errorMessage == "unknown observer td-1")
        #expect(try ledger.view().nodes().first?.tlsCertificate == renewed)
    }
}
