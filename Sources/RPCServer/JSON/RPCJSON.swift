import ChainTypes

/// The JSON form of every ChainTypes value the API returns or accepts, defined once.
///
/// Rules (also in `docs/rpc.md`):
/// - hashes, addresses, signatures and byte strings are `0x` + lowercase hex (`"0x"` for no bytes);
///   on input the `0x` prefix is required and hex digits of either case are accepted;
/// - unsigned 64-bit integers are JSON numbers up to 2^53 − 1 (`RPCLimits.jsonSafeIntegerMax`) and decimal
///   strings above it, because JavaScript and many JSON readers hold numbers as doubles; on input both a
///   number (no fraction, no exponent) and a decimal string are accepted;
/// - enumerations are their case names as strings (`"call"`, `"outOfFuel"`);
/// - object members appear in a fixed order, but clients must not depend on it.
public enum RPCJSON {
    // MARK: Scalars

    /// `0x` + 64 lowercase hex digits.
    public static func hash(_ hash: Hash) -> JSONValue { .string("0x" + hash.hex) }

    /// `0x` + 40 lowercase hex digits.
    public static func address(_ address: Address) -> JSONValue { .string("0x" + Hex.encode(address.bytes)) }

    /// `0x` + two lowercase hex digits per byte; `"0x"` for none.
    public static func bytes(_ bytes: [UInt8]) -> JSONValue { .string("0x" + Hex.encode(bytes)) }

    /// A number up to 2^53 − 1, a decimal string above it.
    public static func uint64(_ value: UInt64) -> JSONValue {
        value <= RPCLimits.jsonSafeIntegerMax ? .number(value) : .string(String(value))
    }

    /// Reads a `u64` written either way; nil for negatives, fractions, exponents, overflow or other types.
    public static func uint64(from value: JSONValue) -> UInt64? {
        switch value {
        case .number(let number): return number.uint64Value
        case .string(let text):
            guard text == "0" || (text.first != "0" && !text.isEmpty) else { return nil }
            return JSONNumber(validatedText: text).uint64Value
        default: return nil
        }
    }

    /// Reads `0x` + an even number of hex digits; nil for anything else or when longer than `maxBytes`.
    public static func bytes(from value: JSONValue, maxBytes: Int) -> [UInt8]? {
        guard case .string(let text) = value, text.utf8.starts(with: "0x".utf8) else { return nil }
        guard text.utf8.count <= 2 + 2 * maxBytes else { return nil }
        return Hex.decode(text)
    }

    /// Reads `0x` + 64 hex digits; nil for anything else.
    public static func hash(from value: JSONValue) -> Hash? {
        bytes(from: value, maxBytes: Hash.byteCount).flatMap { Hash(bytes: $0) }
    }

    /// Reads `0x` + 40 hex digits; nil for anything else.
    public static func address(from value: JSONValue) -> Address? {
        bytes(from: value, maxBytes: Address.byteCount).flatMap { Address(bytes: $0) }
    }

    // MARK: Chain values

    /// Every header field; the block hash is given beside the header, not inside it (it is the header's hash).
    public static func header(_ header: BlockHeader) -> JSONValue {
        .object([
            "chainId": .string(header.chainId),
            "height": uint64(header.height),
            "view": uint64(header.view),
            "timestampMs": uint64(header.timestampMs),
            "parentHash": hash(header.parentHash),
            "proposer": address(header.proposer),
            "transactionsRoot": hash(header.transactionsRoot),
            "lastCommitHash": hash(header.lastCommitHash),
            "previousReceiptsRoot": hash(header.previousReceiptsRoot),
            "stateRoot": hash(header.stateRoot),
            "validatorsHash": hash(header.validatorsHash),
        ])
    }

    /// A block with its header, its transactions in the requested detail, and the certificate it carries.
    ///
    /// `transactions` is absent for `.none`, an array of hashes for `.hashes` and of objects for `.full`;
    /// `transactionCount` is always present.
    public static func block(_ block: Block, transactions detail: BlockTransactionsDetail) -> JSONValue {
        var object = JSONObject([
            (key: "hash", value: hash(block.hash)),
            (key: "header", value: header(block.header)),
            (key: "transactionCount", value: .number(block.transactions.count)),
        ])
        switch detail {
        case .none: break
        case .hashes: object.append("transactions", .array(block.transactions.map { hash($0.hash) }))
        case .full: object.append("transactions", .array(block.transactions.map(transaction)))
        }
        object.append("lastCommit", block.lastCommit.map(certificate) ?? .null)
        return .object(object)
    }

