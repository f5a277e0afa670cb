import ChainTypes
import RPCServer
import Testing

/// Every rule of JSON-RPC 2.0 (https://www.jsonrpc.org/specification) the engine implements, one test or
/// table row per sentence, with the specification's own examples where it gives them.
@Suite("JSON-RPC 2.0 engine")
struct JSONRPCSpecificationTests {
    /// §5.1: invalid JSON is −32700 with a null id, whatever the text looked like.
    @Test(
        "parse error: -32700 with id null",
        arguments: [
            #"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#,
            #"[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method""#,
            "",
            "   ",
            #"{"jsonrpc": "2.0", "method": "node_status", "id": 1} trailing"#,
            #"{"jsonrpc": "2.0", "method": "node_status", "id": 1, "id": 2}"#,
            #"{"jsonrpc": "2.0", "method": "node_status", "id": 01}"#,
            "\u{FEFF}{}",
        ])
    func parseError(body: String) async throws {
        let response = try #require(try await EngineHarness().send(body))
        #expect(response.errorCode == -32700)
        #expect(response["id"] == .null)
        #expect(response["jsonrpc"] == .string("2.0"))
        #expect(response["result"] == nil)
    }

    @Test("parse error: bytes that are not UTF-8")
    func invalidUTF8() async throws {
        let body: [UInt8] = Array(#"{"jsonrpc": "2.0", "method": ""#.utf8) + [0xff, 0xfe] + Array(#"", "id": 1}"#.utf8)
        let response = try #require(try await EngineHarness().send(bytes: body))
        #expect(response.errorCode == -32700)
        #expect(response["id"] == .null)
    }

    /// §4 and §5: a request that is valid JSON but not a valid Request object is −32600; the id is echoed
    /// only when the id itself is valid.
    @Test(
        "invalid request: -32600",
        arguments: [
            (#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#, JSONValue.null),
            (#"{"jsonrpc": "1.0", "method": "node_status", "id": 7}"#, .number(7)),
            (#"{"jsonrpc": 2.0, "method": "node_status", "id": 7}"#, .number(7)),
            (#"{"method": "node_status", "id": "a"}"#, .string("a")),
            (#"{"jsonrpc": "2.0", "id": 7}"#, .number(7)),
            (#"{"jsonrpc": "2.0", "method": "node_status", "params": "x", "id": 7}"#, .number(7)),
            (#"{"jsonrpc": "2.0", "method": "node_status", "params": 3, "id": 7}"#, .number(7)),
            (#"{"jsonrpc": "2.0", "method": "node_status", "id": {"a": 1}}"#, .null),
            (#"{"jsonrpc": "2.0", "method": "node_status", "id": [1]}"#, .null),
            (#"{"jsonrpc": "2.0", "method": "node_status", "id": true}"#, .null),
            ("1", .null),
            (#""node_status""#, .null),
            ("null", .null),
            ("[]", .null),
        ])
    func invalidRequest(body: String, id: JSONValue) async throws {
        let response = try #require(try await EngineHarness().send(body))
        #expect(response.errorCode == -32600, "\(body)")
        #expect(response["id"] == id, "\(body)")
    }

    @Test("an empty batch is a single error, not an array")
    func emptyBatch() async throws {
        let response = try #require(try await EngineHarness().send("[]"))
        #expect(response.elements == nil)
        #expect(response == json(#"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request: empty batch"}, "id": null}"#))
    }

    @Test("a batch of invalid members gets one error per member")
    func invalidBatchMembers() async throws {
        let single = try #require(try await EngineHarness().send("[1]")?.elements)
        #expect(single.map(\.errorCode) == [-32600])
        let three = try #require(try await EngineHarness().send("[1,2,3]")?.elements)
        #expect(three.map(\.errorCode) == [-32600, -32600, -32600])
        #expect(three.allSatisfy { $0["id"] == .null })
    }

    @Test("method not found: -32601 with the request's id")
    func methodNotFound() async throws {
        let response = try #require(try await EngineHarness().send(#"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#))
        #expect(response == json(#"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found: foobar"}, "id": "1"}"#))
        let long = String(repeating: "m", count: RPCLimits.methodNameBytesMax + 1)
        let longResponse = try #require(try await EngineHarness().send(#"{"jsonrpc": "2.0", "method": "\#(long)", "id": 2}"#))
        #expect(longResponse == json(#"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": 2}"#))
    }

    @Test(
        "invalid params: -32602",
        arguments: [
            #"{"height": 1, "colour": "red"}"#,
            #"[1, "hashes", 3]"#,
            #"{}"#,
            #"[]"#,
            #"[-1]"#,
            #"[1.5]"#,
            #"[1e3]"#,
            #"["12a"]"#,
            #"["012"]"#,
            #"["18446744073709551616"]"#,
            #"[18446744073709551616]"#,
            #"[true]"#,
            #"[1, "everything"]"#,
            #"{"height": 1, "txs": 2}"#,
            #"[null]"#,
        ])
    func invalidParams(params: String) async throws {
        let body = #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": \#(params), "id": 9}"#
        let response = try #require(try await EngineHarness().send(body))
        #expect(response.errorCode == -32602, "\(params)")
        #expect(response["id"] == .number(9))
    }

    @Test(
        "invalid params: hashes and hex",
        arguments: [
            ("tx_getReceipt", #"["0x1234"]"#),
            ("tx_getReceipt", #"["\#(String(repeating: "ab", count: 32))"]"#),
            ("tx_getReceipt", #"["0x\#(String(repeating: "zz", count: 32))"]"#),
            ("tx_getReceipt", #"[42]"#),
            ("tx_send", #"["0xabc"]"#),
            ("tx_send", #"["cafe"]"#),
            ("tx_send", #"["0xcafe"]"#),
            ("tx_send", #"{"tx": "0xcafe"}"#),
        ])
    func invalidHexParams(method: String, params: String) async throws {
        let body = #"{"jsonrpc": "2.0", "method": "\#(method)", "params": \#(params), "id": 1}"#
        let response = try #require(try await EngineHarness().send(body))
        #expect(response.errorCode == -32602, "\(method) \(params)")
    }

    @Test("positional and named params are equivalent; null and absence take the default")
    func paramStructures() async throws {
        let harness = EngineHarness()
        var results: [JSONValue] = []
        for params in [#"[2, "full"]"#, #"{"txs": "full", "height": 2}"#, #"["2", "full"]"#, #"{"height": "2", "txs": "full"}"#] {
            let body = #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": \#(params), "id": 1}"#
            results.append(try #require(try await harness.send(body)))
        }
        #expect(results.allSatisfy { $0 == results[0] && $0["result"] != nil })
        var defaults: [JSONValue] = []
        for params in [#"[2]"#, #"[2, null]"#, #"{"height": 2}"#, #"{"height": 2, "txs": null}"#, #"[2, "hashes"]"#] {
            let body = #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": \#(params), "id": 1}"#
            defaults.append(try #require(try await harness.send(body)))
        }
        #expect(defaults.allSatisfy { $0 == defaults[0] && $0["result"]?["transactions"]?.elements?.count == 2 })
    }

    @Test("a method without params accepts an absent, empty array or empty object params member")
    func emptyParams() async throws {
        let harness = EngineHarness()
        for params in ["", #", "params": []"#, #", "params": {}"#] {
            let response = try #require(try await harness.send(#"{"jsonrpc": "2.0", "method": "node_status"\#(params), "id": 1}"#))
            #expect(response["result"]?["nodeId"] == .string("td-node-1"), "\(params)")
        }
        let extra = try #require(try await harness.send(#"{"jsonrpc": "2.0", "method": "node_status", "params": [1], "id": 1}"#))
        #expect(extra.errorCode == -32602)
    }

    @Test("internal error: a backend failure is -32603 and its detail stays on the server")
    func internalError() async throws {
        let harness = EngineHarness()
        await harness.backend.setFailure("disk on fire at /var/lib/sbp")
        let response = try #require(try await harness.send(#"{"jsonrpc": "2.0", "method": "node_status", "id": 5}"#))
        #expect(response == json(#"{"jsonrpc": "2.0", "error": {"code": -32603, "message": "Internal error"}, "id": 5}"#))
    }

    @Test("ids are echoed exactly: strings, null, and numbers with their literal text")
    func idEcho() async throws {
        let harness = EngineHarness()
        for id in [#""abc""#, "null", "0", "-3", "1.50", "12345678901234567890123", #""""#] {
            let response = try #require(try await harness.send(#"{"jsonrpc": "2.0", "method": "node_status", "id": \#(id)}"#))
            #expect(response["id"] == json(id))
            let serialized = String(decoding: response.serialized(), as: UTF8.self)
            #expect(serialized.hasSuffix(#""id":\#(id)}"#), "\(serialized)")
        }
    }

    /// §4.1: a notification is not answered, even when it fails.
    @Test(
        "notifications get no response",
        arguments: [
            #"{"jsonrpc": "2.0", "method": "node_status"}"#,
            #"{"jsonrpc": "2.0", "method": "foobar"}"#,
            #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": ["x"]}"#,
            #"{"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [99]}"#,
            #"[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]"#,
        ])
    func notifications(body: String) async throws {
        #expect(try await EngineHarness().send(body) == nil)
    }

    @Test("a notification still runs: tx_send as a notification submits")
    func notificationRuns() async throws {
        let harness = EngineHarness()
        let hex = "0x" + Hex.encode(Fixtures.transaction(nonce: 1).canonicalBytes)
        #expect(try await harness.send(#"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex)"]}"#) == nil)
        #expect(await harness.backend.submitted == [Fixtures.transaction(nonce: 1)])
    }

    @Test("an id of null is a request, not a notification")
    func nullIDIsAnswered() async throws {
        let response = try #require(try await EngineHarness().send(#"{"jsonrpc": "2.0", "method": "node_status", "id": null}"#))
        #expect(response["id"] == .null)
        #expect(response["result"] != nil)
    }

    /// §6's "rpc call Batch" example, with this API's methods: answers in order, none for notifications.
    @Test("a mixed batch answers every request but the notifications")
    func mixedBatch() async throws {
        let body = """
            [
              {"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": [1, "none"], "id": "1"},
              {"jsonrpc": "2.0", "method": "node_status"},
              {"jsonrpc": "2.0", "method": "chain_getBlockByHeight", "params": {"height": 99}, "id": "2"},
              {"foo": "boo"},
              {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
              {"jsonrpc": "2.0", "method": "node_status", "id": "9"}
            ]
            """
        let responses = try #require(try await EngineHarness().send(body)?.elements)
        #expect(responses.map { $0["id"] } == [.string("1"), .string("2"), .null, .string("5"), .string("9")])
        #expect(responses.map(\.errorCode) == [nil, -32002, -32600, -32601, nil])
        #expect(responses[0]["result"]?["transactionCount"] == .number(2))
    }

    /// Issue 18: consecutive `tx_send` calls of a batch reach the backend as one submission job, and are
    /// answered exactly as the same calls one by one.
    @Test("a run of tx_send calls is admitted in one backend job and answered like single calls")
    func submissionRun() async throws {
        let transactions = (1...4).map { Fixtures.transaction(nonce: UInt64($0)) }
        let hex = transactions.map { "0x" + Hex.encode($0.canonicalBytes) }
        let body = """
            [
              {"jsonrpc": "2.0", "method": "tx_send", "params": ["\(hex[0])"], "id": 1},
              {"jsonrpc": "2.0", "method": "tx_send", "params": ["0xcafe"], "id": 2},
              {"jsonrpc": "2.0", "method": "tx_send", "params": ["\(hex[1])"]},
              {"jsonrpc": "2.0", "method": "tx_send", "params": {"transaction": "\(hex[2])"}, "id": 3},
              {"jsonrpc": "2.0", "method": "node_status", "id": 4},
              {"jsonrpc": "2.0", "method": "tx_send", "params": ["\(hex[3])"], "id": 5}
            ]
            """
        let harness = EngineHarness()
        let responses = try #require(try await harness.send(body)?.elements)
        #expect(responses.map { $0["id"] } == (1...5).map { JSONValue.number($0) })
        #expect(responses.map(\.errorCode) == [nil, -32602, nil, nil, nil])
        #expect(responses[0]["result"] == .string("\(transactions[0].hash)"))
        #expect(responses[2]["result"] == .string("\(transactions[2].hash)"))
        #expect(responses[4]["result"] == .string("\(transactions[3].hash)"))
        #expect(await harness.backend.submitted == transactions)
        // The first three transactions (the notification's among them) in one job; the last, alone, by itself.
        #expect(await harness.backend.submissionBatches == [Array(transactions[0..<3])])

        // A refused submission in a run is the same -32000 a single call gets.
        let refusing = EngineHarness()
        await refusing.backend.setSubmissionOutcome(.rejected(.nonceTooLow(expected: 5, received: 7)))
        let single = try #require(
            try await refusing.send(#"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex[0])"], "id": 1}"#))
        let run = try #require(
            try await refusing.send(
                #"[{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex[0])"], "id": 1}, "#
                    + #"{"jsonrpc": "2.0", "method": "tx_send", "params": ["\#(hex[1])"], "id": 2}]"#)?.elements)
        #expect(single.errorCode == -32000)
        #expect(run.first == single)
        #expect(run.last?.errorCode == -32000)
        #expect(await refusing.backend.submissionBatches.count == 1)
    }

    @Test("a batch up to the limit is served; one over the limit is a single -32004")
    func batchLimit() async throws {
        let harness = EngineHarness(batchRequestsMax: 3)
        let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#
        let atLimit = try #require(try await harness.send("[" + Array(repeating: request, count: 3).joined(separator: ",") + "]"))
        #expect(atLimit.elements?.count == 3)
        let overLimit = try #require(try await harness.send("[" + Array(repeating: request, count: 4).joined(separator: ",") + "]"))
        #expect(overLimit.elements == nil)
        #expect(overLimit.errorCode == -32004)
        #expect(overLimit["id"] == .null)
        #expect(overLimit["error"]?["data"] == json(#"{"limit": 3, "received": 4}"#))
    }

    @Test("a batch of one request is answered with an array of one")
    func batchOfOne() async throws {
        let response = try #require(try await EngineHarness().send(#"[{"jsonrpc": "2.0", "method": "node_status", "id": 1}]"#))
        #expect(response.elements?.count == 1)
    }

    @Test("members other than jsonrpc, method, params and id are ignored")
    func extraMembers() async throws {
        let response = try #require(try await EngineHarness().send(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1, "x": [1]}"#))
        #expect(response["result"] != nil)
    }

    @Test("nesting beyond the depth limit is a parse error, not a crash")
    func deepNesting() async throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let response = try #require(try await EngineHarness().send(deep))
        #expect(response.errorCode == -32700)
    }
}
