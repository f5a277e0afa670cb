/// Why bytes are not a well-formed ECDSA signature, or why a public key could not be recovered.
///
/// These are *malformed input* errors. A well-formed signature that simply does not verify (wrong key,
/// wrong message, high S) is not an error: `PublicKey.verify` returns false for it.
public enum SignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A compact signature must be exactly 64 bytes (r ‖ s).
    case invalidCompactLength(Int)
    /// The bytes are neither 64 bytes (compact) nor start with 0x30 (DER).
    case unrecognizedEncoding(length: Int)
    /// The DER structure is not strict DER (a reason says which rule failed).
    case malformedDER(reason: String)
    /// r or s is 0 or not below the group order n.
    case scalarOutOfRange(component: String)
    /// No public key could be recovered from a recoverable signature over the digest.
    case recoveryFailed

    public var description: String {
        switch self {
        case .invalidCompactLength(let length): "compact signature must be 64 bytes, got \(length)"
        case .unrecognizedEncoding(let length):
            "signature of \(length) bytes is neither compact (64 bytes) nor DER (starts with 0x30)"
        case .malformedDER(let reason): "malformed DER signature: \(reason)"
        case .scalarOutOfRange(let component): "signature \(component) must be in [1, n-1]"
        case .recoveryFailed: "no public key can be recovered from this signature and digest"
        }
    }
}
