import ChainTypes

/// A value of an ABI field, decoded or to be encoded.
public indirect enum ABIValue: Hashable, Sendable, CustomStringConvertible {
    case u8(UInt8)
    case u32(UInt32)
    case u64(UInt64)
    case bool(Bool)
    case text(String)
    case bytes([UInt8])
    case hash(Hash)
    case address(Address)
    /// Elements of a sequence, each a list of named field values.
    case sequence([[NamedABIValue]])

    public var description: String {
        switch self {
        case .u8(let value): return "\(value)"
        case .u32(let value): return "\(value)"
        case .u64(let value): return "\(value)"
        case .bool(let value): return "\(value)"
        case .text(let value): return "\"\(value)\""
        case .bytes(let value): return "0x" + Hex.encode(value)
        case .hash(let value): return value.description
        case .address(let value): return value.description
        case .sequence(let elements):
            return "[" + elements.map { "{" + $0.map(\.description).joined(separator: ", ") + "}" }.joined(separator: ", ") + "]"
        }
    }
}

/// A decoded field: its name from the interface, its value, and for an enumeration the code's name.
public struct NamedABIValue: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: ABIValue
    /// The `values` entry an enumeration code names, when the interface lists one.
    public var label: String?

    public init(name: String, value: ABIValue, label: String? = nil) {
        self.name = name
        self.value = value
        self.label = label
    }

    public var description: String { "\(name): \(label ?? value.description)" }
}

/// Why arguments or results do not match an interface.
public enum ABIError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownMethod(String)
    case unknownEvent(String)
    case argumentCount(method: String, expected: Int, actual: Int)
    case invalidArgument(name: String, type: ABIType, text: String)
    case malformed(CanonicalDecodingError)

    public var description: String {
        switch self {
        case .unknownMethod(let name): return "unknown method \(name)"
        case .unknownEvent(let topic): return "unknown event \(topic)"
        case .argumentCount(let method, let expected, let actual): return "\(method) takes \(expected) arguments; got \(actual)"
        case .invalidArgument(let name, let type, let text): return "argument \(name): \"\(text)\" is not a \(type.rawValue)"
        case .malformed(let error): return "malformed data: \(error)"
        }
    }
}
