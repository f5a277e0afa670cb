import ChainTypes
import Foundation
import Testing

@testable import RPCServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Issue 14 defects 5 and 7: per-client rates and requests in flight, request budgets, API tokens for
/// write methods, and `Host`/`Origin` checks against configured names. The rules are values driven by
/// explicit clock readings; the live tests check the HTTP mapping (429, `Retry-After`, 421).
@Suite("RPC protection")
struct RPCProtectionTests {
    static let start = ContinuousClock.now

    @Test("a client's token bucket refuses calls past its burst and refills at its rate, with the wait to retry")
    func tokenBucket() {
        var state = ClientLimiterState(limits: RPCClientLimits(requestsPerSecond: 10, requestsBurst: 20, concurrentRequestsMax: 2))
        #expect(state.charge("a", calls: 20, now: Self.start) == nil)
        let refusal = state.charge("a", calls: 1, now: Self.start)
        #expect(refusal?.reason == .rate)
        #expect(refusal?.retryAfterMs == 100)  // one call at ten per second
        // Another client has a bucket of its own.
        #expect(state.charge("b", calls: 1, now: Self.start) == nil)
        #expect(state.charge("a", calls: 1, now: Self.start + .milliseconds(100)) == nil)
        #expect(state.charge("a", calls: 1, now: Self.start + .milliseconds(100)) != nil)
        // A long pause refills to the burst and no further.
        #expect(state.charge("a", calls: 20, now: Self.start + .seconds(3600)) == nil)
        #expect(state.charge("a", calls: 1, now: Self.start + .seconds(3600)) != nil)
    }

    @Test("a client may have only so many requests in flight; leaving frees a slot")
    func concurrency() {
        var state = ClientLimiterState(limits: RPCClientLimits(requestsPerSecond: 10, requestsBurst: 20, concurrentRequestsMax: 2))
        #expect(state.enter("a", now: Self.start) == nil)
        #expect(state.enter("a", now: Self.start) == nil)
        #expect(state.enter("a", now: Self.start)?.reason == .concurrency)
        #expect(state.enter("b", now: Self.start) == nil)
        state.leave("a")
        #expect(state.enter("a", now: Self.start) == nil)
    }

    @Test("a batch spends its calls' declared costs: unindexed searches and contract calls past the budget are -32004")
    func batchBudget() async throws {
        let engine = RPCEngine(
            backend: FakeBackend(), costLimits: RPCCostLimits(blocksMax: 2 * RPCLimits.searchScanBlocksMax), logger: quietLogger)
        let search = #"{"jsonrpc": "2.0", "method": "tx_search", "params": {}, "id": 1}"#
        let reply = try JSONParser.parse(try #require(await engine.respond(to: Array("[\(search), \(search), \(search)]".utf8))))
        let codes = try #require(reply.elements).map(\.errorCode)
        #expect(codes == [nil, nil, -32004])
        let calls = Array(
            repeating:
                #"{"jsonrpc": "2.0", "method": "contract_call", "params": ["0x\#(String(repeating: "00", count: 20))", "0x"], "id": 1}"#,
            count: 6)
        let callReply = try JSONParser.parse(
            try #require(
                await RPCEngine(backend: FakeBackend(), logger: quietLogger).respond(to: Array("[\(calls.joined(separator: ","))]".utf8))))
        #expect(try #require(callReply.elements).last?.errorCode == -32004)
    }

