import ChainTypes
import Foundation
import RPCServer
import Testing

/// One request against the fake backend and the response it must produce.
struct GoldenCase: Sendable, CustomTestStringConvertible {
    let name: String
    let request: String
    var setup: @Sendable (FakeBackend) async -> Void = { _ in }

    var testDescription: String { name }

    static let all: [GoldenCase] =
        [
            GoldenCase(name: "node_status", request: #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#),
            GoldenCase(
                name: "node_status-large-numbers", request: #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#,
                setup: { backend in
                    var status = Fixtures.status
                    status.latestHeight = RPCLimits.jsonSafeIntegerMax
                    status.view = RPCLimits.jsonSafeIntegerMax + 1
                    await backend.setStatus(status)
                }),
            GoldenCase(
                name: "chain_getBlockByHeight-none",
                request: #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [1, "none"], "id": 1}"#),
            GoldenCase(
                name: "chain_getBlockByHeight-hashes",
                request: #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": {"height": 2}, "id": 1}"#),
            GoldenCase(
                name: "chain_getBlockByHeight-full",
                request: #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [3, "full"], "id": 1}"#),
            GoldenCase(
                name: "chain_getBlockByHeight-unknown",
                request: #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [4], "id": 1}"#),
            GoldenCase(
                name: "chain_getBlockByHeight-pruned",
                request: #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [1], "id": 1}"#,
                setup: { await $0.setLowestRetainedHeight(2) }),
            GoldenCase(
                name: "tx_getReceipt",
                request:
                    #"{"jsonrpc": "2.0", "method": "tx_getReceipt", "params": ["\#(Fixtures.receipt.receipt.transactionHash)"], "id": 1}"#
            ),
            GoldenCase(
                name: "tx_getReceipt-unknown",
                request: #"{"jsonrpc": "2.0", "method": "tx_getReceipt", "params": {"hash": "\#(Fixtures.hash(0x99))"}, "id": 1}"#),
            GoldenCase(
                name: "tx_send",
                request: #"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(sendHex)"], "id": 1}"#),
            GoldenCase(
                name: "tx_send-rejected",
                request: #"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(sendHex)"], "id": 1}"#,
                setup: { await $0.setSubmissionOutcome(.rejected(.nonceTooLow(expected: 5, received: 7))) }),
            GoldenCase(name: "rpc.discover", request: #"{"jsonrpc": "2.0", "method": "rpc.discover", "id": 1}"#),
        ] + explorer

    /// The explorer methods: one case per method, then the invalid-parameter and error cases.
    static let explorer: [GoldenCase] = [
        call("node_peers"),
        call("node_health"),
        call("chain_getLatestHeight"),
        call("chain_getBlockByHash", #"["\#(Fixtures.block(height: 2).hash)", "none"]"#),
        call("chain_getBlockByHash", #"{"hash": "\#(Fixtures.hash(0x77))"}"#, name: "chain_getBlockByHash-unknown"),
        call("chain_getHeaders", "[1, 3]"),
        call("chain_getHeaders", #"{"from": 2, "to": 50}"#, name: "chain_getHeaders-cut-to-latest"),
        call("chain_getHeaders", "[1, 101]", name: "chain_getHeaders-too-many"),
        call("chain_getHeaders", "[3, 1]", name: "chain_getHeaders-inverted"),
        call("chain_getHeaders", "[4, 5]", name: "chain_getHeaders-unknown"),
        call("chain_getCommit", "[2]"),
        call("chain_getCommit", "[9]", name: "chain_getCommit-unknown"),
        call("chain_getGenesis"),
        call("tx_sendAndWait", #"["\#(sendHex)", 1000]"#, setup: { await $0.setCommitAfterPolls(0) }),
        call("tx_sendAndWait", #"{"transaction": "\#(sendHex)", "timeoutMs": 0}"#, name: "tx_sendAndWait-timeout"),
        call("tx_sendAndWait", #"["\#(sendHex)", 30001]"#, name: "tx_sendAndWait-timeout-too-long"),
        call(
            "tx_sendAndWait", #"["\#(sendHex)"]"#, name: "tx_sendAndWait-rejected",
            setup: { await $0.setSubmissionOutcome(.rejected(.mempoolFull(limit: 10_000))) }),
        call("tx_getByHash", #"["\#(Fixtures.block(height: 2).transactions[1].hash)"]"#),
        call("tx_getByHash", #"["\#(Fixtures.hash(0x99))"]"#, name: "tx_getByHash-unknown"),
        call("tx_search", #"[{"sender": "\#(Fixtures.address(0xa1))", "fromHeight": 2}, null, 2]"#),
        call("tx_search", #"{"filter": {"status": "reverted"}}"#, name: "tx_search-status"),
        call("tx_search", #"[{"sendr": "\#(Fixtures.address(0xa1))"}]"#, name: "tx_search-unknown-member"),
        call("tx_search", #"[{"fromHeight": 3, "toHeight": 2}]"#, name: "tx_search-inverted-range"),
        call("tx_search", #"[{}, "0xdeadbeef"]"#, name: "tx_search-bad-cursor"),
        call(
            "tx_search", #"[{}, "\#(EventCursor(height: 1, transactionIndex: 0, eventIndex: 0).encoded)"]"#, name: "tx_search-event-cursor"),
        call("tx_search", #"{"limit": 101}"#, name: "tx_search-limit-too-large"),
        call("tx_search", #"{"limit": 0}"#, name: "tx_search-limit-zero"),
        call("events_query", #"[{"contracts": ["\#(Fixtures.contract)"]}, null, 2]"#),
        call(
            "events_query", #"{"filter": {"topics": ["CertificateIssued", "CertificateRevoked"], "toHeight": 2}}"#,
            name: "events_query-topics"),
        call("events_query", #"[{"contracts": [\#(seventeenContracts)]}]"#, name: "events_query-too-many-contracts"),
        call("events_query", #"[{"contracts": ["0x12"]}]"#, name: "events_query-bad-contract"),
        call("state_get", #"["\#(Fixtures.contract)", "0x6b6579"]"#),
        call("state_get", #"{"contract": "\#(Fixtures.contract)", "key": "0x6f74686572", "height": 1}"#, name: "state_get-absent"),
        call("state_get", #"["\#(Fixtures.contract)", "0x6b6579", 9]"#, name: "state_get-unknown-height"),
        call("state_get", #"["\#(Fixtures.contract)", "0x\#(String(repeating: "00", count: 257))"]"#, name: "state_get-key-too-long"),
        call("state_getProof", #"["\#(Fixtures.contract)", "0x6b6579"]"#),
        call("state_getProof", #"["\#(Fixtures.contract)", "0x6b6579", 3]"#, name: "state_getProof-not-yet-certified"),
        call("state_getEvidence", #"["\#(Fixtures.contract)", "0x6b6579"]"#),
        call("state_getEvidence", #"["\#(Fixtures.contract)", "0x6b6579", 3]"#, name: "state_getEvidence-not-yet-certified"),
        call("contract_call", #"["\#(Fixtures.contract)", "0x0102"]"#, name: "contract_call-raw"),
        call("contract_call", #"["\#(Fixtures.contract)", {"method": "get", "args": ["L-1"]}, 2]"#, name: "contract_call-method"),
        call("contract_call", #"["\#(Fixtures.contract)", {"method": "steal", "args": [1, true]}]"#, name: "contract_call-unknown-method"),
        call("contract_call", #"["\#(Fixtures.contract)", 42]"#, name: "contract_call-bad-input"),
        call("contract_call", #"["\#(Fixtures.contract)", {"method": "get", "args": [-1]}]"#, name: "contract_call-bad-argument"),
        call("contract_call", #"["\#(Fixtures.address(0xee))", "0x"]"#, name: "contract_call-unknown-contract"),
        call("contract_getInfo", #"["\#(Fixtures.contract)"]"#),
        call("contract_getInfo", #"["\#(Fixtures.address(0xee))"]"#, name: "contract_getInfo-unknown"),
        call("records_getLicence", #"["L-1"]"#),
        call("records_getLicence", #"{"id": "L-404"}"#, name: "records_getLicence-unknown"),
        call("records_getCertificate", #"["C-1"]"#, name: "records_getCertificate-unknown"),
        call("records_getCertificate", #"[7]"#, name: "records_getCertificate-bad-id"),
        call("consensus_getValidators"),
        call("consensus_getValidators", "[9]", name: "consensus_getValidators-future"),
        call("consensus_getStatus"),
        call("consensus_getParams"),
        call("membership_getDepartments"),
        call("membership_getAccount", #"["\#(Fixtures.address(0xa1))"]"#),
        call("membership_getAccount", #"["\#(Fixtures.address(0xa9))"]"#, name: "membership_getAccount-unknown"),
        call("membership_getAccount", #"["0xa1"]"#, name: "membership_getAccount-bad-address"),
        call("membership_listAccounts", #"{"department": "TD", "limit": 2}"#),
        call(
            "membership_listAccounts", #"{"department": "TD", "cursor": "05a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2"}"#,
            name: "membership_listAccounts-next"),
        call("membership_listAccounts", #"["XX"]"#, name: "membership_listAccounts-unknown"),
        call("membership_listAccounts", #"{"department": "TD", "cursor": "03a2"}"#, name: "membership_listAccounts-bad-cursor"),
        call("governance_getProposals", #"{"limit": 2}"#),
        call("governance_getProposals", #"["open"]"#, name: "governance_getProposals-open"),
        call("governance_getProposals", #"["closed"]"#, name: "governance_getProposals-bad-status"),
    ]

    /// A case calling `method` with `params` (JSON text; none when nil), named after the method unless `name` is given.
    static func call(
        _ method: String, _ params: String? = nil, name: String? = nil, setup: @escaping @Sendable (FakeBackend) async -> Void = { _ in }
    ) -> GoldenCase {
        let members = params.map { #", "params": \#($0)"# } ?? ""
        return GoldenCase(name: name ?? method, request: #"{"jsonrpc": "2.0", "method": "\#(method)"\#(members), "id": 1}"#, setup: setup)
    }

    static let seventeenContracts = (0..<17).map { #""\#(Fixtures.address(UInt8($0)))""# }.joined(separator: ", ")

    static let sendHex = "0x" + Hex.encode(Fixtures.transaction(nonce: 7).canonicalBytes)
}

/// Golden responses (`testdata/NAME.json`): each method's request and the exact response, compared as
/// parsed JSON. Run with `SBP_UPDATE_GOLDEN=1` to rewrite them after an intended change, and review the
/// diff like code: these files are the API's wire format.
@Suite("Golden responses")
struct GoldenResponseTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")
    static var updating: Bool { ProcessInfo.processInfo.environment["SBP_UPDATE_GOLDEN"] == "1" }

    /// Runs a case against a fresh fake backend.
    static func run(_ golden: GoldenCase) async throws -> JSONValue {
        let harness = EngineHarness()
        await golden.setup(harness.backend)
        return try #require(try await harness.send(golden.request))
    }

    @Test("response matches the golden file", arguments: GoldenCase.all)
    func matchesGolden(golden: GoldenCase) async throws {
        let response = try await Self.run(golden)
        let url = Self.directory.appendingPathComponent(golden.name + ".json")
        let expected: JSONValue = .object(["request": json(golden.request), "response": response])
        if Self.updating {
            try expected.formatted().write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let stored = try JSONParser.parse(Array(try Data(contentsOf: url)))
        #expect(stored["request"] == json(golden.request), "\(golden.name).json: stale request; rerun with SBP_UPDATE_GOLDEN=1")
        if let difference = firstDifference(stored["response"] ?? .null, response) {
            Issue.record("\(golden.name).json: \(difference); rerun with SBP_UPDATE_GOLDEN=1 if intended")
        }
    }

    /// The OpenRPC document must describe what the server actually sends.
    @Test("results match the method's result schema; errors are declared", arguments: GoldenCase.all)
    func matchesSchema(golden: GoldenCase) async throws {
        let response = try await Self.run(golden)
        let document = RPCMethodRegistry.standard.openRPCDocument()
        let validator = SchemaValidator(document: document)
        let methodName = try #require(json(golden.request)["method"])
        let method = try #require(document["methods"]?.elements?.first { $0["name"] == methodName })
        if let result = response["result"] {
            let schema = try #require(method["result"]?["schema"])
            let problems = validator.problems(result, against: schema, at: "result")
            #expect(problems.isEmpty, "\(golden.name): \(problems.joined(separator: "; "))")
        } else {
            let code = try #require(response.errorCode)
            let declared = (method["errors"]?.elements ?? []).compactMap { validator.resolve($0)["code"] }
            #expect(declared.contains(.number(code)), "\(golden.name): error \(code) is not in the method's errors")
        }
    }
}
