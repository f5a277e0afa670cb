import ChainTypes

extension TransactionRejection {
    /// The rejection a node's −32000 error carries in `data` (docs/rpc.md, TransactionRejection), or nil
    /// when `data` is not one (an older node, another error).
    init?(rpcData data: JSON?) {
        guard let object = data?.object, let code = object["reason"]?.string else { return nil }
        var details: [String: Detail] = [:]
        for (name, value) in object where name != "reason" {
            switch value {
            case .integer(let number) where number >= 0: details[name] = .integer(UInt64(number))
            case .string(let text): details[name] = .text(text)
            case .array(let items):
                let texts = items.compactMap(\.string)
                guard texts.count == items.count else { return nil }
                details[name] = .texts(texts)
            default: return nil
            }
        }
        self.init(reason: code, details: details)
    }

    /// How the CLI reports a refused transaction: the stable code, then the sentence with its values.
    var report: String { "transaction rejected (\(code)): \(description)" }
}
