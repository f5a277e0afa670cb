/// Why a byte string is not acceptable JSON text; the JSON-RPC layer turns any of these into −32700.
public enum JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text ended inside a value.
    case unexpectedEnd
    /// A byte that cannot start or continue a value here.
    case unexpectedByte(UInt8, offset: Int)
    /// Bytes after the top-level value (other than whitespace).
    case trailingBytes(offset: Int)
    /// A number literal that breaks RFC 8259's grammar.
    case invalidNumber(offset: Int)
    /// A bad escape, a raw control character or a lone surrogate in a string.
    case invalidString(offset: Int)
    /// A string that is not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// An object names the same member twice; which one the sender meant is ambiguous.
    case duplicateKey(String, offset: Int)
    /// Arrays and objects nested deeper than the limit.
    case depthExceeded(limit: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd: return "unexpected end of JSON text"
        case .unexpectedByte(let byte, let offset): return "unexpected byte 0x\(String(byte, radix: 16)) at offset \(offset)"
        case .trailingBytes(let offset): return "unexpected data after the JSON value at offset \(offset)"
        case .invalidNumber(let offset): return "invalid number at offset \(offset)"
        case .invalidString(let offset): return "invalid string escape or control character at offset \(offset)"
        case .invalidUTF8(let offset): return "string starting at offset \(offset) is not valid UTF-8"
        case .duplicateKey(let key, let offset): return "duplicate object member \"\(key)\" at offset \(offset)"
        case .depthExceeded(let limit): return "JSON nested deeper than \(limit) levels"
        }
    }
}

/// A strict RFC 8259 parser from bytes to `JSONValue`.
///
/// Strict because its input comes from any client: no comments, no trailing commas, no NaN, no leading
/// zeros, UTF-8 only, duplicate member names rejected, and nesting capped at `depthMax` so a body of ten
/// thousand `[` cannot exhaust the stack.
public struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private let depthMax: Int

    /// Parses one complete JSON text, with optional surrounding whitespace.
    public static func parse(_ bytes: [UInt8], depthMax: Int = RPCLimits.jsonDepthMax) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, depthMax: depthMax)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw .trailingBytes(offset: parser.position) }
        return value
    }

    private init(bytes: [UInt8], depthMax: Int) {
        self.bytes = bytes
        self.depthMax = depthMax
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek() throws(JSONParseError) -> UInt8 {
        guard position < bytes.count else { throw .unexpectedEnd }
        return bytes[position]
    }

    private mutating func expect(_ literal: StaticString, value: JSONValue) throws(JSONParseError) -> JSONValue {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for byte in expected {
            let actual = try peek()
            guard actual == byte else { throw .unexpectedByte(actual, offset: position) }
            position += 1
        }
        return value
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        let byte = try peek()
        switch byte {
        case UInt8(ascii: "{"): return .object(try parseObject(depth: depth + 1))
        case UInt8(ascii: "["): return .array(try parseArray(depth: depth + 1))
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
        case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
        case UInt8(ascii: "n"): return try expect("null", value: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw .unexpectedByte(byte, offset: position)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONObject {
        guard depth <= depthMax else { throw .depthExceeded(limit: depthMax) }
        position += 1
        var object = JSONObject()
        var keys: Set<String> = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return object
        }
        while true {
            skipWhitespace()
            let keyOffset = position
            let byte = try peek()
            guard byte == UInt8(ascii: "\"") else { throw .unexpectedByte(byte, offset: position) }
            let key = try parseString()
            guard keys.insert(key).inserted else { throw .duplicateKey(key, offset: keyOffset) }
            skipWhitespace()
            let colon = try peek()
            guard colon == UInt8(ascii: ":") else { throw .unexpectedByte(colon, offset: position) }
            position += 1
            skipWhitespace()
            object.append(key, try parseValue(depth: depth))
            skipWhitespace()
            let separator = try peek()
            position += 1
            switch separator {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return object
            default: throw .unexpectedByte(separator, offset: position - 1)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> [JSONValue] {
        guard depth <= depthMax else { throw .depthExceeded(limit: depthMax) }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return elements
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            let separator = try peek()
            position += 1
            switch separator {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return elements
            default: throw .unexpectedByte(separator, offset: position - 1)
            }
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw .invalidNumber(offset: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw .invalidNumber(offset: start) }
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw .invalidNumber(offset: start) }
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else { throw .invalidNumber(offset: start) }
            skipDigits()
        }
        return JSONNumber(validatedText: String(decoding: bytes[start..<position], as: UTF8.self))
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        let start = position
        position += 1
        // Most strings (every hex-encoded transaction of a `tx_send` batch) have no escape: find the closing
        // quote and make the string from the bytes in place, instead of copying them one by one.
        var end = position
        while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            guard let text = String(validating: bytes[position..<end], as: UTF8.self) else { throw .invalidUTF8(offset: start) }
            position = end + 1
            return text
        }
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw .unexpectedEnd }
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else { throw .invalidUTF8(offset: start) }
                return text
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                throw .invalidString(offset: position - 1)
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(JSONParseError) {
        guard position < bytes.count else { throw .unexpectedEnd }
        let escapeOffset = position - 1
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let scalar = try parseUnicodeEscape(escapeOffset: escapeOffset)
            utf8.append(contentsOf: String(Character(scalar)).utf8)
        default: throw .invalidString(offset: escapeOffset)
        }
    }

    /// Reads the four hex digits after `\u` and, for a high surrogate, the `\uDC00…\uDFFF` that must follow.
    private mutating func parseUnicodeEscape(escapeOffset: Int) throws(JSONParseError) -> Unicode.Scalar {
        let first = try readHexQuad(escapeOffset: escapeOffset)
        switch first {
        case 0xD800...0xDBFF:
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw .invalidString(offset: escapeOffset)
            }
            position += 2
            let second = try readHexQuad(escapeOffset: escapeOffset)
            guard (0xDC00...0xDFFF).contains(second) else { throw .invalidString(offset: escapeOffset) }
            let value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            guard let scalar = Unicode.Scalar(value) else { throw .invalidString(offset: escapeOffset) }
            return scalar
        case 0xDC00...0xDFFF:
            throw .invalidString(offset: escapeOffset)
        default:
            guard let scalar = Unicode.Scalar(first) else { throw .invalidString(offset: escapeOffset) }
            return scalar
        }
    }

    private mutating func readHexQuad(escapeOffset: Int) throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw .unexpectedEnd }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let nibble: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw .invalidString(offset: escapeOffset)
            }
            value = value << 4 | nibble
            position += 1
        }
        return value
    }
}
