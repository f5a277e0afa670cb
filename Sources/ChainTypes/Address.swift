/// A 20-byte account or validator address, written `0x` + 40 hex digits.
///
/// An address is the last 20 bytes of SHA-256 of the account's 33-byte compressed secp256k1 public key
/// (`docs/protocol.md` §Addresses); `Keys` derives it, this type only carries it.
public struct Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 20

    @usableFromInline var high: UInt64
    @usableFromInline var middle: UInt64
    @usableFromInline var low: UInt32

    /// The all-zero address; the sender of nothing, used as "none" in a few system records.
    public static let zero = Address(high: 0, middle: 0, low: 0)

    @usableFromInline init(high: UInt64, middle: UInt64, low: UInt32) {
        (self.high, self.middle, self.low) = (high, middle, low)
    }

    /// Wraps exactly 20 bytes; nil for any other length.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Address.byteCount else { return nil }
        var high: UInt64 = 0
        var middle: UInt64 = 0
        var low: UInt32 = 0
        for (offset, byte) in bytes.enumerated() {
            switch offset {
            case 0..<8: high = high << 8 | UInt64(byte)
            case 8..<16: middle = middle << 8 | UInt64(byte)
            default: low = low << 8 | UInt32(byte)
            }
        }
        self.init(high: high, middle: middle, low: low)
    }

    /// Parses `0x` + 40 hex digits (the prefix is optional).
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The address of a public key: the last 20 bytes of SHA-256 of its compressed encoding.
    public init(publicKeyDigest digest: Hash) {
        self.init(bytes: digest.bytes.suffix(Address.byteCount))!
    }

    /// The 20 bytes, most significant first.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(Address.byteCount)
        append(to: &result)
        return result
    }

    @inlinable public func append(to buffer: inout [UInt8]) {
        appendBigEndian(high, to: &buffer)
        appendBigEndian(middle, to: &buffer)
        for shift: UInt32 in [24, 16, 8, 0] { buffer.append(UInt8(truncatingIfNeeded: low >> shift)) }
    }

    public var description: String { "0x" + Hex.encode(bytes) }

    public static func < (lhs: Address, rhs: Address) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}

extension Address: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        append(to: &encoder.bytes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let high = try decoder.readUInt64BigEndian()
        let middle = try decoder.readUInt64BigEndian()
        let low = try decoder.readUInt32BigEndian()
        self.init(high: high, middle: middle, low: low)
    }
}

extension Address: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = Address(hex: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected 0x + 40 hex digits, got \"\(text)\""))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
