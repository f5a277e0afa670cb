import ChainTypes

/// Why bytes are not a usable secp256k1 public key.
public enum PublicKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not 33 (compressed) or 65 (uncompressed) bytes.
    case invalidLength(Int)
    /// The first byte is not 0x02/0x03 (compressed) or 0x04 (uncompressed); hybrid keys are refused.
    case invalidPrefix(UInt8)
    /// The coordinates do not describe a point on the curve.
    case notOnCurve

    public var description: String {
        switch self {
        case .invalidLength(let length):
            "public key must be 33 bytes (compressed) or 65 bytes (uncompressed), got \(length)"
        case .invalidPrefix(let prefix):
            "public key must start with 0x02 or 0x03 (33 bytes) or 0x04 (65 bytes), got 0x\(Hex.encode([prefix]))"
        case .notOnCurve: "public key is not a point on the secp256k1 curve"
        }
    }
}
