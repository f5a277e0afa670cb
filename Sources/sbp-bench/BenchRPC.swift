import ChainTypes
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where the closed loop's submitter sends one sender's transactions and reads its nonce: a node's
/// JSON-RPC (`BenchRPC`), or a test's stand-in.
protocol SubmitTarget: Sendable {
    /// The account's next nonce, as the node has committed it.
    func nonce(of address: Address) async throws -> UInt64
    /// Sends `transactions` as one batch; the index of the first one refused and why, or nil.
    func send(_ transactions: [TxSendRequest]) async throws -> (index: Int, reason: String)?
}

/// The few JSON-RPC calls the network benchmark makes, over URLSession.
struct BenchRPC: SubmitTarget {
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

    /// Sends `transactions` as one batch of `tx_send`; the index of the first one refused and why
    /// (`data.reason`, else the error), or nil.
    func send(_ transactions: [TxSendRequest]) async throws -> (index: Int, reason: String)? {
        let (data, status) = try await exchange(TxSendRequest.batch(transactions))
        if Self.acceptedWhole(data, status: status) { return nil }
        return try Self.refusals(in: data, status: status)
            .compactMap { refusal in refusal.index.map { ($0, refusal.reason) } }
            .min { $0.index < $1.index }
    }

    /// Sends `transactions` (one sender's, in nonce order) as one batch of `tx_send`; the index of the
    /// first one to send again with the reason (`data.reason` or the HTTP status), or nil when the node holds
    /// all of them.
    ///
    /// A transaction the node already holds or has committed (`duplicate`, `nonceTaken`, `nonceTooLow`
    /// after a retried batch) counts as held; a bound or a busy server means "later"; any other refusal
    /// is a benchmark bug and throws.
    func offer(_ transactions: [TxSendRequest]) async throws -> (index: Int, reason: String)? {
        let (data, status) = try await exchange(TxSendRequest.batch(transactions))
        if status == 429 || status == 503 { return (0, "HTTP \(status)") }
        if Self.acceptedWhole(data, status: status) { return nil }
        var first: (index: Int, reason: String)?
        for refusal in try Self.refusals(in: data, status: status) {
            guard let index = refusal.index else { throw Failure(description: "tx_send reply without id: \(refusal.error)") }
            switch refusal.reason {
            case "duplicate", "nonceTaken", "nonceTooLow": continue
            case "mempoolFull", "mempoolBytesFull", "mempoolSenderFull", "mempoolFutureFull", "unavailable", "nonceGap":
                if first.map({ index < $0.index }) ?? true { first = (index, refusal.reason) }
            default:
                throw Failure(description: "tx_send refused transaction \(index) of the batch: \(refusal.error)")
            }
        }
        return first
    }

    /// The error replies of a `tx_send` batch: each one's `id` (nil when it has none), its reason
    /// (`data.reason`, else the whole error) and the error itself; throws when the reply is not an array.
    private static func refusals(in data: Data, status: Int) throws -> [(index: Int?, reason: String, error: [String: Any])] {
        guard let responses = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Failure(description: "tx_send batch (HTTP \(status)): \(String(decoding: data, as: UTF8.self).prefix(300))")
        }
        return responses.compactMap { response in
            guard let error = response["error"] as? [String: Any] else { return nil }
            return (response["id"] as? Int, (error["data"] as? [String: Any])?["reason"] as? String ?? "\(error)", error)
        }
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
        let (data, response) = try await Self.session.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    /// Whether a `tx_send` batch's reply says that every transaction was accepted, read without parsing it.
    ///
    /// Each accepted transaction's reply is its hash, so a batch reply with no error member refused none;
    /// anything else (another status, not an array, an error anywhere) is parsed as before. Parsing every
    /// reply while the clock ran was a fifth of the client's CPU (issue 18).
    private static func acceptedWhole(_ data: Data, status: Int) -> Bool {
        status == 200 && data.first == UInt8(ascii: "[") && data.range(of: errorMember) == nil
    }

    /// A JSON-RPC error reply's member name, quoted: the only way the text can appear in a `tx_send` batch's reply.
    private static let errorMember = Data(#""error""#.utf8)

    /// The session every request goes through: no cache. The shared session looked every POST up in its
    /// URL cache, a few per cent of the client's CPU, which the validators it measures share (issue 18).
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }()

    private static func uint64(_ value: Any) throws -> UInt64 {
        if let number = value as? Int, let exact = UInt64(exactly: number) { return exact }
        if let text = value as? String, let parsed = UInt64(text) { return parsed }
        throw Failure(description: "not an unsigned integer: \(value)")
    }
}

/// A signed transaction as a `tx_send` request carries it, encoded before a measured phase starts.
///
/// The client shares the machine's cores with the validators it measures. Encoding each transaction's
/// canonical bytes as hex while the clock ran took about a third of the client's CPU in a profile of four
/// validators (issue 18); a load generator prepares its requests in advance, as it signs them.
struct TxSendRequest: Sendable {
    /// The request's members after its `id`: the method and the transaction in hex, with the closing brace.
    private let tail: String

    init(_ transaction: Transaction) {
        tail = #","method":"tx_send","params":["0x\#(Hex.encode(transaction.canonicalBytes))"]}"#
    }

    /// Each sender's transactions (`LicenceSigner.sign`) as requests.
    static func encode(_ signed: [[Transaction]]) -> [[TxSendRequest]] {
        signed.map { $0.map(TxSendRequest.init) }
    }

    /// `requests` as one JSON-RPC batch, each with its index in the batch as its `id`.
    static func batch(_ requests: [TxSendRequest]) -> String {
        var body = "["
        body.reserveCapacity(requests.reduce(2) { $0 + $1.tail.utf8.count + 32 })
        for (index, request) in requests.enumerated() {
            if index > 0 { body += "," }
            body += #"{"jsonrpc":"2.0","id":"#
            body += String(index)
            body += request.tail
        }
        body += "]"
        return body
    }
}