    @Test("a response past response_bytes_max is replaced by -32004, and so are the batch entries after it")
    func responseBytes() async throws {
        let engine = RPCEngine(backend: FakeBackend(), costLimits: RPCCostLimits(responseBytesMax: 2_000), logger: quietLogger)
        let genesis = #"{"jsonrpc": "2.0", "method": "chain_getGenesis", "id": 1}"#
        let single = try JSONParser.parse(try #require(await engine.respond(to: Array(genesis.utf8))))
        #expect(single.errorCode == -32004)
        let small = #"{"jsonrpc": "2.0", "method": "chain_getLatestHeight", "id": 2}"#
        let batch = try JSONParser.parse(try #require(await engine.respond(to: Array("[\(small), \(genesis), \(small)]".utf8))))
        #expect(try #require(batch.elements).map(\.errorCode) == [nil, -32004, nil])
    }

    @Test("with API tokens configured, write methods need a valid bearer token; reads do not")
    func apiTokens() async throws {
        let limiter = RPCClientLimiter(limits: .unlimited)
        let access = RPCAccess(limiter: limiter, apiTokens: ["correct-horse-battery-staple"])
        #expect(access.isAuthorized("Bearer correct-horse-battery-staple"))
        #expect(!access.isAuthorized("Bearer correct-horse-battery-stapl"))
        #expect(!access.isAuthorized("Bearer correct-horse-battery-staplee"))
        #expect(!access.isAuthorized(nil))
        #expect(!access.isAuthorized("Basic Y29ycmVjdA=="))
        #expect(RPCAccess(limiter: limiter, apiTokens: []).isAuthorized(nil))
        let engine = RPCEngine(backend: FakeBackend(), logger: quietLogger)
        let send = #"{"jsonrpc": "2.0", "method": "tx_send", "params": ["0x00"], "id": 1}"#
        let refused = await engine.reply(to: Array(send.utf8), caller: RPCCaller(client: "a", authorized: false))
        #expect(refused.response?.errorCode == -32008)
        let allowed = await engine.reply(to: Array(send.utf8), caller: RPCCaller(client: "a", authorized: true))
        #expect(allowed.response?.errorCode == -32602)  // past the token check: the bytes are not a transaction
        let read = #"{"jsonrpc": "2.0", "method": "chain_getLatestHeight", "id": 1}"#
        #expect(await engine.reply(to: Array(read.utf8), caller: RPCCaller(client: "a", authorized: false)).response?["result"] != nil)
    }

    @Test("node_backup answers only callers on the node's machine, and needs the token when the node configures any")
    func backupIsLocalOnly() async throws {
        let engine = RPCEngine(backend: FakeBackend(), logger: quietLogger)
        let backup = #"{"jsonrpc": "2.0", "method": "node_backup", "params": ["/tmp/sbp-backup"], "id": 1}"#
        for remote in ["10.0.0.7", "192.168.1.2", "2001:db8::1", "::ffff:10.0.0.7"] {
            let refused = await engine.reply(to: Array(backup.utf8), caller: RPCCaller(client: remote, authorized: true))
            #expect(refused.response?.errorCode == -32008, "\(remote)")
        }
        let noToken = await engine.reply(to: Array(backup.utf8), caller: RPCCaller(client: "127.0.0.1", authorized: false))
        #expect(noToken.response?.errorCode == -32008)
        for local in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
            // Past both checks: the fake backend keeps no data directory (−32603).
            let allowed = await engine.reply(to: Array(backup.utf8), caller: RPCCaller(client: local, authorized: true))
            #expect(allowed.response?.errorCode == -32603, "\(local)")
        }
    }

    @Test(
        "defect 7: Host must be an IP literal, localhost or a configured name, on the port the request arrived on",
        arguments: [
            ("127.0.0.1:8645", true), ("localhost:8645", true), ("[::1]:8645", true), ("127.0.0.1", true),
            ("127.0.0.1:9000", false), ("evil.example:8645", false), ("evil.example", false), ("node.td.gov.hk:8645", true),
            ("node.td.gov.hk:443", true), ("api.td.gov.hk:8443", true), ("api.td.gov.hk:8645", false), ("", false), ("a:b", false),
        ])
    func hostPolicy(host: String, allowed: Bool) {
        let policy = HostPolicy(allowedHosts: ["node.td.gov.hk", "API.td.gov.hk:8443"])
        #expect(policy.allowsHost(host, localPort: 8645) == allowed)
    }

    @Test(
        "defect 7: a WebSocket Origin is the node's own only with the same host and port",
        arguments: [
            ("http://127.0.0.1:8645", "127.0.0.1:8645", true), ("http://127.0.0.1:3000", "127.0.0.1:8645", false),
            ("http://localhost:8645", "127.0.0.1:8645", false), ("https://node.example", "node.example:443", true),
            ("http://node.example", "node.example", true), ("https://node.example", "node.example", true),
            ("https://node.example:8443", "node.example", false),
            ("ws://127.0.0.1", "127.0.0.1:8645", true), ("ws://localhost", "127.0.0.1:8645", false),
            ("null", "127.0.0.1:8645", false),
        ])
    func sameOrigin(origin: String, host: String, same: Bool) {
        #expect(HostPolicy.isSameOrigin(origin, host: host) == same)
    }

    @Test("defect 7: DNS rebinding is refused: another Host name gets HTTP 421 and no /ws; the node's own names are served")
    func rebindingOverHTTP() async throws {
        try await LiveServer.with { server in
            let body = Array(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#.utf8)
            let rebound = try await WireProtocolTests.exchange(
                port: server.port,
                Array(
                    "POST / HTTP/1.1\r\nHost: evil.example:\(server.port)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                        .utf8) + body
            ) { $0.count >= 12 }
            #expect(String(decoding: rebound.bytes.prefix(12), as: UTF8.self) == "HTTP/1.1 421")
            let upgrade = Array(
                ("GET /ws HTTP/1.1\r\nHost: evil.example:\(server.port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
            let refused = try await WireProtocolTests.exchange(port: server.port, upgrade) { $0.count >= 12 }
            #expect(String(decoding: refused.bytes.prefix(12), as: UTF8.self) == "HTTP/1.1 400")
            let served = try await server.post(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
            #expect(served.status == 200)
        }
    }

    @Test("defect 7: a page on another local port cannot open /ws (same host, other port)")
    func crossPortOrigin() async throws {
        try await LiveWebSocketServer.with { server in
            await #expect(throws: (any Error).self) {
                try await server.connect(origin: "http://127.0.0.1:\(server.port + 1)") { _ in }
            }
            try await server.connect(origin: "http://127.0.0.1:\(server.port)") { connection in
                _ = try await connection.call(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
            }
        }
    }

    @Test("defect 5: a client over its rate gets HTTP 429 with Retry-After and -32007; other work goes on")
    func rateLimitOverHTTP() async throws {
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.clientLimits = RPCClientLimits(requestsPerSecond: 1, requestsBurst: 3, concurrentRequestsMax: 4)
        // The buckets' clock stands still: on a loaded machine a second may pass between the two posts.
        let frozen = ContinuousClock.now
        configuration.rateClock = { frozen }
        try await LiveServer.with(configuration) { server in
            let call = #"{"jsonrpc": "2.0", "method": "chain_getLatestHeight", "id": 1}"#
            let batch = "[\(call), \(call), \(call)]"
            let served = try await server.post(batch)
            #expect(served.status == 200)
            let refused = try await server.post(call)
            #expect(refused.status == 429)
            #expect(Int(refused.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(try JSONParser.parse(refused.body).errorCode == -32007)
        }
    }
}
