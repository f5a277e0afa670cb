/// A JSON value as the RPC layer reads and writes it.
///
/// The server has its own JSON model instead of Foundation's so that the JSON-RPC rules are exact: numbers
/// keep their literal text (a `u64` above 2^53 or a request id like `1.50` round-trips unchanged), objects
/// keep member order (responses and the OpenRPC document serialize deterministically), and the parser's
/// depth and duplicate-key rules are ours (`JSONParser`).
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member called `key` when this is an object; nil otherwise or when it is absent.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    /// A JSON number for an unsigned integer, written in decimal.
    public static func number(_ value: UInt64) -> JSONValue { .number(JSONNumber(value)) }

    /// A JSON number for a signed integer, written in decimal.
    public static func number(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    /// An object with these members, in this order.
    public static func object(_ members: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(JSONObject(members.map { (key: $0.key, value: $0.value) }))
    }

    /// The name JSON Schema uses for this value's type; error messages quote it.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// Semantic equality: objects are equal when they have the same members whatever their order, numbers when
/// their literal text is the same. Golden tests compare responses this way, never as raw strings.
extension JSONValue: Equatable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

/// A JSON number kept as its literal text, which `JSONParser` has checked against RFC 8259's grammar.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
    /// The literal as it appears in JSON text: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    public let text: String

    /// Wraps text the parser has already validated.
    init(validatedText text: String) {
        self.text = text
    }

    public init(_ value: UInt64) {
        text = String(value)
    }

    public init(_ value: Int) {
        text = String(value)
    }

    /// The value when the literal is a non-negative integer without fraction or exponent that fits in 64 bits.
    ///
    /// `1.0` and `1e3` are refused rather than converted: a height or nonce written with a fraction is a
    /// client bug worth reporting.
    public var uint64Value: UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return UInt64(text)
    }

    public var description: String { text }
}

/// A JSON object whose members keep the order they were written or built in.
///
/// Lookups are linear: RPC objects have a handful of members, and the parser rejects duplicate names.
public struct JSONObject: Sendable, Equatable {
    public private(set) var members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// The value of the member called `key`, or nil when there is none.
    public subscript(key: String) -> JSONValue? {
        members.first(where: { $0.key == key })?.value
    }

    /// The member names in order.
    public var keys: [String] { members.map(\.key) }

    public var count: Int { members.count }

    /// Appends a member; the caller guarantees the name is new (checking here would make parsing quadratic).
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append((key: key, value: value))
    }

    /// Equal when both have the same names with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        return lhs.members.allSatisfy { member in rhs[member.key] == member.value }
    }
}
