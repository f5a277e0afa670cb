import CSecp256k1
import ChainTypes

/// A plain (non-recoverable) secp256k1 ECDSA signature, parsed from compact or strict DER bytes.
///
/// Parsing and verifying are separate on purpose: parsing throws `SignatureError` for malformed bytes,
/// while a well-formed signature that fails verification makes `PublicKey.verify` return false, so
/// callers (and the CLI's exit codes) can tell "garbage" from "not signed by this key". Parsing accepts
/// high-S values, since they are well-formed; verification rejects them.
public struct Signature: Hashable, Sendable {
    public static let compactByteCount = 64
    /// The longest strict-DER signature: 2 header bytes and two 35-byte integers (tag, length, 0x00, 32 bytes).
    public static let derByteCountMax = 72
    private static let derByteCountMin = 8

    let raw: secp256k1_ecdsa_signature
    /// r ‖ s, 32 bytes each, big-endian.
    public let compact: [UInt8]

    /// Parses 64 bytes r ‖ s; throws if the length is wrong or r or s is not in [1, n−1].
    public init(compact bytes: [UInt8]) throws(SignatureError) {
        guard bytes.count == Self.compactByteCount else { throw .invalidCompactLength(bytes.count) }
        try Self.checkScalars(bytes)
        var raw = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_signature_parse_compact(Secp256k1Context.shared.pointer, &raw, bytes) == 1 else {
            throw .scalarOutOfRange(component: "r or s")
        }
        self.raw = raw
        compact = bytes
    }

    /// Parses a strict DER signature (X.690 DER as in BIP 66): minimal lengths, no negative or
    /// zero-padded integers, no trailing bytes, and r and s in [1, n−1].
    ///
    /// libsecp256k1's own DER parser accepts out-of-range integers (it turns them into a signature that
    /// never verifies), so the structure is checked here first to report such input as malformed.
    public init(der bytes: [UInt8]) throws(SignatureError) {
        let compact = try Self.strictDERScalars(bytes)
        try Self.checkScalars(compact)
        let context = Secp256k1Context.shared.pointer
        var raw = secp256k1_ecdsa_signature()
        guard secp256k1_ecdsa_signature_parse_der(context, &raw, bytes, bytes.count) == 1 else {
            throw .malformedDER(reason: "rejected by libsecp256k1")
        }
        var reparsed = [UInt8](repeating: 0, count: Self.compactByteCount)
        _ = secp256k1_ecdsa_signature_serialize_compact(context, &reparsed, &raw)
        guard reparsed == compact else { throw .malformedDER(reason: "parsers disagree on r and s") }
        self.raw = raw
        self.compact = compact
    }

    /// Parses either encoding, chosen by shape: 64 bytes is compact, otherwise a leading 0x30 is DER.
    ///
    /// The rule is fixed so that every input has one reading. A DER signature of exactly 64 bytes would
    /// need r and s each about three bytes shorter than usual (odds near 2^-48 for honest signers); it is
    /// read as compact, as the rule says.
    public init(encoded bytes: [UInt8]) throws(SignatureError) {
        if bytes.count == Self.compactByteCount {
            try self.init(compact: bytes)
        } else if bytes.first == 0x30 {
            try self.init(der: bytes)
        } else {
            throw .unrecognizedEncoding(length: bytes.count)
        }
    }

    /// The plain signature inside a recoverable one (the recovery id is dropped).
    public init(_ recoverable: RecoverableSignature) {
        do {
            try self.init(compact: recoverable.compact)
        } catch {
            preconditionFailure("a RecoverableSignature always holds valid scalars: \(error)")
        }
    }

    /// The strict DER encoding.
    public var der: [UInt8] {
        var output = [UInt8](repeating: 0, count: Self.derByteCountMax)
        var length = output.count
        withUnsafePointer(to: raw) { signature in
            _ = secp256k1_ecdsa_signature_serialize_der(Secp256k1Context.shared.pointer, &output, &length, signature)
        }
        return Array(output.prefix(length))
    }

    /// Whether s ≤ n/2, the only form verification accepts.
    public var isLowS: Bool { Secp256k1Order.isLowS(compact[32..<64]) }

    public static func == (lhs: Signature, rhs: Signature) -> Bool { lhs.compact == rhs.compact }

    public func hash(into hasher: inout Hasher) { hasher.combine(compact) }

    private static func checkScalars(_ compact: [UInt8]) throws(SignatureError) {
        guard Secp256k1Order.isValidScalar(compact[0..<32]) else { throw .scalarOutOfRange(component: "r") }
        guard Secp256k1Order.isValidScalar(compact[32..<64]) else { throw .scalarOutOfRange(component: "s") }
    }

    /// Walks `SEQUENCE { INTEGER r, INTEGER s }` in strict DER and returns r ‖ s left-padded to 32 bytes each.
    private static func strictDERScalars(_ bytes: [UInt8]) throws(SignatureError) -> [UInt8] {
        guard bytes.count >= derByteCountMin else { throw .malformedDER(reason: "too short (\(bytes.count) bytes)") }
        guard bytes.count <= derByteCountMax else { throw .malformedDER(reason: "too long (\(bytes.count) bytes)") }
        guard bytes[0] == 0x30 else { throw .malformedDER(reason: "expected SEQUENCE tag 0x30") }
        guard bytes[1] & 0x80 == 0 else { throw .malformedDER(reason: "long-form length is not minimal") }
        guard Int(bytes[1]) == bytes.count - 2 else {
            throw .malformedDER(reason: "SEQUENCE length \(bytes[1]) does not match \(bytes.count - 2) content bytes")
        }
        var offset = 2
        let r = try readInteger(bytes, at: &offset, name: "r")
        let s = try readInteger(bytes, at: &offset, name: "s")
        guard offset == bytes.count else { throw .malformedDER(reason: "trailing bytes after s") }
        return r + s
    }

    /// Reads one strict-DER INTEGER at `offset`, returning its magnitude left-padded to 32 bytes.
    private static func readInteger(_ bytes: [UInt8], at offset: inout Int, name: String) throws(SignatureError) -> [UInt8] {
        guard offset + 2 <= bytes.count, bytes[offset] == 0x02 else {
            throw .malformedDER(reason: "expected INTEGER tag 0x02 for \(name)")
        }
        let length = Int(bytes[offset + 1])
        guard length & 0x80 == 0 else { throw .malformedDER(reason: "long-form length for \(name)") }
        guard length > 0 else { throw .malformedDER(reason: "empty INTEGER for \(name)") }
        let start = offset + 2
        guard start + length <= bytes.count else { throw .malformedDER(reason: "\(name) runs past the end") }
        let value = bytes[start..<(start + length)]
        guard value[start] & 0x80 == 0 else { throw .malformedDER(reason: "\(name) is negative") }
        if length > 1, value[start] == 0, value[start + 1] & 0x80 == 0 {
            throw .malformedDER(reason: "\(name) has excess zero padding")
        }
        let magnitude = value.drop(while: { $0 == 0 })
        guard magnitude.count <= 32 else { throw .scalarOutOfRange(component: name) }
        offset = start + length
        return [UInt8](repeating: 0, count: 32 - magnitude.count) + magnitude
    }
}
