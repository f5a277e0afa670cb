import Foundation
import HummingbirdWSClient
import Logging
import RPCServer
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

extension IntegrationTests {
    /// Requests per HTTP batch: the server's default batch limit.
    static let fuzzBatchRequests = RPCLimits.batchRequestsMaxDefault

    @Test(
        "RPC fuzzing from outside: every rpc.discover method and parameter at extreme values over HTTP and /ws gets a documented answer, and the nodes keep committing",
        .timeLimit(.minutes(5)))
    func rpcFuzzing() async throws {
        try await withNetwork("rpc-fuzz") { network in
            try await Self.start(network)
            let target = network.nodes[0]
            let client = FuzzClient(url: target.rpc.url)
            let discovered = try await client.post(#"{"jsonrpc": "2.0", "method": "rpc.discover", "id": 0}"#)
            let fuzzer = RPCFuzzer(
                document: try #require(discovered["result"], "\(String(decoding: discovered.serialized(), as: UTF8.self))"))
            let cases = fuzzer.cases()
            #expect(fuzzer.methods.count >= 30 && cases.count > 1_000, "\(fuzzer.methods.count) methods, \(cases.count) cases")
            let before = try #require(await network.highestHeight(Self.all))

            var failures = try await Self.fuzzHTTP(client, cases: cases)
            // Bodies that are not one request each: single huge and deeply nested requests.
            for body in Self.oddBodies {
                let reply = try await client.post(body)
                if reply["error"] == nil { failures.append("odd body \(body.prefix(60)) answered with a result") }
            }
            // /ws on another node, so each node's per-client rate budget covers one pass.
            failures += try await Self.fuzzWebSocket(url: network.nodes[1].rpc.url, cases: cases)
            #expect(failures.isEmpty, "\(failures.count) undocumented answers, first: \(failures.prefix(10).joined(separator: "\n"))")

            // Every node still answers and commits.
            try await network.waitForHeight(before + 3, on: Self.all, within: Self.progressTimeout)
        }
    }

    /// Sends every case over HTTP in batches; calls refused for the client's rate (−32007, documented for
    /// every method) are sent again after the wait the node asks for, so every case is answered for real.
    static func fuzzHTTP(_ client: FuzzClient, cases: [RPCFuzzer.Case]) async throws -> [String] {
        var failures: [String] = []
        var pending = Array(cases.indices)
        for _ in 0..<20 where !pending.isEmpty {
            var refused: [Int] = []
            var retryAfterMs: UInt64 = 0
            for start in stride(from: 0, to: pending.count, by: Self.fuzzBatchRequests) {
                let batch = Array(pending[start..<min(start + Self.fuzzBatchRequests, pending.count)])
                let body = "[" + batch.map { cases[$0].body(id: $0) }.joined(separator: ", ") + "]"
                let reply = try await client.post(body)
                guard case .array(let responses) = reply else {
                    if reply["error"]?["code"] == .number(RPCErrorCode.tooManyRequests.rawValue) {
                        refused += batch
                        retryAfterMs = max(retryAfterMs, reply["error"]?["data"]?["retryAfterMs"].flatMap(RPCJSON.uint64(from:)) ?? 1_000)
                        continue
                    }
                    failures.append("HTTP batch: \(String(decoding: reply.serialized(), as: UTF8.self).prefix(300))")
                    continue
                }
                for response in responses {
                    guard let id = response["id"].flatMap(RPCJSON.uint64(from:)), Int(id) < cases.count else {
                        failures.append("HTTP response without its id: \(String(decoding: response.serialized(), as: UTF8.self))")
                        continue
                    }
                    if response["error"]?["code"] == .number(RPCErrorCode.tooManyRequests.rawValue),
                        response["error"]?["data"]?["reason"] == .string("rate")
                    {
                        refused.append(Int(id))
                        retryAfterMs = max(
                            retryAfterMs, response["error"]?["data"]?["retryAfterMs"].flatMap(RPCJSON.uint64(from:)) ?? 1_000)
                        continue
                    }
                    if let problem = Self.problem(cases[Int(id)], response) { failures.append("HTTP " + problem) }
                }
            }
            pending = refused
            if !pending.isEmpty { try await Task.sleep(for: .milliseconds(Int64(min(retryAfterMs, 5_000)))) }  // the node's Retry-After
        }
        if !pending.isEmpty { failures.append("HTTP: \(pending.count) cases still refused for the rate after 20 rounds") }
        return failures
    }

    /// Bodies the fuzzer sends alone: a 1 MiB string parameter, nesting past the parser's depth, a huge id.
    static let oddBodies = [
        #"{"jsonrpc": "2.0", "method": "tx_send", "params": ["0x\#(String(repeating: "ab", count: 512 * 1024))"], "id": 1}"#,
        #"{"jsonrpc": "2.0", "method": "node_status", "params": \#(String(repeating: "[", count: 200))\#(String(repeating: "]", count: 200)), "id": 1}"#,
        #"{"jsonrpc": "2.0", "method": "\#(String(repeating: "m", count: 100_000))", "id": 1}"#,
    ]

    /// What is wrong with `response` to `request`, or nil when it is a result or a documented error.
    static func problem(_ request: RPCFuzzer.Case, _ response: JSONValue) -> String? {
        if response["result"] != nil, response["error"] == nil { return nil }
        guard case .number(let number)? = response["error"]?["code"], let code = Int(number.text) else {
            return
                "\(request.method) \(request.params.prefix(120)): neither result nor error: \(String(decoding: response.serialized(), as: UTF8.self))"
        }
        guard request.allowedCodes.contains(code), code != RPCErrorCode.internalError.rawValue else {
            let error = String(decoding: (response["error"] ?? .null).serialized(), as: UTF8.self)
            return "\(request.method) \(request.params.prefix(120)): undocumented error \(code): \(error)"
        }
        return nil
    }

    /// Sends every case as its own message over one `/ws` connection (a second task reads the answers, so
    /// a full backlog never stalls the writer), then checks each answer by id; notifications are skipped.
    static func fuzzWebSocket(url: URL, cases: [RPCFuzzer.Case]) async throws -> [String] {
        let failures = Mutex<[String]>([])
        let answered = Mutex(0)
        let wsURL = "ws://\(url.host ?? "127.0.0.1"):\(url.port ?? 80)/ws"
        let client = WebSocketClient(
            url: wsURL, configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 24),
            logger: Logger(label: "sbp.fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
        ) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for (id, request) in cases.enumerated() { try await outbound.write(.text(request.body(id: id))) }
                }
                var messages = inbound.messages(maxSize: 1 << 24).makeAsyncIterator()
                while answered.withLock({ $0 }) < cases.count, let message = try await messages.next() {
                    guard case .text(let text) = message, let value = try? JSONParser.parse(Array(text.utf8)) else {
                        failures.withLock { $0.append("/ws: not a JSON text message") }
                        continue
                    }
                    if value["method"] != nil { continue }  // a subscription notification
                    answered.withLock { $0 += 1 }
                    guard let id = value["id"].flatMap(RPCJSON.uint64(from:)), Int(id) < cases.count else {
                        failures.withLock { $0.append("/ws response without its id: \(text.prefix(200))") }
                        continue
                    }
                    if let problem = problem(cases[Int(id)], value) { failures.withLock { $0.append("/ws " + problem) } }
                }
                try await group.waitForAll()
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        _ = try await client.run()
        let count = answered.withLock { $0 }
        if count < cases.count { failures.withLock { $0.append("/ws answered \(count) of \(cases.count) requests") } }
        return failures.withLock { $0 }
    }
}

/// POSTs JSON-RPC bodies and parses the answers exactly (`JSONParser` keeps integers above 2^53 intact).
struct FuzzClient: Sendable {
    let url: URL

    func post(_ body: String) async throws -> JSONValue {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = Data(body.utf8)
        request.timeoutInterval = 60
        let (data, _) = try await URLSession.shared.data(for: request)
        return try JSONParser.parse(Array(data))
    }
}
