import ChainTypes
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The few JSON-RPC calls the network benchmark makes, over URLSession.
struct BenchRPC: Sendable {
    let url: URL

    /// The node's WebSocket endpoint (`/ws` on the same host and port, `ws` or `wss` as `url` is plain or TLS).
    var webSocketURL: String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false) ?? URLComponents()
        components.scheme = url.scheme == "https" ? "wss" : "ws"
        components.path = "/ws"
        return components.string ?? "ws://127.0.0.1/ws"
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `chain_getLatestHeight`.
    func height() async throws -> UInt64 {
        try Self.uint64(try await call("chain_getLatestHeight", "[]"))
    }

    /// The nonce the account's next transaction needs (`membership_getAccount`): its committed count.
    func nonce(of address: Address) async throws -> UInt64 {
        guard let account = try await call("membership_getAccount", #"["\#(address)"]"#) as? [String: Any] else {
            throw Failure(description: "\(address) is not an account")
        }
        return try Self.uint64(account["nonce"] as Any)
    }

    /// Sends `transactions` as one batch of `tx_send`; the index of the first one refused, or nil.
    func send(_ transactions: [Transaction]) async throws -> Int? {
        let requests = transactions.enumerated().map { index, transaction in
            #"{"jsonrpc":"2.0","id":\#(index),"method":"tx_send","params":["0x\#(Hex.encode(transaction.canonicalBytes))"]}"#
        }
        let data = try await post("[" + requests.joined(separator: ",") + "]")
        guard let responses = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure(description: "tx_send batch: \(String(decoding: data, as: UTF8.self).prefix(300))")
        }
        let refused = responses.compactMap { response -> Int? in
            response["error"] == nil ? nil : response["id"] as? Int
        }
        return refused.min()
    }

    /// Sends `transactions` (one sender's, in nonce order) as one batch of `tx_send`; the index of the
    /// first one to send again with the reason (`data.reason` or the HTTP status), or nil when the node holds
    /// all of them.
    ///
    /// A transaction the node already holds or has committed (`duplicate`, `nonceTaken`, `nonceTooLow`
    /// after a retried batch) counts as held; a bound or a busy server means "later"; any other refusal
    /// is a benchmark bug and throws.
    func offer(_ transactions: [Transaction]) async throws -> (index: Int, reason: String)? {
        let requests = transactions.enumerated().map { index, transaction in
            #"{"jsonrpc":"2.0","id":\#(index),"method":"tx_send","params":["0x\#(Hex.encode(transaction.canonicalBytes))"]}"#
        }
        let (data, status) = try await exchange("[" + requests.joined(separator: ",") + "]")
        if status == 429 || status == 503 { return (0, "HTTP \(status)") }
        guard let responses = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure(description: "tx_send batch (HTTP \(status)): \(String(decoding: data, as: UTF8.self).prefix(300))")
        }
        var first: (index: Int, reason: String)?
        for response in responses {
            guard let error = response["error"] as? [String: Any] else { continue }
            guard let index = response["id"] as? Int else { throw Failure(description: "tx_send reply without id: \(response)") }
            let reason = (error["data"] as? [String: Any])?["reason"] as? String ?? "\(error)"
            switch reason {
            case "duplicate", "nonceTaken", "nonceTooLow": continue
            case "mempoolFull", "mempoolBytesFull", "mempoolSenderFull", "mempoolFutureFull", "unavailable", "nonceGap":
                if first.map({ index < $0.index }) ?? true { first = (index, reason) }
            default:
                throw Failure(description: "tx_send refused transaction \(index) of the batch: \(error)")
            }
        }
        return first
    }

    /// The nonces of `addresses` in one JSON-RPC batch of `membership_getAccount`, in their order.
    func nonces(of addresses: [Address]) async throws -> [UInt64] {
        let requests = addresses.enumerated().map { index, address in
            #"{"jsonrpc":"2.0","id":\#(index),"method":"membership_getAccount","params":["\#(address)"]}"#
        }
        let (data, status) = try await exchange("[" + requests.joined(separator: ",") + "]")
        guard let responses = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure(description: "membership_getAccount batch (HTTP \(status)): \(String(decoding: data, as: UTF8.self).prefix(300))")
        }
        var nonces = Array(repeating: UInt64(0), count: addresses.count)
        for response in responses {
            guard let index = response["id"] as? Int, nonces.indices.contains(index),
                let account = response["result"] as? [String: Any]
            else { throw Failure(description: "membership_getAccount: \(response)") }
            nonces[index] = try Self.uint64(account["nonce"] as Any)
        }
        return nonces
    }

    private func call(_ method: String, _ params: String) async throws -> Any {
        let data = try await post(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#)
        guard let response = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "\(method): not a JSON object")
        }
        if let error = response["error"] { throw Failure(description: "\(method): \(error)") }
        return response["result"] ?? NSNull()
    }

    private func post(_ body: String) async throws -> Data {
        try await exchange(body).data
    }

    /// POSTs `body`; the response body and the HTTP status.
    private func exchange(_ body: String) async throws -> (data: Data, status: Int) {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        request.timeoutInterval = 30
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    private static func uint64(_ value: Any) throws -> UInt64 {
        if let number = value as? Int, let exact = UInt64(exactly: number) { return exact }
        if let text = value as? String, let parsed = UInt64(text) { return parsed }
        throw Failure(description: "not an unsigned integer: \(value)")
    }
}