    /// A signed transaction, flattened: its hash, the body's fields and the 65-byte `r ‖ s ‖ v` signature.
    public static func transaction(_ transaction: Transaction) -> JSONValue {
        let body = transaction.body
        return .object([
            "hash": hash(transaction.hash),
            "chainId": .string(body.chainId),
            "sender": address(body.sender),
            "nonce": uint64(body.nonce),
            "kind": .string(name(of: body.kind)),
            "payload": bytes(body.payload),
            "fuelLimit": uint64(body.fuelLimit),
            "expiryHeight": uint64(body.expiryHeight),
            "signature": bytes(transaction.signature.bytes),
        ])
    }

    /// A commit certificate: what was committed and each vote's validator index and signature.
    public static func certificate(_ certificate: CommitCertificate) -> JSONValue {
        .object([
            "height": uint64(certificate.height),
            "view": uint64(certificate.view),
            "blockHash": hash(certificate.blockHash),
            "votes": .array(
                certificate.votes.map { vote in
                    .object(["validatorIndex": .number(Int(vote.validatorIndex)), "signature": bytes(vote.signature.bytes)])
                }),
        ])
    }

    /// A contract event with its data as hex.
    public static func event(_ event: Event) -> JSONValue {
        .object(["contract": address(event.contract), "topic": .string(event.topic), "data": bytes(event.data)])
    }

    /// A receipt and where it was committed; `errorMessage` is null on success.
    public static func receipt(_ committed: CommittedReceipt) -> JSONValue {
        let receipt = committed.receipt
        return .object([
            "transactionHash": hash(receipt.transactionHash),
            "status": .string(name(of: receipt.status)),
            "fuelUsed": uint64(receipt.fuelUsed),
            "errorMessage": receipt.errorMessage.isEmpty ? .null : .string(receipt.errorMessage),
            "events": .array(receipt.events.map(event)),
            "returnData": bytes(receipt.returnData),
            "height": uint64(committed.height),
            "index": .number(UInt64(committed.index)),
            "blockHash": hash(committed.blockHash),
        ])
    }

    /// The `node_status` result.
    public static func nodeStatus(_ status: NodeStatus) -> JSONValue {
        .object([
            "chainId": .string(status.chainId),
            "nodeId": .string(status.nodeId),
            "latestHeight": uint64(status.latestHeight),
            "latestHash": hash(status.latestHash),
            "view": uint64(status.view),
            "peersConnected": .number(status.peersConnected),
            "syncing": .bool(status.syncing),
            "role": .string(status.role),
            "executableProtocolVersions": .object([
                "lowest": .number(Int(status.executableProtocolVersions.lowerBound)),
                "highest": .number(Int(status.executableProtocolVersions.upperBound)),
            ]),
            "protocolVersion": .number(Int(status.protocolVersion)),
            "peerProtocolVersions": .object([
                "lowest": .number(Int(status.peerProtocolVersions.lowerBound)),
                "highest": .number(Int(status.peerProtocolVersions.upperBound)),
            ]),
        ])
    }

    // MARK: Enumerations

    /// The JSON name of a transaction kind: its case name.
    public static func name(of kind: TransactionKind) -> String {
        switch kind {
        case .deploy: return "deploy"
        case .call: return "call"
        case .governance: return "governance"
        case .account: return "account"
        case .node: return "node"
        }
    }

    /// The JSON name of a receipt status: its case name.
    public static func name(of status: ReceiptStatus) -> String {
        switch status {
        case .success: return "success"
        case .rejected: return "rejected"
        case .reverted: return "reverted"
        case .outOfFuel: return "outOfFuel"
        case .trapped: return "trapped"
        }
    }
}

/// How much of a block's transactions `chain_getBlockByHeight` returns.
public enum BlockTransactionsDetail: String, CaseIterable, Sendable {
    /// Only `transactionCount`.
    case none
    /// The transaction hashes, in block order.
    case hashes
    /// Every transaction as an object.
    case full
}
