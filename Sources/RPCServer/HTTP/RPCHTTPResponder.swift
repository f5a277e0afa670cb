import Hummingbird

/// Routes HTTP requests: POST `/` to the JSON-RPC engine, GET `/healthz`, `/readyz` and `/metrics`, GET
/// `/explorer/…` to the embedded block explorer; `/ws` without a WebSocket upgrade gets 426 (upgrades are
/// taken before this responder, `WebSocketEndpoint`).
///
/// A hand-written responder rather than a `Router`: four fixed routes, and every response (404s and
/// OPTIONS included) passes through the same CORS and body-limit rules.
struct RPCHTTPResponder: HTTPResponder {
    typealias Context = RPCRequestContext

    let engine: RPCEngine
    let requestBodyBytesMax: Int
    /// Bytes of bodies held at once over all requests.
    let bodies: RPCBodyBudget
    let cors: CORSPolicy
    let hosts: HostPolicy
    let access: RPCAccess
    let metrics: (@Sendable () async -> String)?
    var endpoints: RPCEndpoints = .all
    /// Whether GET `/explorer/…` serves the block explorer (`rpc.explorer`); never on the operations port.
    var explorer = true

    /// Answers `request`; a response given before its body was read to the end reads and drops the rest
    /// while it is written (`RequestBodyReader`), so a client still writing a large body gets it.
    func respond(to request: Request, context: Context) async throws -> Response {
        var body = RequestBodyReader(request)
        let response = try await respond(to: request, body: &body, context: context)
        return body.answering(response)
    }

    private func respond(to request: Request, body: inout RequestBodyReader, context: Context) async throws -> Response {
        guard hosts.allowsHost(request.head.authority, localPort: context.localPort) else {
            return Self.text(.misdirectedRequest, "host not allowed: add it to rpc.allowed_hosts\n")
        }
        let origin = request.headers[.origin]
        if request.method == .options {
            return cors.preflightResponse(origin: origin)
        }
        var response = try await route(request, body: &body, context: context)
        cors.decorate(&response, origin: origin)
        return response
    }

    private func route(_ request: Request, body: inout RequestBodyReader, context: Context) async throws -> Response {
        if endpoints == .operations, ["/", "/ws"].contains(request.uri.path) {
            return Self.text(.notFound, "this port serves only /healthz, /readyz and /metrics\n")
        }
        let path = request.uri.path
        if path == "/explorer" || path.hasPrefix(ExplorerAssets.prefix) {
            return explorerResponse(path: path, method: request.method)
        }
        switch (path, request.method) {
        case ("/", .post):
            return try await jsonRPC(request, body: &body, context: context)
        case ("/healthz", .get):
            return Self.text(.ok, "ok\n")
        case ("/readyz", .get):
            return await engine.backend.isReady() ? Self.text(.ok, "ready\n") : Self.text(.serviceUnavailable, "not ready\n")
        case ("/metrics", .get):
            guard let metrics else { return Self.text(.notFound, "metrics are not enabled\n") }
            var response = Self.text(.ok, await metrics())
            response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return response
        case ("/ws", _):
            var response = Self.text(
                .init(code: 426, reasonPhrase: "Upgrade Required"), "/ws serves JSON-RPC over WebSocket: send a WebSocket upgrade\n")
            response.headers[.upgrade] = "websocket"
            return response
        case ("/", _):
            return Self.methodNotAllowed(allow: "POST, OPTIONS")
        case ("/healthz", _), ("/readyz", _), ("/metrics", _):
            return Self.methodNotAllowed(allow: "GET, OPTIONS")
        default:
            return Self.text(.notFound, "not found\n")
        }
    }

    /// GET `/explorer/…`: an embedded file with the explorer's security headers, or a 404 or 405 that
    /// says why (also when the explorer is turned off or this is the operations port).
    private func explorerResponse(path: String, method: HTTPRequest.Method) -> Response {
        guard explorer, endpoints == .all else {
            return Self.text(.notFound, "the block explorer is turned off on this port (rpc.explorer = false, docs/explorer.md)\n")
        }
        var response: Response
        if method != .get && method != .head {
            response = Self.methodNotAllowed(allow: "GET, HEAD, OPTIONS")
        } else if let found = ExplorerAssets.response(path: path) {
            response = found
        } else {
            response = Self.text(.notFound, "no such explorer file: pages live under /explorer/#/…\n")
        }
        ExplorerAssets.decorate(&response)
        return response
    }

