import ChainTypes

/// Why the node refused a transaction, typed so that clients can act on it (`tx_send` error −32000).
///
/// The JSON-RPC error carries `data.reason` (the case name, stable API) and the case's values, so a wallet
/// can, say, refetch the nonce on `nonceTooLow` without parsing the message.
public enum TransactionRejection: Error, Hashable, Sendable {
    /// The signature does not recover to the transaction's sender.
    case invalidSignature
    /// The transaction names another chain.
    case wrongChain(expected: String, received: String)
    /// The sender is not a registered account (DESIGN §5).
    case unknownSender(Address)
    /// The sender's roles do not allow this kind of transaction.
    case notPermitted(sender: Address, reason: String)
    /// The nonce was already used; `expected` is the account's next nonce.
    case nonceTooLow(expected: UInt64, received: UInt64)
    /// The nonce is further ahead of the account's next nonce than the mempool keeps.
    case nonceTooHigh(expected: UInt64, received: UInt64)
    /// The expiry height has passed.
    case expired(expiryHeight: UInt64, latestHeight: UInt64)
    /// The fuel limit is above the per-transaction maximum.
    case fuelLimitTooHigh(fuelLimit: UInt64, maximum: UInt64)
    /// The mempool is at its limit; retry later.
    case mempoolFull
    /// The node is not taking transactions now (syncing, shutting down); retry later or elsewhere.
    case unavailable(String)

    /// The machine-readable reason: the case name.
    public var reason: String {
        switch self {
        case .invalidSignature: return "invalidSignature"
        case .wrongChain: return "wrongChain"
        case .unknownSender: return "unknownSender"
        case .notPermitted: return "notPermitted"
        case .nonceTooLow: return "nonceTooLow"
        case .nonceTooHigh: return "nonceTooHigh"
        case .expired: return "expired"
        case .fuelLimitTooHigh: return "fuelLimitTooHigh"
        case .mempoolFull: return "mempoolFull"
        case .unavailable: return "unavailable"
        }
    }

    /// Every reason, for the OpenRPC document and the documentation.
    public static let reasons = [
        "invalidSignature", "wrongChain", "unknownSender", "notPermitted", "nonceTooLow", "nonceTooHigh", "expired",
        "fuelLimitTooHigh", "mempoolFull", "unavailable",
    ]

    /// A sentence for people.
    public var message: String {
        switch self {
        case .invalidSignature: return "the signature does not recover to the sender"
        case .wrongChain(let expected, let received): return "the transaction is for chain \(received), this is \(expected)"
        case .unknownSender(let sender): return "sender \(sender) is not a registered account"
        case .notPermitted(let sender, let reason): return "sender \(sender) may not send this transaction: \(reason)"
        case .nonceTooLow(let expected, let received): return "nonce \(received) was already used; the next nonce is \(expected)"
        case .nonceTooHigh(let expected, let received):
            return "nonce \(received) is too far ahead of the next nonce \(expected)"
        case .expired(let expiryHeight, let latestHeight):
            return "the transaction expired at height \(expiryHeight); the latest height is \(latestHeight)"
        case .fuelLimitTooHigh(let fuelLimit, let maximum): return "fuel limit \(fuelLimit) is above the maximum \(maximum)"
        case .mempoolFull: return "the mempool is full"
        case .unavailable(let why): return "the node is not accepting transactions: \(why)"
        }
    }

    /// The JSON-RPC error `data`: the reason and the case's values.
    var data: JSONValue {
        var object = JSONObject([(key: "reason", value: .string(reason))])
        switch self {
        case .invalidSignature, .mempoolFull: break
        case .wrongChain(let expected, let received):
            object.append("expected", .string(expected))
            object.append("received", .string(received))
        case .unknownSender(let sender):
            object.append("sender", RPCJSON.address(sender))
        case .notPermitted(let sender, let reason):
            object.append("sender", RPCJSON.address(sender))
            object.append("detail", .string(reason))
        case .nonceTooLow(let expected, let received), .nonceTooHigh(let expected, let received):
            object.append("expected", RPCJSON.uint64(expected))
            object.append("received", RPCJSON.uint64(received))
        case .expired(let expiryHeight, let latestHeight):
            object.append("expiryHeight", RPCJSON.uint64(expiryHeight))
            object.append("latestHeight", RPCJSON.uint64(latestHeight))
        case .fuelLimitTooHigh(let fuelLimit, let maximum):
            object.append("fuelLimit", RPCJSON.uint64(fuelLimit))
            object.append("maximum", RPCJSON.uint64(maximum))
        case .unavailable(let why):
            object.append("detail", .string(why))
        }
        return .object(object)
    }
}
