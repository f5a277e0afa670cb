/// A recoverable secp256k1 ECDSA signature: `r` and `s` (32 bytes each, big-endian) and a recovery id.
///
/// The type admits only canonical signatures: 1 ≤ r < n and 1 ≤ s ≤ n/2 (low-S), recovery id 0…3.
/// High-S signatures are the malleable twin of a valid low-S one; rejecting them at decode means a
/// transaction or vote has exactly one valid encoding (DESIGN §4). `Keys` creates and checks them.
public struct RecoverableSignature: Hashable, Sendable {
    public static let compactByteCount = 64
    public static let encodedByteCount = 65

    /// `r ‖ s`, 64 bytes.
    public let compact: [UInt8]
    /// Which of the candidate public keys the signature recovers to (0…3).
    public let recoveryId: UInt8

    /// Wraps `r ‖ s` and a recovery id; throws unless the signature is in canonical form.
    public init(compact: [UInt8], recoveryId: UInt8) throws(CanonicalDecodingError) {
        guard compact.count == Self.compactByteCount else {
            throw .invalidValue(field: "signature", reason: "expected 64 bytes, got \(compact.count)")
        }
        guard recoveryId <= 3 else {
            throw .invalidValue(field: "signature.recoveryId", reason: "must be 0...3, got \(recoveryId)")
        }
        let r = compact[0..<32]
        let s = compact[32..<64]
        guard Secp256k1Order.isValidScalar(r) else {
            throw .invalidValue(field: "signature.r", reason: "must be in [1, n-1]")
        }
        guard Secp256k1Order.isValidScalar(s) else {
            throw .invalidValue(field: "signature.s", reason: "must be in [1, n-1]")
        }
        guard Secp256k1Order.isLowS(s) else {
            throw .invalidValue(field: "signature.s", reason: "high-S signatures are not canonical")
        }
        self.compact = compact
        self.recoveryId = recoveryId
    }

    /// The 65-byte form `r ‖ s ‖ v` used in hex on the CLI and JSON-RPC.
    public var bytes: [UInt8] { compact + [recoveryId] }
}

extension RecoverableSignature: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(fixed: compact)
        encoder.write(recoveryId)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let compact = try decoder.readFixed(count: Self.compactByteCount)
        let recoveryId = try decoder.readUInt8()
        try self.init(compact: compact, recoveryId: recoveryId)
    }
}

/// The order n of the secp256k1 group, for range checks on signature scalars without big integers.
public enum Secp256k1Order {
    /// n, big-endian.
    public static let order: [UInt8] = Hex.decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")!
    /// ⌊n/2⌋, big-endian: the largest low-S value.
    public static let halfOrder: [UInt8] = Hex.decode("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0")!

    /// Whether 1 ≤ value < n for a 32-byte big-endian scalar.
    public static func isValidScalar<Bytes: Collection>(_ value: Bytes) -> Bool where Bytes.Element == UInt8 {
        value.count == 32 && value.contains(where: { $0 != 0 }) && value.lexicographicallyPrecedes(order)
    }

    /// Whether value ≤ n/2 for a 32-byte big-endian scalar.
    public static func isLowS<Bytes: Collection>(_ value: Bytes) -> Bool where Bytes.Element == UInt8 {
        value.count == 32 && !halfOrder.lexicographicallyPrecedes(value)
    }
}
