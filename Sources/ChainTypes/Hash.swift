/// A 32-byte SHA-256 digest: block hashes, transaction hashes, state and Merkle roots.
///
/// Stored as four big-endian words so that equality, hashing and ordering cost a few integer compares and
/// no heap allocation; ordering by words equals lexicographic ordering of the bytes.
public struct Hash: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let byteCount = 32

    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt64
    @usableFromInline var w3: UInt64

    /// The all-zero hash, used for "no parent" at genesis and for empty roots where the protocol says so.
    public static let zero = Hash(w0: 0, w1: 0, w2: 0, w3: 0)

    @usableFromInline init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Wraps exactly 32 bytes; nil for any other length.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == Hash.byteCount else { return nil }
        var words = [UInt64](repeating: 0, count: 4)
        for (offset, byte) in bytes.enumerated() {
            words[offset / 8] = words[offset / 8] << 8 | UInt64(byte)
        }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// Parses 64 hex digits with an optional `0x` prefix.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex) else { return nil }
        self.init(bytes: bytes)
    }

    /// The SHA-256 digest of `data`.
    public static func sha256(_ data: [UInt8]) -> Hash {
        var hasher = SHA256State()
        data.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }

    /// The SHA-256 digest of several byte strings concatenated (no separators; callers add domain tags).
    public static func sha256(parts: [[UInt8]]) -> Hash {
        var hasher = SHA256State()
        for part in parts { part.withUnsafeBytes { hasher.update($0) } }
        return hasher.finalize()
    }

    /// The four big-endian words of the hash, most significant first, read without allocating.
    @inlinable public var words: (UInt64, UInt64, UInt64, UInt64) { (w0, w1, w2, w3) }

    /// The 32 bytes, most significant first.
    public var bytes: [UInt8] {
        var result = [UInt8](repeating: 0, count: Hash.byteCount)
        result.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: w0.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: w1.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: w2.bigEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: w3.bigEndian, toByteOffset: 24, as: UInt64.self)
        }
        return result
    }

    /// Bytes `8 * index ..< 8 * index + 8` (`index` 0 ..< 4) as a big-endian integer, without copying the
    /// hash: the state tree walks keys by nibble and bit (`StateKey`).
    @inlinable public func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        default: return w3
        }
    }

    /// Appends the 32 bytes to `buffer` without an intermediate array, as one copy: a byte at a time, the
    /// appends showed in profiles of the state tree, which hashes and encodes hundreds of thousands of child
    /// hashes per block (issue 18).
    @inlinable public func append(to buffer: inout [UInt8]) {
        withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)) { buffer.append(contentsOf: $0) }
    }

    public var hex: String { Hex.encode(bytes) }
    public var description: String { "0x" + hex }

    public static func < (lhs: Hash, rhs: Hash) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}

extension Hash: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        append(to: &encoder.bytes)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let w0 = try decoder.readUInt64BigEndian()
        let w1 = try decoder.readUInt64BigEndian()
        let w2 = try decoder.readUInt64BigEndian()
        let w3 = try decoder.readUInt64BigEndian()
        self.init(w0: w0, w1: w1, w2: w2, w3: w3)
    }
}

extension Hash: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let hash = Hash(hex: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected 32 bytes of hex, got \"\(text)\""))
        }
        self = hash
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Appends a word most significant byte first (hashes and addresses are byte strings, not integers).
@inlinable func appendBigEndian(_ word: UInt64, to buffer: inout [UInt8]) {
    var shift: UInt64 = 56
    while true {
        buffer.append(UInt8(truncatingIfNeeded: word >> shift))
        if shift == 0 { break }
        shift -= 8
    }
}
