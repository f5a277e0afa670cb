import ChainTypes
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A JSON-RPC 2.0 client for one node (docs/rpc.md): the four methods the integration tests use.
///
/// Each client has its own ephemeral `URLSession`, so a node that is killed and restarted never hands a
/// stale pooled connection to another node's client.
final class RPCClient: Sendable {
    let url: URL
    private let session: URLSession
    static let requestTimeoutSeconds = 10.0

    init(url: URL) {
        self.url = url
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.requestTimeoutSeconds
        configuration.timeoutIntervalForResource = Self.requestTimeoutSeconds
        session = URLSession(configuration: configuration)
    }

    deinit {
        session.invalidateAndCancel()
    }

    // MARK: Methods

    func status() async throws -> NodeStatusReply {
        try NodeStatusReply(try object(await call("node_status", [])))
    }

    /// `tx_send`; the node's refusal is an `RPCFailure` with the reason in `reason`.
    @discardableResult
    func send(_ transaction: Transaction) async throws -> Hash {
        let result = try await call("tx_send", ["0x" + Hex.encode(transaction.canonicalBytes)])
        guard let text = result as? String, let hash = Hash(hex: text) else { throw MalformedReply(method: "tx_send", value: "\(result)") }
        return hash
    }

    /// `tx_getReceipt`: nil while no committed block holds the transaction.
    func receipt(_ hash: Hash) async throws -> ReceiptReply? {
        let result = try await call("tx_getReceipt", ["0x" + hash.hex])
        if result is NSNull { return nil }
        return try ReceiptReply(try object(result))
    }

    /// `membership_getAccount`: the committed nonce and the nonce counting this node's pending transactions.
    func account(_ address: Address) async throws -> (nonce: UInt64, pendingNonce: UInt64) {
        let account = try object(await call("membership_getAccount", [address.description]))
        return (try uint64(account, "nonce"), try uint64(account, "pendingNonce"))
    }

    /// `chain_getBlockByHeight` with transaction hashes; nil above the node's latest height (−32002).
    func block(at height: UInt64) async throws -> BlockReply? {
        do {
            return try BlockReply(try object(await call("chain_getBlockByHeight", [height, "hashes"])))
        } catch let failure as RPCFailure where failure.code == -32002 {
            return nil
        }
    }

    /// The value of the sample `name` (no labels) on the node's `/metrics`, or nil when it has none.
    func metric(_ name: String) async throws -> Double? {
        let (data, _) = try await session.data(from: url.appendingPathComponent("metrics"))
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    // MARK: Transport

    /// Any method; the result as `JSONSerialization` reads it, an error response as `RPCFailure`.
    func call(_ method: String, _ params: [Any]) async throws -> Any {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = try JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "id": 1, "method": method, "params": params])
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw MalformedReply(method: method, value: "HTTP \((response as? HTTPURLResponse)?.statusCode ?? -1)")
        }
        let reply = try object(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]))
        if let error = reply["error"] as? [String: Any] {
            let data = error["data"] as? [String: Any]
            throw RPCFailure(
                method: method, code: (error["code"] as? NSNumber)?.intValue ?? 0, message: error["message"] as? String ?? "",
                reason: data?["reason"] as? String, detail: data.map { "\($0)" } ?? "")
        }
        guard let result = reply["result"] else { throw MalformedReply(method: method, value: "no result") }
        return result
    }

    private func object(_ value: Any) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw MalformedReply(method: "?", value: "\(value)") }
        return object
    }
}

/// `node_status`.
struct NodeStatusReply: Sendable, CustomStringConvertible {
    var nodeId: String
    var latestHeight: UInt64
    var latestHash: String
    var view: UInt64
    var peersConnected: Int
    var syncing: Bool

    init(_ object: [String: Any]) throws {
        nodeId = try field(object, "nodeId")
        latestHeight = try uint64(object, "latestHeight")
        latestHash = try field(object, "latestHash")
        view = try uint64(object, "view")
        peersConnected = try uint64(object, "peersConnected").asInt
        syncing = try field(object, "syncing")
    }

    var description: String {
        "\(nodeId) height \(latestHeight) view \(view) peers \(peersConnected)\(syncing ? " syncing" : "")"
    }
}

/// `tx_getReceipt`.
struct ReceiptReply: Sendable {
    var transactionHash: String
    var status: String
    var errorMessage: String?
    var returnData: [UInt8]
    var height: UInt64
    var blockHash: String

    init(_ object: [String: Any]) throws {
        transactionHash = try field(object, "transactionHash")
        status = try field(object, "status")
        errorMessage = object["errorMessage"] as? String
        let data: String = try field(object, "returnData")
        guard let bytes = Hex.decode(data) else { throw MalformedReply(method: "tx_getReceipt", value: data) }
        returnData = bytes
        height = try uint64(object, "height")
        blockHash = try field(object, "blockHash")
    }
}

/// `chain_getBlockByHeight` with `txs: "hashes"`.
struct BlockReply: Sendable {
    var height: UInt64
    var hash: String
    var view: UInt64
    var stateRoot: String
    var proposer: String
    var transactions: [String]

    init(_ object: [String: Any]) throws {
        hash = try field(object, "hash")
        let header: [String: Any] = try field(object, "header")
        height = try uint64(header, "height")
        view = try uint64(header, "view")
        stateRoot = try field(header, "stateRoot")
        proposer = try field(header, "proposer")
        transactions = try field(object, "transactions")
    }
}

/// A JSON-RPC error response.
struct RPCFailure: Error, CustomStringConvertible {
    var method: String
    var code: Int
    var message: String
    /// `data.reason` of a `tx_send` refusal (`nonceGap`, `mempoolFull`, ...).
    var reason: String?
    var detail: String

    var description: String { "\(method): \(code) \(message) \(detail)" }
}

/// A response that does not have the documented shape.
struct MalformedReply: Error, CustomStringConvertible {
    var method: String
    var value: String
    var description: String { "\(method): unexpected reply \(value)" }
}

private func field<Value>(_ object: [String: Any], _ name: String) throws -> Value {
    guard let value = object[name] as? Value else { throw MalformedReply(method: name, value: "\(object[name] ?? "nothing")") }
    return value
}

/// RPC integers are JSON numbers up to 2^53 − 1 and decimal strings above (docs/rpc.md).
private func uint64(_ object: [String: Any], _ name: String) throws -> UInt64 {
    if let number = object[name] as? NSNumber, number.int64Value >= 0 { return number.uint64Value }
    if let text = object[name] as? String, let value = UInt64(text) { return value }
    throw MalformedReply(method: name, value: "\(object[name] ?? "nothing")")
}

extension UInt64 {
    fileprivate var asInt: Int { Int(clamping: self) }
}
