/// Why a node refuses a transaction, wherever the refusal is decided: the ledger's checks, the mempool's
/// bounds, or the node's state; the one type the ledger, the mempool, JSON-RPC and the CLI share.
///
/// Each case has a stable machine-readable code (`reason`, the case name: JSON-RPC `data.reason`, metrics
/// keys) and carries its values, which JSON-RPC sends as `data` members named by `details` and the CLI
/// reads back with `init(reason:details:)`, so no layer turns one reason into another (issue 14,
/// deliver 8). The ledger's descriptions are also the error message of a `rejected` receipt when a faulty
/// primary includes the transaction anyway (PBFT-NOTES rule 24), so their wording is consensus data.
public enum TransactionRejection: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Ledger checks (admission and execution)

    /// The canonical encoding is above `Limits.transactionBytesMax`.
    case tooLarge(bytes: Int, limit: Int)
    /// The transaction names another chain.
    case wrongChain(expected: String, received: String)
    /// The payload does not decode as its kind's payload; the text names the payload and the decoding error.
    case malformedPayload(String)
    /// The signature does not recover to the sender; the text is the recovery error.
    case invalidSignature(String)
    /// The declared fuel limit is above the chain's `blockFuelMax`.
    case fuelLimitTooHigh(fuelLimit: UInt64, blockFuelMax: UInt64)
    /// The declared fuel limit is above the chain's per-transaction cap (`transactionFuelMax`).
    case transactionFuelTooHigh(fuelLimit: UInt64, transactionFuelMax: UInt64)
    /// The declared fuel limit cannot pay the fixed cost of the transaction's kind (`LedgerFuel`).
    case fuelLimitTooLow(fuelLimit: UInt64, required: UInt64)
    /// The expiry height is below `height`, the height the transaction would be included at.
    case expired(expiryHeight: UInt64, height: UInt64)
    /// The sender is not a registered account (DESIGN §5).
    case unknownSender(Address)
    /// The sender's account is suspended.
    case senderSuspended(Address)
    /// The sender's department has been removed.
    case departmentRemoved(String)
    /// The sender's roles do not allow this kind of transaction.
    case roleNotAllowed(kind: TransactionKind, required: [Genesis.Role])
    /// The nonce was already used (a replay or a duplicate); `expected` is the next nonce.
    case nonceTooLow(expected: UInt64, received: UInt64)
    /// Earlier nonces of the sender are missing, further back than the node queues.
    case nonceGap(expected: UInt64, received: UInt64)
    /// Execution only: the declared fuel limit is above the fuel left in the block.
    case blockFuelExhausted(fuelLimit: UInt64, remaining: UInt64)
    /// Admission only: a governance proposal the current state would refuse (a parameter out of range, a
    /// certificate that does not parse or chain to its department's CA); execution reverts it instead.
    case invalidProposal(String)

    // MARK: Mempool

    /// The same transaction (same hash) is already pending.
    case duplicate(Hash)
    /// Another pending transaction of the sender already has this nonce (ready or waiting for a gap).
    case nonceTaken(sender: Address, nonce: UInt64)
    /// The mempool holds its limit of transactions; nothing already admitted is dropped.
    case mempoolFull(limit: Int)
    /// The transaction's bytes do not fit beside the bytes already pending.
    case mempoolBytesFull(transactionBytes: Int, pendingBytes: Int, limit: Int)
    /// The sender already has its limit of pending transactions.
    case mempoolSenderFull(sender: Address, limit: Int)
    /// The mempool queues its limit of transactions waiting for an earlier nonce.
    case mempoolFutureFull(limit: Int)

    // MARK: Node

    /// The node cannot decide now (it halted, or the ledger cannot read its state); retry later or elsewhere.
    case unavailable(String)

    /// The stable code of each case; its raw value is JSON-RPC's `data.reason`.
    public enum Reason: String, CaseIterable, Sendable {
        case tooLarge, wrongChain, malformedPayload, invalidSignature, fuelLimitTooHigh, transactionFuelTooHigh, fuelLimitTooLow
        case expired, unknownSender, senderSuspended, departmentRemoved, roleNotAllowed, nonceTooLow, nonceGap
        case blockFuelExhausted, invalidProposal, duplicate, nonceTaken, mempoolFull, mempoolBytesFull, mempoolSenderFull
        case mempoolFutureFull, unavailable
    }

    /// One value a rejection carries, typed so that a client can read it back exactly.
    public enum Detail: Hashable, Sendable {
        case integer(UInt64)
        case text(String)
        case address(Address)
        case hash(Hash)
        case texts([String])
    }

    public var reason: Reason {
        switch self {
        case .tooLarge: .tooLarge
        case .wrongChain: .wrongChain
        case .malformedPayload: .malformedPayload
        case .invalidSignature: .invalidSignature
        case .fuelLimitTooHigh: .fuelLimitTooHigh
        case .transactionFuelTooHigh: .transactionFuelTooHigh
        case .fuelLimitTooLow: .fuelLimitTooLow
        case .expired: .expired
        case .unknownSender: .unknownSender
        case .senderSuspended: .senderSuspended
        case .departmentRemoved: .departmentRemoved
        case .roleNotAllowed: .roleNotAllowed
        case .nonceTooLow: .nonceTooLow
        case .nonceGap: .nonceGap
        case .blockFuelExhausted: .blockFuelExhausted
        case .invalidProposal: .invalidProposal
        case .duplicate: .duplicate
        case .nonceTaken: .nonceTaken
        case .mempoolFull: .mempoolFull
        case .mempoolBytesFull: .mempoolBytesFull
        case .mempoolSenderFull: .mempoolSenderFull
        case .mempoolFutureFull: .mempoolFutureFull
        case .unavailable: .unavailable
        }
    }

    /// The stable code as text: JSON-RPC `data.reason`, the mempool's metrics key.
    public var code: String { reason.rawValue }

    public var description: String {
        switch self {
        case .tooLarge(let bytes, let limit): "transaction is \(bytes) bytes; the limit is \(limit)"
        case .wrongChain(let expected, let received): "transaction is for chain \"\(received)\", this chain is \"\(expected)\""
        case .malformedPayload(let detail): "malformed payload: \(detail)"
        case .invalidSignature(let detail): "bad signature: \(detail)"
        case .fuelLimitTooHigh(let fuelLimit, let blockFuelMax): "fuel limit \(fuelLimit) exceeds the block fuel limit \(blockFuelMax)"
        case .transactionFuelTooHigh(let fuelLimit, let transactionFuelMax):
            "fuel limit \(fuelLimit) exceeds the per-transaction fuel limit \(transactionFuelMax)"
        case .fuelLimitTooLow(let fuelLimit, let required): "fuel limit \(fuelLimit) is below the \(required) fuel this transaction costs"
        case .expired(let expiryHeight, let height): "transaction expired at height \(expiryHeight); chain is at \(height)"
        case .unknownSender(let address): "sender \(address) is not a registered account"
        case .senderSuspended(let address): "sender \(address) is suspended"
        case .departmentRemoved(let department): "sender's department \(department) has been removed"
        case .roleNotAllowed(let kind, let required):
            "\(kind) transactions need one of the roles \(required.map(\.rawValue).joined(separator: ", "))"
        case .nonceTooLow(let expected, let received): "nonce \(received) already used (replay); next nonce is \(expected)"
        case .nonceGap(let expected, let received): "nonce \(received) leaves a gap; next nonce is \(expected)"
        case .blockFuelExhausted(let fuelLimit, let remaining): "fuel limit \(fuelLimit) exceeds the \(remaining) fuel left in this block"
        case .invalidProposal(let detail): "invalid proposal: \(detail)"
        case .duplicate(let hash): "transaction \(hash) is already pending"
        case .nonceTaken(let sender, let nonce): "another pending transaction of \(sender) already has nonce \(nonce)"
        case .mempoolFull(let limit): "the mempool is full: it holds its limit of \(limit) transactions; retry after the next block"
        case .mempoolBytesFull(let transactionBytes, let pendingBytes, let limit):
            "the mempool is full: a \(transactionBytes)-byte transaction does not fit beside \(pendingBytes) pending bytes (limit \(limit))"
        case .mempoolSenderFull(let sender, let limit):
            "the mempool is full: sender \(sender) already has its limit of \(limit) pending transactions; retry after the next block"
        case .mempoolFutureFull(let limit):
            "the mempool is full: it queues its limit of \(limit) transactions waiting for an earlier nonce; send the missing nonces first"
        case .unavailable(let detail): "the node is not accepting transactions: \(detail)"
        }
    }

    /// The case's values by name, in declaration order: JSON-RPC's `data` members beside `reason`.
    public var details: [(name: String, value: Detail)] {
        switch self {
        case .tooLarge(let bytes, let limit): [("bytes", .count(bytes)), ("limit", .count(limit))]
        case .wrongChain(let expected, let received): [("expected", .text(expected)), ("received", .text(received))]
        case .malformedPayload(let detail), .invalidSignature(let detail), .invalidProposal(let detail), .unavailable(let detail):
            [("detail", .text(detail))]
        case .fuelLimitTooHigh(let fuelLimit, let blockFuelMax):
            [("fuelLimit", .integer(fuelLimit)), ("blockFuelMax", .integer(blockFuelMax))]
        case .transactionFuelTooHigh(let fuelLimit, let transactionFuelMax):
            [("fuelLimit", .integer(fuelLimit)), ("transactionFuelMax", .integer(transactionFuelMax))]
        case .fuelLimitTooLow(let fuelLimit, let required): [("fuelLimit", .integer(fuelLimit)), ("required", .integer(required))]
        case .expired(let expiryHeight, let height): [("expiryHeight", .integer(expiryHeight)), ("height", .integer(height))]
        case .unknownSender(let sender), .senderSuspended(let sender): [("sender", .address(sender))]
        case .departmentRemoved(let department): [("department", .text(department))]
        case .roleNotAllowed(let kind, let required): [("kind", .text("\(kind)")), ("required", .texts(required.map(\.rawValue)))]
        case .nonceTooLow(let expected, let received), .nonceGap(let expected, let received):
            [("expected", .integer(expected)), ("received", .integer(received))]
        case .blockFuelExhausted(let fuelLimit, let remaining): [("fuelLimit", .integer(fuelLimit)), ("remaining", .integer(remaining))]
        case .duplicate(let hash): [("hash", .hash(hash))]
        case .nonceTaken(let sender, let nonce): [("sender", .address(sender)), ("nonce", .integer(nonce))]
        case .mempoolFull(let limit), .mempoolFutureFull(let limit): [("limit", .count(limit))]
        case .mempoolBytesFull(let transactionBytes, let pendingBytes, let limit):
            [("transactionBytes", .count(transactionBytes)), ("pendingBytes", .count(pendingBytes)), ("limit", .count(limit))]
        case .mempoolSenderFull(let sender, let limit): [("sender", .address(sender)), ("limit", .count(limit))]
        }
    }
}

