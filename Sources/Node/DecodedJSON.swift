import ChainTypes
import ContractVM
import RPCServer

/// Decoded contract values (`NamedABIValue`) as RPC JSON: an object of the fields by name, with the
/// `RPCJSON` rules for integers and bytes, and enumeration codes by the names the interface gives them.
enum DecodedJSON {
    /// The fields as one object, in interface order.
    static func object(_ fields: [NamedABIValue]) -> JSONValue {
        .object(JSONObject(fields.map { (key: $0.name, value: value($0)) }))
    }

    static func value(_ field: NamedABIValue) -> JSONValue {
        if let label = field.label { return .string(label) }
        switch field.value {
        case .u8(let value): return .number(Int(value))
        case .u32(let value): return .number(Int(value))
        case .u64(let value): return RPCJSON.uint64(value)
        case .bool(let value): return .bool(value)
        case .text(let value): return .string(value)
        case .bytes(let value): return RPCJSON.bytes(value)
        case .hash(let value): return RPCJSON.hash(value)
        case .address(let value): return RPCJSON.address(value)
        case .sequence(let elements): return .array(elements.map(object))
        }
    }

    /// An event's fields, or nil when no loaded interface describes its topic or the data does not fit.
    static func event(_ event: Event, interfaces: ContractInterfaces) -> JSONValue? {
        guard let entry = interfaces[event.contract], let fields = try? entry.codec.decodeEvent(topic: event.topic, data: event.data)
        else { return nil }
        return object(fields)
    }
}
