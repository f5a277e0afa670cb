import Foundation
import RPCServer
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A response as the tests read it.
struct HTTPReply {
    let status: Int
    let headers: [String: String]
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
}

/// A real server on a loopback port chosen by the system, and a URLSession client for it.
struct LiveServer {
    let port: Int
    let backend: FakeBackend
    let session: URLSession

    /// Starts a server, runs `body` against it, then cancels the server and waits for `run()` to return.
    static func with(
        _ configuration: RPCServerConfiguration = RPCServerConfiguration(host: "127.0.0.1", port: 0),
        metrics: (@Sendable () async -> String)? = nil,
        _ body: (LiveServer) async throws -> Void
    ) async throws {
        let backend = FakeBackend()
        let server = RPCServer(configuration: configuration, backend: backend, logger: quietLogger, metrics: metrics)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.listeningPort()
            let session = URLSession(configuration: .ephemeral)
            defer { session.finishTasksAndInvalidate() }
            do {
                try await body(LiveServer(port: port, backend: backend, session: session))
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.next()
        }
        await #expect(throws: RPCServerError.notRunning) { try await server.listeningPort() }
    }

    func send(
        _ method: String, _ path: String, body: [UInt8]? = nil, headers: [String: String] = [:], streamed: Bool = false
    ) async throws -> HTTPReply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            if streamed {
                request.httpBodyStream = InputStream(data: Data(body))
            } else {
                request.httpBody = Data(body)
            }
        }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var replyHeaders: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { replyHeaders[name] = value }
        }
        return HTTPReply(status: http.statusCode, headers: replyHeaders, body: Array(data))
    }

    func post(_ json: String, headers: [String: String] = ["Content-Type": "application/json"]) async throws -> HTTPReply {
        try await send("POST", "/", body: Array(json.utf8), headers: headers)
    }
}

