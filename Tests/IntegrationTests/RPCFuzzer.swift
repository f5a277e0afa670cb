import Foundation
import RPCServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Requests built from a node's own OpenRPC document (`rpc.discover`): every method, every parameter (and
/// every member of an object parameter) at extreme numbers, wrong types, odd strings and crafted cursors,
/// one value at a time over otherwise valid parameters, by name and by position. New methods are covered
/// as soon as they are declared.
struct RPCFuzzer {
    /// One request and what the document says it may answer.
    struct Case: Sendable {
        let method: String
        let params: String
        /// Codes the method documents, plus the ones every request may get.
        let allowedCodes: Set<Int>

        func body(id: Int) -> String { #"{"jsonrpc": "2.0", "method": "\#(method)", "params": \#(params), "id": \#(id)}"# }
    }

    /// Codes any request may get: parse error, invalid request, unknown method (DESIGN §7).
    static let generalCodes: Set<Int> = [-32700, -32600, -32601]

    let document: JSONValue

    /// Numbers at the edges of every integer width a handler might convert to, and beyond.
    static let numbers = [
        "0", "1", "4294967296", "9007199254740992", "9223372036854775808", "18446744073709551615", "18446744073709551616",
        "-1", "-9223372036854775809", "1.5", "1e308", "1e999",
    ]
    /// The same edges as decimal strings (how the API writes integers above 2^53), and odd strings.
    static let strings = [
        #""4294967296""#, #""9223372036854775808""#, #""18446744073709551615""#, #""18446744073709551616""#, #""-1""#, #""""#,
        #""0x""#, #""0x\#(String(repeating: "ff", count: 20))""#, #""0x\#(String(repeating: "ff", count: 32))""#, #""0xzz""#,
        #""\u0000""#, #""\#(String(repeating: "a", count: 4096))""#,
    ]
    static let wrongTypes = ["true", "null", "[]", "{}", #"{"a": 1}"#, "[18446744073709551615]"]
    /// Cursors in the server's format (tag byte + big-endian fields) at extreme positions, of every tag.
    static let cursors = [
        "01" + String(repeating: "ff", count: 12), "01" + String(repeating: "00", count: 12),
        "01" + String(repeating: "ff", count: 8) + "00000000", "02" + String(repeating: "ff", count: 14),
        "02" + String(repeating: "00", count: 14), "03" + String(repeating: "ff", count: 8), "03" + String(repeating: "00", count: 8),
        "04" + String(repeating: "ff", count: 8), "04" + String(repeating: "00", count: 8), "05" + String(repeating: "00", count: 8),
        "0", "zz", String(repeating: "0", count: 65),
    ].map { #""\#($0)""# }

    static var values: [String] { numbers + strings + wrongTypes + cursors }

    init(document: JSONValue) {
        self.document = document
    }

    /// The error codes of `components.errors`, by component name.
    var errorCodes: [String: Int] {
        guard case .object(let errors)? = document["components"]?["errors"] else { return [:] }
        var codes: [String: Int] = [:]
        for member in errors.members {
            if case .number(let number)? = member.value["code"], let code = Int(number.text) { codes[member.key] = code }
        }
        return codes
    }

    var methods: [JSONValue] {
        guard case .array(let methods)? = document["methods"] else { return [] }
        return methods
    }

    /// Every case for every method.
    func cases() -> [Case] {
        let codes = errorCodes
        return methods.flatMap { method -> [Case] in
            guard case .string(let name)? = method["name"] else { return [] }
            var allowed = Self.generalCodes
            if case .array(let errors)? = method["errors"] {
                for error in errors {
                    if case .string(let reference)? = error["$ref"], let code = codes[String(reference.split(separator: "/").last ?? "")] {
                        allowed.insert(code)
                    }
                }
            }
            return cases(name, parameters: parameters(of: method)).map { Case(method: name, params: $0, allowedCodes: allowed) }
        }
    }

    struct Parameter {
        let name: String
        let required: Bool
        let schema: JSONValue
    }

    func parameters(of method: JSONValue) -> [Parameter] {
        guard case .array(let params)? = method["params"] else { return [] }
        return params.compactMap { param in
            guard case .string(let name)? = param["name"], let schema = param["schema"] else { return nil }
            return Parameter(name: name, required: param["required"] == .bool(true), schema: schema)
        }
    }

    /// The `params` texts for one method: each parameter (and member) varied alone, by name and by position.
    func cases(_ method: String, parameters: [Parameter]) -> [String] {
        let baseline = parameters.filter(\.required).map { ($0.name, valid(for: $0.schema)) }
        var params: [String] = [
            "{}", "[]", "5", #""x""#, "null", "[" + (baseline.map(\.1) + ["1", "1", "1", "1", "1"]).joined(separator: ", ") + "]",
        ]
        for (index, parameter) in parameters.enumerated() {
            let others = baseline.filter { $0.0 != parameter.name }
            var variants = Self.values
            for member in members(of: parameter.schema) {
                variants += Self.values.map { #"{"\#(member)": \#($0)}"# }
            }
            for value in variants {
                params.append(Self.object(others + [(parameter.name, value)]))
            }
            // By position: the required parameters before it at their valid values, then the value.
            let before = parameters.prefix(index).map { valid(for: $0.schema) }
            for value in Self.numbers + Self.wrongTypes {
                params.append("[" + (before + [value]).joined(separator: ", ") + "]")
            }
        }
        return params
    }

    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { #""\#($0.0)": \#($0.1)"# }.joined(separator: ", ") + "}"
    }

    /// The member names of an object schema (`filter`'s `fromHeight`, ...), looking through `oneOf`.
    func members(of schema: JSONValue) -> [String] {
        if case .object(let properties)? = schema["properties"] { return properties.keys }
        if case .array(let options)? = schema["oneOf"] { return options.flatMap { members(of: $0) } }
        return []
    }

    /// A value the schema accepts, so the other parameters of a case do not fail first.
    func valid(for schema: JSONValue) -> String {
        if case .string(let reference)? = schema["$ref"] {
            switch reference.split(separator: "/").last ?? "" {
            case "Hash": return #""0x\#(String(repeating: "00", count: 32))""#
            case "Address": return #""0x\#(String(repeating: "00", count: 20))""#
            case "Uint64": return "1"
            case "Bytes": return #""0x""#
            default: return "null"
            }
        }
        if case .array(let options)? = schema["oneOf"], let first = options.first { return valid(for: first) }
        if case .array(let parts)? = schema["allOf"], let first = parts.first { return valid(for: first) }
        if case .array(let values)? = schema["enum"], case .string(let first)? = values.first { return #""\#(first)""# }
        switch schema["type"] {
        case .string("integer")?: return "1"
        case .string("string")?: return #""a""#
        case .string("object")?: return "{}"
        case .string("array")?: return "[]"
        case .string("boolean")?: return "true"
        default: return "null"
        }
    }
}
