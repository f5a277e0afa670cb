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

    static let all: [GoldenCase] = [
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
            request: #"{"jsonrpc": "2.0", "method": "tx_getReceipt", "params": ["\#(Fixtures.receipt.receipt.transactionHash)"], "id": 1}"#
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
    ]

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
