import CSecp256k1
import ChainTypes
import Keys

/// Calls `secp256k1_ecdsa_verify` directly, with its own context and a pre-parsed key and signature.
///
/// The reference for `PublicKey.verify`: what libsecp256k1 itself costs on this machine, with no Swift
/// wrapper in the way, so the ratio of the two rates is the wrapper's overhead.
final class RawVerifier {
    private let context: OpaquePointer
    private let key: UnsafeMutablePointer<secp256k1_pubkey>
    private let signature: UnsafeMutablePointer<secp256k1_ecdsa_signature>
    private let digest: [UInt8]

    /// Parses `publicKey` and `signature` once; throws `RawVerifierError` if libsecp256k1 refuses them.
    init(publicKey: PublicKey, signature: RecoverableSignature, digest: Hash) throws(RawVerifierError) {
        guard let context = secp256k1_context_create(UInt32(SECP256K1_CONTEXT_NONE)) else {
            throw .contextCreationFailed
        }
        self.context = context
        key = .allocate(capacity: 1)
        self.signature = .allocate(capacity: 1)
        self.digest = digest.bytes
        let compressed = publicKey.compressed
        guard secp256k1_ec_pubkey_parse(context, key, compressed, compressed.count) == 1 else {
            throw .parseFailed("public key")
        }
        guard secp256k1_ecdsa_signature_parse_compact(context, self.signature, signature.compact) == 1 else {
            throw .parseFailed("signature")
        }
    }

    deinit {
        key.deallocate()
        signature.deallocate()
        secp256k1_context_destroy(context)
    }

    /// Whether the signature verifies: one `secp256k1_ecdsa_verify` call.
    func verify() -> Bool {
        secp256k1_ecdsa_verify(context, signature, digest, key) == 1
    }
}

/// Why the raw verifier could not be set up.
enum RawVerifierError: Error, CustomStringConvertible {
    case contextCreationFailed
    case parseFailed(String)

    var description: String {
        switch self {
        case .contextCreationFailed: return "secp256k1_context_create failed"
        case .parseFailed(let what): return "libsecp256k1 could not parse the \(what)"
        }
    }
}