extension TransactionRejection {
    /// Rebuilds a rejection from its code and values (a client reading JSON-RPC's `data`); nil when the
    /// code is unknown or a value is missing or of the wrong form. Text values stand in for any other form
    /// (a decimal integer, a hex address or hash), since that is how JSON carries them.
    public init?(reason code: String, details: [String: Detail]) {
        guard let reason = Reason(rawValue: code) else { return nil }
        let values = DetailReader(details: details)
        guard let rejection = Self.rebuild(reason, from: values) else { return nil }
        self = rejection
    }

    private static func rebuild(_ reason: Reason, from values: DetailReader) -> TransactionRejection? {
        switch reason {
        case .tooLarge: values.counts("bytes", "limit").map { .tooLarge(bytes: $0, limit: $1) }
        case .wrongChain: values.texts("expected", "received").map { .wrongChain(expected: $0, received: $1) }
        case .malformedPayload: values.text("detail").map { .malformedPayload($0) }
        case .invalidSignature: values.text("detail").map { .invalidSignature($0) }
        case .fuelLimitTooHigh: values.integers("fuelLimit", "blockFuelMax").map { .fuelLimitTooHigh(fuelLimit: $0, blockFuelMax: $1) }
        case .transactionFuelTooHigh:
            values.integers("fuelLimit", "transactionFuelMax").map { .transactionFuelTooHigh(fuelLimit: $0, transactionFuelMax: $1) }
        case .fuelLimitTooLow: values.integers("fuelLimit", "required").map { .fuelLimitTooLow(fuelLimit: $0, required: $1) }
        case .expired: values.integers("expiryHeight", "height").map { .expired(expiryHeight: $0, height: $1) }
        case .unknownSender: values.address("sender").map { .unknownSender($0) }
        case .senderSuspended: values.address("sender").map { .senderSuspended($0) }
        case .departmentRemoved: values.text("department").map { .departmentRemoved($0) }
        case .roleNotAllowed: values.roleNotAllowed()
        case .nonceTooLow: values.integers("expected", "received").map { .nonceTooLow(expected: $0, received: $1) }
        case .nonceGap: values.integers("expected", "received").map { .nonceGap(expected: $0, received: $1) }
        case .blockFuelExhausted: values.integers("fuelLimit", "remaining").map { .blockFuelExhausted(fuelLimit: $0, remaining: $1) }
        case .invalidProposal: values.text("detail").map { .invalidProposal($0) }
        case .duplicate: values.hash("hash").map { .duplicate($0) }
        case .nonceTaken:
            values.address("sender").flatMap { sender in values.integer("nonce").map { .nonceTaken(sender: sender, nonce: $0) } }
        case .mempoolFull: values.count("limit").map { .mempoolFull(limit: $0) }
        case .mempoolBytesFull:
            values.counts("transactionBytes", "pendingBytes").flatMap { bytes, pending in
                values.count("limit").map { .mempoolBytesFull(transactionBytes: bytes, pendingBytes: pending, limit: $0) }
            }
        case .mempoolSenderFull:
            values.address("sender").flatMap { sender in values.count("limit").map { .mempoolSenderFull(sender: sender, limit: $0) } }
        case .mempoolFutureFull: values.count("limit").map { .mempoolFutureFull(limit: $0) }
        case .unavailable: values.text("detail").map { .unavailable($0) }
        }
    }
}

