/// A value with exactly one binary encoding (`docs/protocol.md` §Canonical encoding).
///
/// Hashes and signatures are computed over these bytes, so every node must produce and accept the same
/// bytes for the same value: fixed-width little-endian integers, `u32` length prefixes, no maps, and
/// decoders that reject anything a correct encoder would not have written.
public protocol CanonicalCodable: Sendable {
    func encode(to encoder: inout CanonicalEncoder)
    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError)
}

extension CanonicalCodable {
    /// The canonical encoding of this value.
    public var canonicalBytes: [UInt8] {
        var encoder = CanonicalEncoder()
        encode(to: &encoder)
        return encoder.bytes
    }

    /// Decodes a value that must occupy all of `bytes`: trailing bytes are an error.
    public init(canonicalBytes bytes: [UInt8]) throws(CanonicalDecodingError) {
        var decoder = CanonicalDecoder(bytes)
        self = try Self(from: &decoder)
        try decoder.finish()
    }
}

/// Why a byte string is not the canonical encoding of the expected value.
public enum CanonicalDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended `needed` bytes into a read with only `remaining` left.
    case truncated(needed: Int, remaining: Int)
    /// The value ended with `count` bytes of input left over.
    case trailingBytes(count: Int)
    /// A length prefix exceeds the limit for that field.
    case lengthExceedsLimit(field: String, length: Int, limit: Int)
    /// A boolean byte other than 0 or 1.
    case invalidBoolean(UInt8)
    /// An optional's tag byte other than 0 (absent) or 1 (present).
    case invalidOptionalTag(UInt8)
    /// An enumeration tag that names no case.
    case unknownVariant(type: String, tag: UInt64)
    /// Text that is not valid UTF-8.
    case invalidUTF8(field: String)
    /// A field whose value breaks a rule of its type (order, range, size); `reason` says which.
    case invalidValue(field: String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let needed, let remaining):
            return "truncated input: needed \(needed) bytes, \(remaining) remain"
        case .trailingBytes(let count):
            return "\(count) trailing bytes after the value"
        case .lengthExceedsLimit(let field, let length, let limit):
            return "\(field): length \(length) exceeds the limit \(limit)"
        case .invalidBoolean(let byte):
            return "invalid boolean byte \(byte)"
        case .invalidOptionalTag(let byte):
            return "invalid optional tag \(byte)"
        case .unknownVariant(let type, let tag):
            return "unknown \(type) tag \(tag)"
        case .invalidUTF8(let field):
            return "\(field): not valid UTF-8"
        case .invalidValue(let field, let reason):
            return "\(field): \(reason)"
        }
    }
}

