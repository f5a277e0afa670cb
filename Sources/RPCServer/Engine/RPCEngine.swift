import Logging

/// The JSON-RPC 2.0 protocol engine: request body bytes in, response body bytes (or none) out.
///
/// It knows nothing of HTTP, so every rule of the specification is tested without sockets, and the same
/// engine serves WebSocket messages (`WebSocketSession`). Batch entries run one after another, in order; the
/// specification allows any order, and sequential calls keep one batch from monopolizing the backend.
public struct RPCEngine: Sendable {
    public let registry: RPCMethodRegistry
    public let backend: any RPCBackend
    /// Requests allowed in one batch; a larger batch is answered with a single −32004 error.
    public let batchRequestsMax: Int
    /// The registry's OpenRPC document, built once.
    public let openRPCDocument: JSONValue
    /// The node's finalized-block announcements; nil when the node makes none (`tx_sendAndWait` then polls).
    public let chainHead: ChainHead?
    private let logger: Logger

    public init(
        backend: any RPCBackend, registry: RPCMethodRegistry = .standard,
        batchRequestsMax: Int = RPCLimits.batchRequestsMaxDefault, chainHead: ChainHead? = nil, logger: Logger
    ) {
        precondition(batchRequestsMax >= 1, "a batch must allow at least one request")
        self.registry = registry
        self.backend = backend
        self.batchRequestsMax = batchRequestsMax
        self.openRPCDocument = registry.openRPCDocument()
        self.chainHead = chainHead
        self.logger = logger
    }

    /// The serialized response to a request body; nil when there is nothing to send (only notifications).
    public func respond(to body: [UInt8]) async -> [UInt8]? {
        await response(to: body)?.serialized()
    }

    /// The response to a request body as JSON: an object, an array for a batch, or nil when every request
    /// was a notification (JSON-RPC 2.0 §6: "the Server MUST NOT return an empty Array").
    public func response(to body: [UInt8]) async -> JSONValue? {
        await response(to: body, subscriptions: nil)
    }

    /// The response to a message from a WebSocket connection, whose `subscribe` calls go to `subscriptions`.
    func response(to body: [UInt8], subscriptions: (any SubscriptionHost)?) async -> JSONValue? {
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONParser.parse(body)
        } catch {
            return Self.response(id: .null, error: RPCError(.parseError, message: "Parse error: \(error)"))
        }
        guard case .array(let elements) = value else {
            return await response(toSingle: value, subscriptions: subscriptions)
        }
        guard !elements.isEmpty else {
            return Self.response(id: .null, error: .invalidRequest("empty batch"))
        }
        guard elements.count <= batchRequestsMax else {
            return Self.response(id: .null, error: .limitExceeded("requests in a batch", limit: batchRequestsMax, received: elements.count))
        }
        var responses: [JSONValue] = []
        for element in elements {
            if let response = await response(toSingle: element, subscriptions: subscriptions) { responses.append(response) }
        }
        return responses.isEmpty ? nil : .array(responses)
    }

    /// Handles one request value; nil for a notification, whatever its outcome.
    private func response(toSingle value: JSONValue, subscriptions: (any SubscriptionHost)?) async -> JSONValue? {
        let request: RPCRequest
        do throws(RPCRequest.Invalid) {
            request = try RPCRequest.parse(value)
        } catch {
            return Self.response(id: error.id, error: error.error)
        }
        let outcome = await call(request, subscriptions: subscriptions)
        guard let id = request.id else { return nil }
        switch outcome {
        case .success(let result): return Self.response(id: id, result: result)
        case .failure(let error): return Self.response(id: id, error: error)
        }
    }

    /// Looks up, binds and runs a request's method. Notifications run too (a `tx_send` notification still
    /// submits); only their response is dropped.
    private func call(_ request: RPCRequest, subscriptions: (any SubscriptionHost)?) async -> Result<JSONValue, RPCError> {
        guard let method = registry.method(named: request.method) else {
            let named = request.method.utf8.count <= RPCLimits.methodNameBytesMax ? ": \(request.method)" : ""
            return .failure(RPCError(.methodNotFound, message: "Method not found" + named))
        }
        let context = RPCCallContext(
            backend: backend, openRPCDocument: openRPCDocument, logger: logger, subscriptions: subscriptions, chainHead: chainHead)
        do throws(RPCError) {
            let arguments = try method.bind(request.params)
            return .success(try await method.handler(arguments, context))
        } catch {
            if error.code == .internalError {
                logger.error("RPC method failed", metadata: ["method": .string(method.name), "error": .string(error.message)])
            }
            return .failure(error)
        }
    }

    static func response(id: JSONValue, result: JSONValue) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "result": result, "id": id])
    }

    static func response(id: JSONValue, error: RPCError) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "error": error.json, "id": id])
    }
}
