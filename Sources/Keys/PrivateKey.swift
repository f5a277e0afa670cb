import CSecp256k1
import ChainTypes

/// A secp256k1 private key that signs digests with deterministic, low-S ECDSA.
///
/// It is a class so that the 32 secret bytes live in one heap buffer that is wiped when the last
/// reference goes away; a struct would be copied freely and could not be wiped. The buffer is written
/// only during `init` and read afterwards, so sharing an instance across tasks is safe
/// (`@unchecked Sendable`). `description` never shows the secret.
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    public static let byteCount = 32

    private let secret: UnsafeMutableRawBufferPointer
    /// The public key, derived once at creation.
    public let publicKey: PublicKey

    /// Generates a fresh key from the system's cryptographically secure random number generator.
    ///
    /// About one in 2^128 random 32-byte strings is not a valid scalar; those are drawn again.
    public init() {
        secret = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.byteCount, alignment: 8)
        var generator = SystemRandomNumberGenerator()
        repeat {
            for offset in stride(from: 0, to: Self.byteCount, by: 8) {
                secret.storeBytes(of: generator.next() as UInt64, toByteOffset: offset, as: UInt64.self)
            }
        } while !Self.isValidSecret(secret)
        publicKey = Self.derivePublicKey(secret)
    }

    /// Wraps 32 big-endian bytes; throws unless they are a scalar in [1, n−1].
    public init<Bytes: Collection>(bytes: Bytes) throws(PrivateKeyError) where Bytes.Element == UInt8 {
        guard bytes.count == Self.byteCount else { throw .invalidLength(bytes.count) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.byteCount, alignment: 8)
        for (offset, byte) in bytes.enumerated() { buffer[offset] = byte }
        guard Self.isValidSecret(buffer) else {
            Secure.zero(buffer.baseAddress!, count: buffer.count)
            buffer.deallocate()
            throw .outOfRange
        }
        secret = buffer
        publicKey = Self.derivePublicKey(buffer)
    }

    deinit {
        Secure.zero(secret.baseAddress!, count: secret.count)
        secret.deallocate()
    }

    /// The address of this key's public key.
    public var address: Address { publicKey.address }

    /// Signs a 32-byte digest, returning a recoverable, low-S signature.
    ///
    /// The nonce is libsecp256k1's default, RFC 6979 (HMAC-SHA256 over key and digest), so the same key
    /// and digest always give the same signature and no randomness can leak the key. libsecp256k1 emits
    /// low-S signatures only, which is the canonical form `RecoverableSignature` requires.
    public func sign(_ digest: Hash) -> RecoverableSignature {
        let context = Secp256k1Context.shared.pointer
        let message = digest.bytes
        var signature = secp256k1_ecdsa_recoverable_signature()
        let signed = secp256k1_ecdsa_sign_recoverable(
            context, &signature, message, secret.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, nil)
        precondition(signed == 1, "secp256k1_ecdsa_sign_recoverable failed for a valid key")
        var compact = [UInt8](repeating: 0, count: RecoverableSignature.compactByteCount)
        var recoveryId: Int32 = 0
        _ = secp256k1_ecdsa_recoverable_signature_serialize_compact(context, &compact, &recoveryId, &signature)
        do {
            return try RecoverableSignature(compact: compact, recoveryId: UInt8(recoveryId))
        } catch {
            preconditionFailure("libsecp256k1 produced a non-canonical signature: \(error)")
        }
    }

    /// Calls `body` with the 32 secret bytes; the buffer is valid only during the call.
    ///
    /// For the keystore, which encrypts the secret without copying it into an array that would outlive
    /// the call unwiped.
    public func withUnsafeSecretBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(secret))
    }

    public var description: String { "PrivateKey(address: \(address))" }

    private static func isValidSecret(_ buffer: UnsafeMutableRawBufferPointer) -> Bool {
        secp256k1_ec_seckey_verify(
            Secp256k1Context.shared.pointer, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)) == 1
    }

    private static func derivePublicKey(_ buffer: UnsafeMutableRawBufferPointer) -> PublicKey {
        var raw = secp256k1_pubkey()
        let created = secp256k1_ec_pubkey_create(
            Secp256k1Context.shared.pointer, &raw, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
        precondition(created == 1, "secp256k1_ec_pubkey_create failed for a verified key")
        return PublicKey(raw: raw)
    }
}