/// Appends canonical encodings to a byte buffer.
public struct CanonicalEncoder: Sendable {
    public var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: UInt16) { appendLittleEndian(UInt64(value), byteCount: 2) }
    public mutating func write(_ value: UInt32) { appendLittleEndian(UInt64(value), byteCount: 4) }
    public mutating func write(_ value: UInt64) { appendLittleEndian(value, byteCount: 8) }
    public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Bytes of a length fixed by the type (keys, signatures): written without a prefix.
    public mutating func write(fixed value: [UInt8]) { bytes.append(contentsOf: value) }

    /// Variable-length bytes: a `u32` length, then the bytes.
    public mutating func write(bytes value: [UInt8]) {
        precondition(value.count <= Int(UInt32.max), "byte string too long to encode")
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Text as variable-length UTF-8 bytes (appended from the string, without copying it to an array first).
    public mutating func write(text value: String) {
        let utf8 = value.utf8
        precondition(utf8.count <= Int(UInt32.max), "byte string too long to encode")
        write(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    public mutating func write<Value: CanonicalCodable>(_ value: Value) { value.encode(to: &self) }

    /// A sequence: a `u32` element count, then each element.
    public mutating func write<Value: CanonicalCodable>(sequence values: [Value]) {
        precondition(values.count <= Int(UInt32.max), "sequence too long to encode")
        write(UInt32(values.count))
        for value in values { value.encode(to: &self) }
    }

    /// An optional: tag 0 for absent, tag 1 followed by the value.
    public mutating func write<Value: CanonicalCodable>(optional value: Value?) {
        if let value {
            write(UInt8(1))
            value.encode(to: &self)
        } else {
            write(UInt8(0))
        }
    }

    @inline(__always) mutating func appendLittleEndian(_ value: UInt64, byteCount: Int) {
        var remaining = value
        for _ in 0..<byteCount {
            bytes.append(UInt8(truncatingIfNeeded: remaining))
            remaining >>= 8
        }
    }
}

/// Reads canonical encodings from a byte buffer, rejecting every non-canonical form with a typed error.
///
/// Lengths are checked against the bytes that remain before anything is allocated, so a hostile length
/// prefix cannot make a decoder reserve gigabytes.
public struct CanonicalDecoder: Sendable {
    private let bytes: [UInt8]
    public private(set) var position: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
    }

    public var remaining: Int { bytes.count - position }

    /// Fails unless every byte has been consumed.
    public func finish() throws(CanonicalDecodingError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining) }
    }

    @inline(__always) private mutating func require(_ count: Int) throws(CanonicalDecodingError) {
        guard count <= remaining else { throw .truncated(needed: count, remaining: remaining) }
    }

    public mutating func readUInt8() throws(CanonicalDecodingError) -> UInt8 {
        try require(1)
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func readUInt16() throws(CanonicalDecodingError) -> UInt16 {
        UInt16(truncatingIfNeeded: try readLittleEndian(byteCount: 2))
    }

    public mutating func readUInt32() throws(CanonicalDecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readLittleEndian(byteCount: 4))
    }

    public mutating func readUInt64() throws(CanonicalDecodingError) -> UInt64 {
        try readLittleEndian(byteCount: 8)
    }

    public mutating func readBool() throws(CanonicalDecodingError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw .invalidBoolean(other)
        }
    }

    /// Reads `count` bytes whose length the type fixes.
    public mutating func readFixed(count: Int) throws(CanonicalDecodingError) -> [UInt8] {
        try require(count)
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// Moves past `count` bytes without reading them.
    public mutating func skip(count: Int) throws(CanonicalDecodingError) {
        try require(count)
        position += count
    }

    /// Moves past a `u32`-prefixed byte string (or UTF-8 text, unvalidated) of at most `limit` bytes.
    public mutating func skipBytes(field: String, limit: Int) throws(CanonicalDecodingError) {
        let length = Int(try readUInt32())
        guard length <= limit else { throw .lengthExceedsLimit(field: field, length: length, limit: limit) }
        try skip(count: length)
    }

    /// Reads a `u32`-prefixed byte string of at most `limit` bytes.
    public mutating func readBytes(field: String, limit: Int) throws(CanonicalDecodingError) -> [UInt8] {
        let length = Int(try readUInt32())
        guard length <= limit else { throw .lengthExceedsLimit(field: field, length: length, limit: limit) }
        return try readFixed(count: length)
    }

    /// Reads `u32`-prefixed UTF-8 text of at most `limit` bytes.
    ///
    /// Validated in place, without copying the bytes to an array first (records decode text often).
    public mutating func readText(field: String, limit: Int) throws(CanonicalDecodingError) -> String {
        let length = Int(try readUInt32())
        guard length <= limit else { throw .lengthExceedsLimit(field: field, length: length, limit: limit) }
        try require(length)
        let utf8 = bytes[position..<position + length]
        position += length
        guard let text = String(validating: utf8, as: UTF8.self) else { throw .invalidUTF8(field: field) }
        return text
    }

    public mutating func read<Value: CanonicalCodable>(_ type: Value.Type = Value.self) throws(CanonicalDecodingError) -> Value {
        try Value(from: &self)
    }

    /// Reads a `u32`-counted sequence of at most `limit` elements.
    ///
    /// Each element occupies at least one byte, so a count above the remaining bytes is rejected before
    /// any element is decoded.
    public mutating func readSequence<Value: CanonicalCodable>(
        of type: Value.Type = Value.self, field: String, limit: Int
    ) throws(CanonicalDecodingError) -> [Value] {
        let count = Int(try readUInt32())
        guard count <= limit else { throw .lengthExceedsLimit(field: field, length: count, limit: limit) }
        guard count <= remaining else { throw .truncated(needed: count, remaining: remaining) }
        var values: [Value] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try Value(from: &self)) }
        return values
    }

    public mutating func readOptional<Value: CanonicalCodable>(_ type: Value.Type = Value.self) throws(CanonicalDecodingError) -> Value? {
        switch try readUInt8() {
        case 0: return nil
        case 1: return try Value(from: &self)
        case let tag: throw .invalidOptionalTag(tag)
        }
    }

    /// Reads a big-endian word; used only by fixed-size byte strings (hashes, addresses) stored as words.
    public mutating func readUInt64BigEndian() throws(CanonicalDecodingError) -> UInt64 {
        try require(8)
        var value: UInt64 = 0
        for index in position..<position + 8 { value = value << 8 | UInt64(bytes[index]) }
        position += 8
        return value
    }

    public mutating func readUInt32BigEndian() throws(CanonicalDecodingError) -> UInt32 {
        try require(4)
        var value: UInt32 = 0
        for index in position..<position + 4 { value = value << 8 | UInt32(bytes[index]) }
        position += 4
        return value
    }

    @inline(__always) private mutating func readLittleEndian(byteCount: Int) throws(CanonicalDecodingError) -> UInt64 {
        try require(byteCount)
        var value: UInt64 = 0
        for offset in (0..<byteCount).reversed() { value = value << 8 | UInt64(bytes[position + offset]) }
        position += byteCount
        return value
    }
}

extension UInt64: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(self) }
    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) { self = try decoder.readUInt64() }
}
