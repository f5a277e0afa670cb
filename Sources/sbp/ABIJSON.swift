import ContractVM

/// Decoded contract values as JSON, by the node's rules (`docs/rpc.md`, Decoded values): fields by name,
/// `u64` numbers up to 2^53 − 1 and decimal strings above, bytes, hashes and addresses as hex, enumeration
/// codes by their names.
enum ABIJSON {
    static func object(_ fields: [NamedABIValue]) -> JSON {
        .object(Dictionary(fields.map { ($0.name, value($0)) }) { _, last in last })
    }

    static func value(_ field: NamedABIValue) -> JSON {
        if let label = field.label { return .string(label) }
        switch field.value {
        case .u8(let value): return .integer(Int64(value))
        case .u32(let value): return .integer(Int64(value))
        case .u64(let value): return .uint64(value)
        case .bool(let value): return .bool(value)
        case .text(let value): return .string(value)
        case .bytes(let value): return .hex(value)
        case .hash(let value): return .string(value.description)
        case .address(let value): return .string(value.description)
        case .sequence(let elements): return .array(elements.map(object))
        }
    }
}
