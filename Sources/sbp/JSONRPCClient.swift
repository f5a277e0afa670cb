import ChainTypes
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A minimal JSON-RPC 2.0 client over HTTP POST for the CLI (`docs/rpc.md`).
struct JSONRPCClient: Sendable {
    let url: String
    /// Sent as `Authorization: Bearer TOKEN` when set (a node with `rpc.api_tokens_file`).
    var bearerToken: String? = nil

    /// Calls `method` with positional `params` and returns its result; the node's error object becomes
    /// `RPCClientError.failed` with its code, message and data.
    func call(
        _ method: String, _ params: [JSON] = [], timeoutSeconds: Double = CLILimits.requestTimeoutSeconds
    ) async throws(RPCClientError) -> JSON {
        switch try await exchange(method, params, timeoutSeconds: timeoutSeconds) {
        case .result(let result): return result
        case .error(let error): throw error
        }
    }

    /// `call`, but an error answer with code `absentCode` (e.g. −32001 not found) is nil instead of an error.
    func call(
        _ method: String, _ params: [JSON] = [], nilOn absentCode: Int, timeoutSeconds: Double = CLILimits.requestTimeoutSeconds
    ) async throws(RPCClientError) -> JSON? {
        switch try await exchange(method, params, timeoutSeconds: timeoutSeconds) {
        case .result(let result): return result
        case .error(.failed(_, let code, _, _)) where code == absentCode: return nil
        case .error(let error): throw error
        }
    }

    /// `call`, requiring an object result.
    func object(
        _ method: String, _ params: [JSON] = [], timeoutSeconds: Double = CLILimits.requestTimeoutSeconds
    ) async throws(RPCClientError) -> JSON {
        try Self.requireObject(try await call(method, params, timeoutSeconds: timeoutSeconds), method: method)
    }

    /// `call(_:_:nilOn:)`, requiring an object result when there is one.
    func object(_ method: String, _ params: [JSON] = [], nilOn absentCode: Int) async throws(RPCClientError) -> JSON? {
        guard let result = try await call(method, params, nilOn: absentCode) else { return nil }
        return try Self.requireObject(result, method: method)
    }

    private static func requireObject(_ result: JSON, method: String) throws(RPCClientError) -> JSON {
        guard result.object != nil else { throw .unexpected(method: method, reason: "the result is not an object") }
        return result
    }

    /// One answer: the result, or the node's error answer (transport failures throw).
    private enum Answer {
        case result(JSON)
        case error(RPCClientError)
    }

    private func exchange(_ method: String, _ params: [JSON], timeoutSeconds: Double) async throws(RPCClientError) -> Answer {
        let body: JSON = ["jsonrpc": "2.0", "id": 1, "method": .string(method), "params": .array(params)]
        let (reply, status) = try await post(body, timeoutSeconds: timeoutSeconds)
        guard reply["jsonrpc"] != nil else { throw .notJSONRPC(url: url, httpStatus: status) }
        return Self.answer(reply, method: method)
    }

    /// Calls `method` once per element of `paramsList` in one JSON-RPC batch; the answers come back in
    /// the order of `paramsList` (a node may answer a batch in any order; ids match them up).
    func batch(
        _ method: String, _ paramsList: [[JSON]], timeoutSeconds: Double = CLILimits.requestTimeoutSeconds
    ) async throws(RPCClientError) -> [Result<JSON, RPCClientError>] {
        guard !paramsList.isEmpty else { return [] }
        let body = JSON.array(
            paramsList.enumerated().map { index, params in
                ["jsonrpc": "2.0", "id": .uint64(UInt64(index)), "method": .string(method), "params": .array(params)]
            })
        let (reply, _) = try await post(body, timeoutSeconds: timeoutSeconds)
        guard case .array(let answers) = reply else {
            // A batch the node refuses whole (e.g. too many requests) is one error object.
            if case .error(let error) = Self.answer(reply, method: method) { throw error }
            throw .unexpected(method: method, reason: "a batch answer that is not an array")
        }
        var byId: [Int: Answer] = [:]
        for answer in answers { byId[Self.code(answer["id"])] = Self.answer(answer, method: method) }
        return paramsList.indices.map { index in
            switch byId[index] {
            case .result(let result)?: .success(result)
            case .error(let error)?: .failure(error)
            case nil: .failure(.unexpected(method: method, reason: "no answer for request \(index) of the batch"))
            }
        }
    }

