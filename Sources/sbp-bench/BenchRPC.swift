import ChainTypes
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The few JSON-RPC calls the network benchmark makes, over URLSession.
struct BenchRPC: Sendable {
    let url: URL

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

    private func call(_ method: String, _ params: String) async throws -> Any {
        let data = try await post(#"{"jsonrpc":"2.0","id":1,"method":"\#(method)","params":\#(params)}"#)
        guard let response = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "\(method): not a JSON object")
        }
        if let error = response["error"] { throw Failure(description: "\(method): \(error)") }
        return response["result"] ?? NSNull()
    }

    private func post(_ body: String) async throws -> Data {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        request.timeoutInterval = 30
        let (data, _) = try await URLSession.shared.data(for: request)
        return data
    }

    private static func uint64(_ value: Any) throws -> UInt64 {
        if let number = value as? Int, let exact = UInt64(exactly: number) { return exact }
        if let text = value as? String, let parsed = UInt64(text) { return parsed }
        throw Failure(description: "not an unsigned integer: \(value)")
    }
}