extension TransactionRejection.Detail {
    /// A size or count the node measured (never negative).
    static func count(_ value: Int) -> Self { .integer(UInt64(clamping: value)) }
}

/// Typed reads of a rejection's named values, accepting the text forms JSON uses.
private struct DetailReader {
    let details: [String: TransactionRejection.Detail]

    func integer(_ name: String) -> UInt64? {
        switch details[name] {
        case .integer(let value): value
        case .text(let text): UInt64(text)
        default: nil
        }
    }

    func count(_ name: String) -> Int? { integer(name).flatMap { Int(exactly: $0) } }

    func text(_ name: String) -> String? {
        if case .text(let text) = details[name] { return text }
        return nil
    }

    func address(_ name: String) -> Address? {
        switch details[name] {
        case .address(let address): address
        case .text(let text): Address(hex: text)
        default: nil
        }
    }

    func hash(_ name: String) -> Hash? {
        switch details[name] {
        case .hash(let hash): hash
        case .text(let text): Hash(hex: text)
        default: nil
        }
    }

    func integers(_ first: String, _ second: String) -> (UInt64, UInt64)? {
        guard let a = integer(first), let b = integer(second) else { return nil }
        return (a, b)
    }

    func counts(_ first: String, _ second: String) -> (Int, Int)? {
        guard let a = count(first), let b = count(second) else { return nil }
        return (a, b)
    }