    /// POST `/`: checks the client's requests in flight, the media type and the body size, then hands the
    /// body to the engine; calls refused for the client's rate make the response 429 with `Retry-After`.
    private func jsonRPC(_ request: Request, body reader: inout RequestBodyReader, context: Context) async throws -> Response {
        let client = context.clientAddress
        if let refusal = access.limiter.enter(client) {
            let error = RPCError.tooManyRequests(refusal.reason.rawValue, retryAfterMs: refusal.retryAfterMs)
            return Self.tooManyRequests(RPCEngine.response(id: .null, error: error).serialized(), retryAfterMs: refusal.retryAfterMs)
        }
        defer { access.limiter.leave(client) }
        guard Self.isJSON(request.headers[.contentType]) else {
            let error = RPCError.invalidRequest("Content-Type must be application/json")
            return Self.json(.unsupportedMediaType, RPCEngine.response(id: .null, error: error).serialized())
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > requestBodyBytesMax {
            return tooLarge()
        }
        var body: [UInt8] = []
        defer { bodies.release(body.count) }
        while let chunk = try await reader.next() {
            guard body.count + chunk.readableBytes <= requestBodyBytesMax else { return tooLarge() }
            guard bodies.reserve(chunk.readableBytes) else { return Self.busy() }
            body.append(contentsOf: chunk.readableBytesView)
        }
        let caller = access.caller(client: client, authorization: request.headers[.authorization])
        let reply = await engine.reply(to: body, caller: caller)
        guard let response = reply.response else {
            return Response(status: .noContent)
        }
        if let retryAfterMs = reply.retryAfterMs {
            var answer = Self.tooManyRequests(response.serialized(), retryAfterMs: retryAfterMs)
            if !reply.allRefused { answer.status = .ok }
            return answer
        }
        return Self.json(.ok, response.serialized())
    }

    /// HTTP 429, reason `busy`: the server holds as many request bodies as it may (`RPCBodyBudget`).
    static func busy() -> Response {
        let error = RPCError.tooManyRequests("busy", retryAfterMs: RPCLimits.busyRetryAfterMs)
        return tooManyRequests(RPCEngine.response(id: .null, error: error).serialized(), retryAfterMs: RPCLimits.busyRetryAfterMs)
    }

    /// HTTP 429 with `Retry-After` in whole seconds (RFC 9110 §10.2.3), at least one.
    static func tooManyRequests(_ body: [UInt8], retryAfterMs: UInt64) -> Response {
        var response = json(.tooManyRequests, body)
        response.headers[.retryAfter] = String(max(1, (retryAfterMs + 999) / 1_000))
        return response
    }

    /// HTTP 413 with a JSON-RPC −32004 error body, so JSON-RPC clients see a structured error too.
    ///
    /// The rest of the body is read and dropped while the response is written (`RequestBodyReader`), so a
    /// client that is still sending gets the response rather than a stall or a reset, and memory stays bounded.
    private func tooLarge() -> Response {
        let error = RPCError(
            .limitExceeded, message: "Limit exceeded: request body larger than \(requestBodyBytesMax) bytes",
            data: .object(["limit": .number(requestBodyBytesMax)]))
        return Self.json(.contentTooLarge, RPCEngine.response(id: .null, error: error).serialized())
    }

    /// Whether a Content-Type names `application/json`, parameters (`; charset=utf-8`) allowed.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        var mediaType = contentType.prefix { $0 != ";" }
        while let first = mediaType.first, first == " " || first == "\t" { mediaType.removeFirst() }
        while let last = mediaType.last, last == " " || last == "\t" { mediaType.removeLast() }
        return mediaType.lowercased() == "application/json"
    }

    static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func methodNotAllowed(allow: String) -> Response {
        var response = text(.methodNotAllowed, "method not allowed\n")
        response.headers[.allow] = allow
        return response
    }
}
