import ChainTypes

/// JSON Schema for every value the API exchanges, shared through the OpenRPC document's `components`.
///
/// These describe exactly what `RPCJSON` writes and reads; `RPCSchemaTests` checks each golden response
/// against them, so the document and the wire format cannot drift apart.
public enum RPCSchemas {
    /// A reference to a shared schema, `{"$ref": "#/components/schemas/NAME"}`.
    ///
    /// Not checked here (`components` itself is built from references); `RPCSchemaTests` resolves every one.
    public static func reference(_ name: String) -> JSONValue {
        .object(["$ref": .string("#/components/schemas/" + name)])
    }

    /// An object schema with these properties in order; `required` lists the ones always present.
    static func object(_ title: String, _ properties: KeyValuePairs<String, JSONValue>, required: [String]? = nil) -> JSONValue {
        let names = properties.map(\.key)
        return .object([
            "title": .string(title),
            "type": .string("object"),
            "properties": .object(properties),
            "required": .array((required ?? names).map { .string($0) }),
        ])
    }

    static func hexString(_ title: String, bytes: Int?, _ description: String) -> JSONValue {
        let pattern = bytes.map { "^0x[0-9a-fA-F]{\($0 * 2)}$" } ?? "^0x([0-9a-fA-F]{2})*$"
        return .object([
            "title": .string(title), "type": .string("string"), "pattern": .string(pattern), "description": .string(description),
        ])
    }

    static func enumeration(_ values: [String], default defaultValue: String? = nil) -> JSONValue {
        var object = JSONObject([(key: "type", value: .string("string")), (key: "enum", value: .array(values.map { .string($0) }))])
        if let defaultValue { object.append("default", .string(defaultValue)) }
        return .object(object)
    }

    static let string: JSONValue = .object(["type": .string("string")])
    static let boolean: JSONValue = .object(["type": .string("boolean")])
    static let nonNegativeInteger: JSONValue = .object(["type": .string("integer"), "minimum": .number(0)])
    static func nullable(_ schema: JSONValue) -> JSONValue { .object(["oneOf": .array([schema, .object(["type": .string("null")])])]) }
    static func array(of items: JSONValue) -> JSONValue { .object(["type": .string("array"), "items": items]) }

    static let uint64: JSONValue = .object([
        "title": .string("Uint64"),
        "description": .string(
            "An unsigned 64-bit integer: a JSON number up to 2^53 - 1 (9007199254740991), a decimal string above it. "
                + "Inputs may use either form."),
        "oneOf": .array([
            .object(["type": .string("integer"), "minimum": .number(0), "maximum": .number(RPCLimits.jsonSafeIntegerMax)]),
            .object(["type": .string("string"), "pattern": .string("^(0|[1-9][0-9]*)$")]),
        ]),
    ])

    /// The shared schemas, in document order.
    public static let components: KeyValuePairs<String, JSONValue> = [
        "Hash": hexString("Hash", bytes: Hash.byteCount, "A 32-byte SHA-256 digest as 0x + 64 hex digits."),
        "Address": hexString("Address", bytes: Address.byteCount, "A 20-byte account or validator address as 0x + 40 hex digits."),
        "Bytes": hexString("Bytes", bytes: nil, "A byte string as 0x + two hex digits per byte (\"0x\" when empty)."),
        "Uint64": uint64,
        "BlockHeader": object(
            "BlockHeader",
            [
                "chainId": string, "height": reference("Uint64"), "view": reference("Uint64"), "timestampMs": reference("Uint64"),
                "parentHash": reference("Hash"), "proposer": reference("Address"), "transactionsRoot": reference("Hash"),
                "lastCommitHash": reference("Hash"), "previousReceiptsRoot": reference("Hash"), "stateRoot": reference("Hash"),
                "validatorsHash": reference("Hash"),
            ]),
        "Transaction": object(
            "Transaction",
            [
                "hash": reference("Hash"), "chainId": string, "sender": reference("Address"), "nonce": reference("Uint64"),
                "kind": enumeration(TransactionKind.allCases.map(RPCJSON.name(of:))), "payload": reference("Bytes"),
                "fuelLimit": reference("Uint64"), "expiryHeight": reference("Uint64"), "signature": reference("Bytes"),
            ]),
        "CommitCertificate": object(
            "CommitCertificate",
            [
                "height": reference("Uint64"), "view": reference("Uint64"), "blockHash": reference("Hash"),
                "votes": array(of: reference("CommitVote")),
            ]),
        "CommitVote": object("CommitVote", ["validatorIndex": nonNegativeInteger, "signature": reference("Bytes")]),
        "Block": object(
            "Block",
            [
                "hash": reference("Hash"), "header": reference("BlockHeader"), "transactionCount": nonNegativeInteger,
                "transactions": array(of: .object(["oneOf": .array([reference("Hash"), reference("Transaction")])])),
                "lastCommit": nullable(reference("CommitCertificate")),
            ], required: ["hash", "header", "transactionCount", "lastCommit"]),
        "Event": object("Event", ["contract": reference("Address"), "topic": string, "data": reference("Bytes")]),
        "Receipt": object(
            "Receipt",
            [
                "transactionHash": reference("Hash"), "status": enumeration(ReceiptStatus.allCases.map(RPCJSON.name(of:))),
                "fuelUsed": reference("Uint64"), "errorMessage": nullable(string), "events": array(of: reference("Event")),
                "returnData": reference("Bytes"), "height": reference("Uint64"), "index": nonNegativeInteger,
                "blockHash": reference("Hash"),
            ]),
        "NodeStatus": object(
            "NodeStatus",
            [
                "chainId": string, "nodeId": string, "latestHeight": reference("Uint64"), "latestHash": reference("Hash"),
                "view": reference("Uint64"), "peersConnected": nonNegativeInteger, "syncing": boolean,
            ]),
    ]
}
