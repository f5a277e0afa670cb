import ChainTypes

/// Encodes calls and decodes results and events by a contract's interface (`docs/contracts.md` §ABI).
public struct ABICodec: Sendable {
    public let interface: ContractInterface

    public init(interface: ContractInterface) { self.interface = interface }

    /// The call input for `method` with arguments given as text, as typed on a command line or in JSON:
    /// decimal integers, `true`/`false`, text as is, hashes and addresses and bytes as hex (with or without `0x`),
    /// and enumeration fields by name or code.
    public func encodeCall(method name: String, arguments: [String]) throws(ABIError) -> [UInt8] {
        guard let method = interface.method(named: name) else { throw .unknownMethod(name) }
        guard method.arguments.count == arguments.count else {
            throw .argumentCount(method: name, expected: method.arguments.count, actual: arguments.count)
        }
        var values: [ABIValue] = []
        for (field, text) in zip(method.arguments, arguments) { values.append(try Self.parse(text, as: field)) }
        return try encodeCall(method: name, values: values)
    }

    /// The call input for `method` with typed argument values.
    public func encodeCall(method name: String, values: [ABIValue]) throws(ABIError) -> [UInt8] {
        guard let method = interface.method(named: name) else { throw .unknownMethod(name) }
        guard method.arguments.count == values.count else {
            throw .argumentCount(method: name, expected: method.arguments.count, actual: values.count)
        }
        var encoder = CanonicalEncoder()
        encoder.write(text: name)
        for (field, value) in zip(method.arguments, values) { try Self.encode(value, as: field, to: &encoder) }
        return encoder.bytes
    }

    /// Decodes `method`'s return data into its result fields.
    public func decodeResult(method name: String, bytes: [UInt8]) throws(ABIError) -> [NamedABIValue] {
        guard let method = interface.method(named: name) else { throw .unknownMethod(name) }
        return try Self.decode(method.result, from: bytes)
    }

    /// Decodes an event's data into its fields.
    public func decodeEvent(topic: String, data: [UInt8]) throws(ABIError) -> [NamedABIValue] {
        guard let event = interface.event(topic: topic) else { throw .unknownEvent(topic) }
        return try Self.decode(event.fields, from: data)
    }

    static func decode(_ fields: [ContractInterface.Field], from bytes: [UInt8]) throws(ABIError) -> [NamedABIValue] {
        var decoder = CanonicalDecoder(bytes)
        do {
            let values = try decodeFields(fields, from: &decoder)
            try decoder.finish()
            return values
        } catch {
            throw .malformed(error)
        }
    }

    static func decodeFields(
        _ fields: [ContractInterface.Field], from decoder: inout CanonicalDecoder
    ) throws(CanonicalDecodingError) -> [NamedABIValue] {
        var values: [NamedABIValue] = []
        for field in fields {
            let value = try decodeValue(field, from: &decoder)
            var label: String?
            if case .u8(let code) = value, let names = field.values, Int(code) < names.count { label = names[Int(code)] }
            values.append(NamedABIValue(name: field.name, value: value, label: label))
        }
        return values
    }

    static func decodeValue(_ field: ContractInterface.Field, from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError)
        -> ABIValue
    {
        switch field.type {
        case .u8: return .u8(try decoder.readUInt8())
        case .u32: return .u32(try decoder.readUInt32())
        case .u64: return .u64(try decoder.readUInt64())
        case .bool: return .bool(try decoder.readBool())
        case .text: return .text(try decoder.readText(field: field.name, limit: ContractLimits.storageValueBytesMax))
        case .bytes: return .bytes(try decoder.readBytes(field: field.name, limit: ContractLimits.outputBytesMax))
        case .hash: return .hash(try decoder.read(Hash.self))
        case .address: return .address(try decoder.read(Address.self))
        case .sequence:
            let count = Int(try decoder.readUInt32())
            guard count <= decoder.remaining else { throw .truncated(needed: count, remaining: decoder.remaining) }
            var elements: [[NamedABIValue]] = []
            for _ in 0..<count { elements.append(try decodeFields(field.elements ?? [], from: &decoder)) }
            return .sequence(elements)
        }
    }

    static func encode(_ value: ABIValue, as field: ContractInterface.Field, to encoder: inout CanonicalEncoder) throws(ABIError) {
        switch (field.type, value) {
        case (.u8, .u8(let v)): encoder.write(v)
        case (.u32, .u32(let v)): encoder.write(v)
        case (.u64, .u64(let v)): encoder.write(v)
        case (.bool, .bool(let v)): encoder.write(v)
        case (.text, .text(let v)): encoder.write(text: v)
        case (.bytes, .bytes(let v)): encoder.write(bytes: v)
        case (.hash, .hash(let v)): encoder.write(v)
        case (.address, .address(let v)): encoder.write(v)
        default: throw .invalidArgument(name: field.name, type: field.type, text: value.description)
        }
    }

    static func parse(_ text: String, as field: ContractInterface.Field) throws(ABIError) -> ABIValue {
        let invalid = ABIError.invalidArgument(name: field.name, type: field.type, text: text)
        let hex = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        switch field.type {
        case .u8:
            if let code = field.values?.firstIndex(of: text) { return .u8(UInt8(code)) }
            guard let value = UInt8(text) else { throw invalid }
            return .u8(value)
        case .u32:
            guard let value = UInt32(text) else { throw invalid }
            return .u32(value)
        case .u64:
            guard let value = UInt64(text) else { throw invalid }
            return .u64(value)
        case .bool:
            guard let value = Bool(text) else { throw invalid }
            return .bool(value)
        case .text: return .text(text)
        case .bytes:
            guard let value = Hex.decode(hex) else { throw invalid }
            return .bytes(value)
        case .hash:
            guard let value = Hash(hex: hex) else { throw invalid }
            return .hash(value)
        case .address:
            guard let value = Address(hex: hex) else { throw invalid }
            return .address(value)
        case .sequence: throw invalid
        }
    }
}