    func texts(_ first: String, _ second: String) -> (String, String)? {
        guard let a = text(first), let b = text(second) else { return nil }
        return (a, b)
    }

    func roleNotAllowed() -> TransactionRejection? {
        guard let kindText = text("kind"), let kind = TransactionKind.allCases.first(where: { "\($0)" == kindText }),
            case .texts(let names) = details["required"]
        else { return nil }
        let roles = names.compactMap(Genesis.Role.init(rawValue:))
        guard roles.count == names.count else { return nil }
        return .roleNotAllowed(kind: kind, required: roles)
    }
}

extension TransactionRejection {
    /// A rejection of `reason` with placeholder values: its `details` name the values every rejection of
    /// that reason carries, which the OpenRPC document lists, and tests walk every reason through it.
    public static func sample(_ reason: Reason) -> TransactionRejection {
        let address = Address.zero
        return switch reason {
        case .tooLarge: .tooLarge(bytes: 0, limit: 0)
        case .wrongChain: .wrongChain(expected: "", received: "")
        case .malformedPayload: .malformedPayload("")
        case .invalidSignature: .invalidSignature("")
        case .fuelLimitTooHigh: .fuelLimitTooHigh(fuelLimit: 0, blockFuelMax: 0)
        case .transactionFuelTooHigh: .transactionFuelTooHigh(fuelLimit: 0, transactionFuelMax: 0)
        case .fuelLimitTooLow: .fuelLimitTooLow(fuelLimit: 0, required: 0)
        case .expired: .expired(expiryHeight: 0, height: 0)
        case .unknownSender: .unknownSender(address)
        case .senderSuspended: .senderSuspended(address)
        case .departmentRemoved: .departmentRemoved("")
        case .roleNotAllowed: .roleNotAllowed(kind: .call, required: [])
        case .nonceTooLow: .nonceTooLow(expected: 0, received: 0)
        case .nonceGap: .nonceGap(expected: 0, received: 0)
        case .blockFuelExhausted: .blockFuelExhausted(fuelLimit: 0, remaining: 0)
        case .invalidProposal: .invalidProposal("")
        case .duplicate: .duplicate(.zero)
        case .nonceTaken: .nonceTaken(sender: address, nonce: 0)
        case .mempoolFull: .mempoolFull(limit: 0)
        case .mempoolBytesFull: .mempoolBytesFull(transactionBytes: 0, pendingBytes: 0, limit: 0)
        case .mempoolSenderFull: .mempoolSenderFull(sender: address, limit: 0)
        case .mempoolFutureFull: .mempoolFutureFull(limit: 0)
        case .unavailable: .unavailable("")
        }
    }
}
