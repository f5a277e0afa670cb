/// Every error code the server returns, standard and application-defined, in one place.
///
/// The first five are JSON-RPC 2.0's; the application codes sit in the −32000…−32099 range the
/// specification reserves for servers. The OpenRPC document and `docs/rpc.md` list them from here.
public enum RPCErrorCode: Int, CaseIterable, Sendable {
    /// The body is not valid JSON (the response's id is null).
    case parseError = -32700
    /// Valid JSON but not a valid request object (wrong `jsonrpc`, bad id type, empty batch, …).
    case invalidRequest = -32600
    /// No method by that name.
    case methodNotFound = -32601
    /// Missing, unknown or ill-typed parameters.
    case invalidParams = -32602
    /// The server failed; the request may be retried.
    case internalError = -32603
    /// The node refused a transaction; `data.reason` says why (`TransactionRejection`).
    case transactionRejected = -32000
    /// The requested record does not exist.
    case notFound = -32001
    /// No block at that height yet; `data.latestHeight` is the highest the node has.
    case unknownBlock = -32002
    /// The node no longer keeps that data; `data.lowestRetainedHeight` is the lowest it has.
    case pruned = -32003
    /// A limit was exceeded (batch size, transaction size, …); `data.limit` is the limit.
    case limitExceeded = -32004
    /// The call waited as long as it was allowed to; `tx_sendAndWait`'s transaction stays pending.
    case timeout = -32005
    /// A WebSocket client read its notifications too slowly and is disconnected; `data.lastCursor` resumes.
    case clientTooSlow = -32006
    /// The client sent calls faster, or more at once, than the node allows it, or the node's RPC workers are
    /// all busy; `data.retryAfterMs` says when to try again (HTTP adds `Retry-After`).
    case tooManyRequests = -32007
    /// A write method on a node configured with API tokens, called without a valid bearer token; or a
    /// local-only method (`node_backup`) called from another machine.
    case unauthorized = -32008

    /// The short message that names the error (JSON-RPC 2.0 §5.1 wording for the standard codes).
    public var message: String {
        switch self {
        case .parseError: return "Parse error"
        case .invalidRequest: return "Invalid Request"
        case .methodNotFound: return "Method not found"
        case .invalidParams: return "Invalid params"
        case .internalError: return "Internal error"
        case .transactionRejected: return "Transaction rejected"
        case .notFound: return "Not found"
        case .unknownBlock: return "Unknown block"
        case .pruned: return "Pruned"
        case .limitExceeded: return "Limit exceeded"
        case .timeout: return "Timeout"
        case .clientTooSlow: return "Client too slow"
        case .tooManyRequests: return "Too many requests"
        case .unauthorized: return "Unauthorized"
        }
    }

    /// When a client sees this code; the OpenRPC document carries it as the error's `data`.
    public var summary: String {
        switch self {
        case .parseError: return "The request body is not valid JSON; the response id is null."
        case .invalidRequest:
            return "The JSON is not a valid request object: wrong jsonrpc, bad id type, method not a string, "
                + "params not an array or object, or an empty batch."
        case .methodNotFound: return "No method by that name."
        case .invalidParams: return "A parameter is missing, unknown, surplus or of the wrong type; the message names it."
        case .internalError: return "The node failed to answer; retrying later may succeed."
        case .transactionRejected:
            return "The node refused the transaction; data is a TransactionRejection: data.reason is a stable code and the "
                + "other members are the values that reason carries."
        case .notFound: return "The requested record does not exist."
        case .unknownBlock: return "No block at that height yet; data.latestHeight is the node's highest block."
        case .pruned:
            return "The node no longer keeps that data; data.height is the height asked for and data.lowestRetainedHeight the "
                + "lowest it has (for state reads, proofs, evidence and calls: the oldest state it keeps, storage.history)."
        case .limitExceeded: return "A server limit was exceeded; data.limit is the limit and data.received, when known, what was sent."
        case .timeout:
            return "The wait ended before the outcome was known (tx_sendAndWait: no receipt within timeoutMs); the transaction "
                + "stays pending, so poll tx_getReceipt with data.transactionHash."
        case .clientTooSlow:
            return "WebSocket only: the client left its notifications unread too long and is disconnected; data.lastSequence and "
                + "data.lastCursor are the last notification sent, so subscribe again with that cursor to resume without a gap."
        case .tooManyRequests:
            return "The client exceeded its call rate or its requests in flight, or the node's RPC workers are all busy; "
                + "data.reason is rate, concurrency, clients or busy, and data.retryAfterMs says when to try again (HTTP 429 "
                + "with Retry-After when no call of the request was answered). Any method can return it."
        case .unauthorized:
            return "The method writes (tx_send, tx_sendAndWait, node_backup) and this node requires an API token: send "
                + "Authorization: Bearer TOKEN with the HTTP request or the WebSocket upgrade; or the method acts on the "
                + "node's files (node_backup) and the caller is not on the node's machine (a loopback address)."
        }
    }
}

/// A JSON-RPC error object: code, message and optional structured data.
///
/// Method handlers throw it (typed throws); the engine writes it into the response unchanged.
public struct RPCError: Error, Equatable, Sendable {
    public var code: RPCErrorCode
    public var message: String
    public var data: JSONValue?

    public init(_ code: RPCErrorCode, message: String? = nil, data: JSONValue? = nil) {
        self.code = code
        self.message = message ?? code.message
        self.data = data
    }

    /// The error object as JSON-RPC 2.0 §5.1 writes it.
    public var json: JSONValue {
        var object = JSONObject([(key: "code", value: .number(code.rawValue)), (key: "message", value: .string(message))])
        if let data { object.append("data", data) }
        return .object(object)
    }

    /// −32602 with a message naming the parameter.
    public static func invalidParams(_ message: String) -> RPCError { RPCError(.invalidParams, message: "Invalid params: " + message) }

    /// −32600 with a reason.
    static func invalidRequest(_ reason: String) -> RPCError { RPCError(.invalidRequest, message: "Invalid Request: " + reason) }

    /// −32007: wait `retryAfterMs` before calling again.
    static func tooManyRequests(_ reason: String, retryAfterMs: UInt64) -> RPCError {
        RPCError(
            .tooManyRequests, message: "Too many requests (\(reason)): retry after \(retryAfterMs) ms",
            data: .object(["reason": .string(reason), "retryAfterMs": .number(retryAfterMs)]))
    }

    /// −32004 with the limit and what was received.
    public static func limitExceeded(_ what: String, limit: Int, received: Int) -> RPCError {
        RPCError(
            .limitExceeded, message: "Limit exceeded: \(what) (limit \(limit), received \(received))",
            data: .object(["limit": .number(limit), "received": .number(received)]))
    }
}
