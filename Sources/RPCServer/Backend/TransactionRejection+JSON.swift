import ChainTypes

extension TransactionRejection {
    /// The JSON-RPC error `data` of a refused transaction (`tx_send` −32000): `reason`, the stable code,
    /// then each of the rejection's values under its name, so a wallet can, say, refetch the nonce on
    /// `nonceTooLow` without parsing the message.
    public var data: JSONValue {
        var object = JSONObject([(key: "reason", value: .string(code))])
        for (name, value) in details { object.append(name, Self.json(value)) }
        return .object(object)
    }

    /// The error's message: the rejection's sentence after the code's name.
    public var message: String { "Transaction rejected: " + description }

    /// Every reason code, for the OpenRPC document and the documentation.
    public static var reasons: [String] { Reason.allCases.map(\.rawValue) }

    static func json(_ detail: Detail) -> JSONValue {
        switch detail {
        case .integer(let value): RPCJSON.uint64(value)
        case .text(let text): .string(text)
        case .address(let address): RPCJSON.address(address)
        case .hash(let hash): RPCJSON.hash(hash)
        case .texts(let texts): .array(texts.map { .string($0) })
        }
    }
}