    private static func answer(_ reply: JSON, method: String) -> Answer {
        if let error = reply["error"], !error.isNull {
            return .error(
                .failed(method: method, code: Self.code(error["code"]), message: error["message"]?.string ?? "error", data: error["data"]))
        }
        return .result(reply["result"] ?? .null)
    }

    /// POSTs `body` and parses the JSON answer; the HTTP status comes along for error messages.
    private func post(_ body: JSON, timeoutSeconds: Double) async throws(RPCClientError) -> (JSON, Int?) {
        guard let endpoint = URL(string: url), let scheme = endpoint.scheme, ["http", "https"].contains(scheme.lowercased()) else {
            throw .invalidURL(url)
        }
        var request = URLRequest(url: endpoint, timeoutInterval: timeoutSeconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        if let bearerToken { request.setValue("Bearer \(bearerToken)", forHTTPHeaderField: "authorization") }
        request.httpBody = Data(body.rendered(pretty: false).utf8)
        let (data, response) = try await BoundedResponse.fetch(request, url: url, timeoutSeconds: timeoutSeconds)
        let status = (response as? HTTPURLResponse)?.statusCode
        guard let reply = JSON(parsing: data) else { throw .notJSONRPC(url: url, httpStatus: status) }
        return (reply, status)
    }

    /// A JSON-RPC error code (an integer, usually negative).
    private static func code(_ value: JSON?) -> Int {
        if case .integer(let code)? = value { return Int(code) }
        return 0
    }
}

/// Why a JSON-RPC call failed, as the CLI reports it.
enum RPCClientError: Error, CustomStringConvertible {
    /// `--rpc` is not an http(s) URL.
    case invalidURL(String)
    /// No HTTP answer: nothing listens there, the connection broke, or the request timed out.
    case unreachable(url: String, reason: String)
    /// Something answered, but not with a JSON-RPC response.
    case notJSONRPC(url: String, httpStatus: Int?)
    /// The answer went on past `CLILimits.responseBytesMax` bytes (`BoundedResponse`).
    case answerTooLarge(url: String, bytesMax: Int)
    /// The answer was still arriving after `CLILimits.answerSecondsMax` (or the request's longer timeout).
    case answerTooSlow(url: String, seconds: Double)
    /// The node answered with a JSON-RPC error.
    case failed(method: String, code: Int, message: String, data: JSON?)
    /// The node answered with a result the CLI cannot use.
    case unexpected(method: String, reason: String)

    /// The application codes of `docs/rpc.md` the CLI reacts to.
    static let transactionRejectedCode = -32000
    static let notFoundCode = -32001
    static let unknownBlockCode = -32002
    static let timeoutCode = -32005

    /// The node's reason for refusing a transaction, with its values, when this is a −32000 error.
    var rejection: TransactionRejection? {
        guard case .failed(_, let code, _, let data) = self, code == Self.transactionRejectedCode else { return nil }
        return TransactionRejection(rpcData: data)
    }

    var description: String {
        switch self {
        case .invalidURL(let url): "--rpc is not an http(s) URL: \(url)"
        case .unreachable(let url, let reason): "cannot reach a node at \(url): \(reason) (is it running? see `sbp devnet`)"
        case .notJSONRPC(let url, let status):
            "\(url) did not answer with JSON-RPC\(status.map { " (HTTP \($0))" } ?? ""); is --rpc the node's JSON-RPC address?"
        case .answerTooLarge(let url, let bytesMax): "\(url) answered with more than \(bytesMax) bytes; the CLI stopped reading"
        case .answerTooSlow(let url, let seconds): "\(url) did not finish its answer within \(Int(seconds)) s"
        case .failed(let method, let code, let message, _): "\(method): \(rejection?.report ?? message) (code \(code))"
        case .unexpected(let method, let reason): "\(method): unexpected answer: \(reason)"
        }
    }
}