@Suite("HTTP server over loopback")
struct HTTPServerTests {
    @Test("an operations-only server answers /healthz, /readyz and /metrics, and 404 on the API's paths")
    func operationsOnly() async throws {
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.endpoints = .operations
        try await LiveServer.with(configuration, metrics: { "sbp_block_height 7\n" }) { server in
            #expect(try await server.send("GET", "/healthz").status == 200)
            #expect(try await server.send("GET", "/readyz").status == 200)
            let metrics = try await server.send("GET", "/metrics")
            #expect(metrics.status == 200 && metrics.text == "sbp_block_height 7\n")
            let rpc = try await server.post(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
            #expect(rpc.status == 404 && rpc.text.contains("only /healthz, /readyz and /metrics"))
            // A full server answers 426 here (an upgrade is needed); this one has no /ws at all.
            #expect(try await server.send("GET", "/ws").status == 404)
        }
    }

    @Test("POST / answers a JSON-RPC request with 200 and application/json")
    func roundTrip() async throws {
        try await LiveServer.with { server in
            let reply = try await server.post(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type") == "application/json")
            let response = try JSONParser.parse(reply.body)
            #expect(response["result"]?["chainId"] == .string(Fixtures.chainId))
            #expect(response["id"] == .number(1))
        }
    }

    @Test("a batch over HTTP gets an array; a batch of notifications gets 204 and no body")
    func batchesAndNotifications() async throws {
        try await LiveServer.with { server in
            let batch = try await server.post(
                #"[{"jsonrpc": "2.0", "method": "node_status", "id": 1}, {"jsonrpc": "2.0", "method": "node_status"}]"#)
            #expect(batch.status == 200)
            #expect(try JSONParser.parse(batch.body).elements?.count == 1)
            let notifications = try await server.post(
                #"[{"jsonrpc": "2.0", "method": "node_status"}, {"jsonrpc": "2.0", "method": "nothing"}]"#)
            #expect(notifications.status == 204)
            #expect(notifications.body.isEmpty)
            let single = try await server.post(#"{"jsonrpc": "2.0", "method": "node_status"}"#)
            #expect(single.status == 204)
        }
    }

    @Test("a parse error is still HTTP 200 with a JSON-RPC error")
    func parseErrorOverHTTP() async throws {
        try await LiveServer.with { server in
            let reply = try await server.post("{not json")
            #expect(reply.status == 200)
            #expect(try JSONParser.parse(reply.body).errorCode == -32700)
        }
    }

    @Test("a body over the limit gets 413 with a JSON-RPC -32004 body, with or without Content-Length")
    func oversizeBody() async throws {
        let configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, requestBodyBytesMax: 1024)
        try await LiveServer.with(configuration) { server in
            let padding = String(repeating: " ", count: 64 * 1024)
            let body = Array((#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"# + padding).utf8)
            for streamed in [false, true] {
                let reply = try await server.send(
                    "POST", "/", body: body, headers: ["Content-Type": "application/json"], streamed: streamed)
                #expect(reply.status == 413, "streamed: \(streamed)")
                let response = try JSONParser.parse(reply.body)
                #expect(response.errorCode == -32004)
                #expect(response["id"] == .null)
                #expect(response["error"]?["data"]?["limit"] == .number(1024))
            }
            let fits = try await server.post(#"{"jsonrpc": "2.0", "method": "node_status", "id": 2}"#)
            #expect(fits.status == 200, "the connection still serves requests after a 413")
        }
    }

    @Test("POST / without application/json gets 415")
    func mediaType() async throws {
        try await LiveServer.with { server in
            let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#
            let plain = try await server.post(request, headers: ["Content-Type": "text/plain"])
            #expect(plain.status == 415)
            #expect(try JSONParser.parse(plain.body).errorCode == -32600)
            let withCharset = try await server.post(request, headers: ["Content-Type": "Application/JSON; charset=utf-8"])
            #expect(withCharset.status == 200)
        }
    }

    @Test("GET /healthz is 200 ok")
    func healthz() async throws {
        try await LiveServer.with { server in
            let reply = try await server.send("GET", "/healthz")
            #expect(reply.status == 200)
            #expect(reply.text == "ok\n")
        }
    }

    @Test("GET /readyz follows the backend: 200 when ready, 503 when not")
    func readyz() async throws {
        try await LiveServer.with { server in
            #expect(try await server.send("GET", "/readyz").status == 200)
            await server.backend.setReady(false)
            let notReady = try await server.send("GET", "/readyz")
            #expect(notReady.status == 503)
            #expect(notReady.text == "not ready\n")
            await server.backend.setReady(true)
            #expect(try await server.send("GET", "/readyz").status == 200)
        }
    }

    @Test("GET /metrics serves the node's text; without a provider it is 404")
    func metrics() async throws {
        let text = "# TYPE sbp_height gauge\nsbp_height 3\n"
        try await LiveServer.with(RPCServerConfiguration(host: "127.0.0.1", port: 0), metrics: { text }) { server in
            let reply = try await server.send("GET", "/metrics")
            #expect(reply.status == 200)
            #expect(reply.text == text)
            #expect(reply.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        }
        try await LiveServer.with { server in
            let reply = try await server.send("GET", "/metrics")
            #expect(reply.status == 404)
        }
    }

    @Test("unknown paths are 404; wrong methods are 405 with Allow")
    func routing() async throws {
        try await LiveServer.with { server in
            #expect(try await server.send("GET", "/nothing").status == 404)
            let getRoot = try await server.send("GET", "/")
            #expect(getRoot.status == 405)
            #expect(getRoot.header("Allow") == "POST, OPTIONS")
            #expect(try await server.send("POST", "/healthz", body: []).status == 405)
        }
    }

    @Test("CORS: allowed origins get the grant, others do not; none are allowed by default")
    func cors() async throws {
        let allowed = "https://explorer.example"
        let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#
        let configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, allowedOrigins: [allowed])
        try await LiveServer.with(configuration) { server in
            let granted = try await server.post(request, headers: ["Content-Type": "application/json", "Origin": allowed])
            #expect(granted.header("Access-Control-Allow-Origin") == allowed)
            #expect(granted.header("Vary") == "Origin")
            let other = try await server.post(request, headers: ["Content-Type": "application/json", "Origin": "https://evil.example"])
            #expect(other.status == 200)
            #expect(other.header("Access-Control-Allow-Origin") == nil)
            let preflight = try await server.send(
                "OPTIONS", "/", headers: ["Origin": allowed, "Access-Control-Request-Method": "POST"])
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == allowed)
            #expect(preflight.header("Access-Control-Allow-Methods") == "GET, POST, OPTIONS")
            #expect(preflight.header("Access-Control-Allow-Headers") == "Content-Type")
            let refused = try await server.send(
                "OPTIONS", "/", headers: ["Origin": "https://evil.example", "Access-Control-Request-Method": "POST"])
            #expect(refused.status == 403)
            #expect(refused.header("Access-Control-Allow-Origin") == nil)
        }
        try await LiveServer.with { server in
            let reply = try await server.post(request, headers: ["Content-Type": "application/json", "Origin": allowed])
            #expect(reply.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test("lifecycle: the port is learned by waiting, a server runs once, a busy port fails to bind")
    func lifecycle() async throws {
        let backend = FakeBackend()
        let server = RPCServer(configuration: RPCServerConfiguration(host: "127.0.0.1", port: 0), backend: backend, logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                let port = try await server.listeningPort()
                #expect(port > 0)
            }
            group.addTask { try await server.run() }
            let port = try await server.listeningPort()
            await #expect(throws: RPCServerError.alreadyStarted) { try await server.run() }
            let rival = RPCServer(
                configuration: RPCServerConfiguration(host: "127.0.0.1", port: port), backend: backend, logger: quietLogger)
            await #expect(throws: (any Error).self) { try await rival.run() }
            await #expect(throws: RPCServerError.notRunning) { try await rival.listeningPort() }
            group.cancelAll()
            try await group.waitForAll()
        }
        await #expect(throws: RPCServerError.notRunning) { try await server.listeningPort() }
        await #expect(throws: RPCServerError.alreadyStarted) { try await server.run() }
    }

    @Test("a task waiting for the port stops waiting when cancelled")
    func cancelledWaiter() async throws {
        let server = RPCServer(
            configuration: RPCServerConfiguration(host: "127.0.0.1", port: 0), backend: FakeBackend(), logger: quietLogger)
        let waiter = Task { try await server.listeningPort() }
        waiter.cancel()
        await #expect(throws: RPCServerError.cancelled) { try await waiter.value }
    }
}
