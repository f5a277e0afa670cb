/// Why 32 bytes are not a usable secp256k1 private key.
public enum PrivateKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input was not exactly 32 bytes.
    case invalidLength(Int)
    /// The scalar is 0 or not below the group order n.
    case outOfRange

    public var description: String {
        switch self {
        case .invalidLength(let length): "private key must be 32 bytes, got \(length)"
        case .outOfRange: "private key must be in [1, n-1] for the secp256k1 order n"
        }
    }
}
