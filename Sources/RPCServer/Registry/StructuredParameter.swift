import ChainTypes

/// Reads the members of an object parameter (`RPCParameterKind.structured`), naming the offending member
/// in every −32602 error.
///
/// Unknown members are refused rather than ignored: a misspelt filter (`"sendr"`) would otherwise widen a
/// search to everything without the client noticing.
struct StructuredParameter {
    let name: String
    let object: JSONObject

    /// Wraps `value`, which must be an object whose members are all in `allowed`.
    init(name: String, value: JSONValue, allowed: [String]) throws(RPCError) {
        guard case .object(let object) = value else { throw .invalidParams("\(name) must be an object") }
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            throw .invalidParams("\(name) has no member \"\(unknown)\" (allowed: \(allowed.joined(separator: ", ")))")
        }
        self.name = name
        self.object = object
    }

    /// The member's value, or nil when it is absent or null.
    func member(_ key: String) -> JSONValue? {
        guard let value = object[key], value != .null else { return nil }
        return value
    }

    func address(_ key: String) throws(RPCError) -> Address? {
        guard let value = member(key) else { return nil }
        guard let address = RPCJSON.address(from: value) else { throw .invalidParams("\(name).\(key) must be 0x + 40 hex digits") }
        return address
    }

    func uint64(_ key: String) throws(RPCError) -> UInt64? {
        guard let value = member(key) else { return nil }
        guard let number = RPCJSON.uint64(from: value) else {
            throw .invalidParams("\(name).\(key) must be an unsigned 64-bit integer (a number or a decimal string)")
        }
        return number
    }

    /// One of `values`, or nil when absent.
    func oneOf(_ key: String, _ values: [String]) throws(RPCError) -> String? {
        guard let value = member(key) else { return nil }
        guard case .string(let text) = value, values.contains(text) else {
            throw .invalidParams("\(name).\(key) must be one of " + values.map { "\"\($0)\"" }.joined(separator: ", "))
        }
        return text
    }

    /// An array of at most `maxCount` elements, each converted by `element` (nil: wrong type); empty when absent.
    func array<Element>(_ key: String, maxCount: Int, expected: String, _ element: (JSONValue) -> Element?) throws(RPCError) -> [Element] {
        guard let value = member(key) else { return [] }
        guard case .array(let elements) = value else { throw .invalidParams("\(name).\(key) must be an array of \(expected)") }
        guard elements.count <= maxCount else { throw .limitExceeded("\(name).\(key) entries", limit: maxCount, received: elements.count) }
        var converted: [Element] = []
        for (index, item) in elements.enumerated() {
            guard let value = element(item) else { throw .invalidParams("\(name).\(key)[\(index)] must be \(expected)") }
            converted.append(value)
        }
        return converted
    }

    /// Checks that `from` is not above `to` when both are given.
    func checkRange(from: UInt64?, to: UInt64?) throws(RPCError) {
        if let from, let to, from > to { throw .invalidParams("\(name).fromHeight \(from) is above toHeight \(to)") }
    }
}
