import ChainTypes
import Consensus
import Keys
import Synchronization

/// Signs and checks consensus messages with secp256k1 consensus keys (the node's `MessageAuthenticator`).
///
/// The driver checks the signatures of incoming messages on every core before the replica sees them
/// (DESIGN §3); those results are remembered here, so the replica's own check of the same signature is a
/// lookup instead of a second verification. The memory is bounded: when full it is cleared, and a
/// forgotten signature is simply verified again.
final class ConsensusSigner: MessageAuthenticator, Sendable {
    private let key: PrivateKey
    private let verified = Mutex<Set<VerifiedSignature>>([])
    /// Parsed public keys by their compressed bytes (validator sets change rarely).
    private let publicKeys = Mutex<[[UInt8]: PublicKey]>([:])
    static let verifiedMax = 65_536

    init(key: PrivateKey) {
        self.key = key
    }

    var address: Address { key.address }

    func sign(_ digest: Hash) -> RecoverableSignature { key.sign(digest) }

    func isValid(_ signature: RecoverableSignature, digest: Hash, by validator: Validator) -> Bool {
        let entry = VerifiedSignature(digest: digest, signature: signature, key: validator.publicKey)
        if verified.withLock({ $0.contains(entry) }) { return true }
        guard verify(signature, digest: digest, key: validator.publicKey) else { return false }
        remember(entry)
        return true
    }

    /// Verifies ahead of the replica (on any thread) and remembers a good signature.
    func preverify(_ signature: RecoverableSignature, digest: Hash, key: [UInt8]) {
        let entry = VerifiedSignature(digest: digest, signature: signature, key: key)
        if verified.withLock({ $0.contains(entry) }) { return }
        if verify(signature, digest: digest, key: key) { remember(entry) }
    }

    private func verify(_ signature: RecoverableSignature, digest: Hash, key bytes: [UInt8]) -> Bool {
        let cached = publicKeys.withLock { $0[bytes] }
        guard let publicKey = cached ?? (try? PublicKey(bytes: bytes)) else { return false }
        if cached == nil { publicKeys.withLock { $0[bytes] = publicKey } }
        return publicKey.verify(signature: signature, digest: digest)
    }

    private func remember(_ entry: VerifiedSignature) {
        verified.withLock { set in
            if set.count >= Self.verifiedMax { set.removeAll(keepingCapacity: true) }
            set.insert(entry)
        }
    }

    struct VerifiedSignature: Hashable, Sendable {
        var digest: Hash
        var signature: RecoverableSignature
        var key: [UInt8]
    }
}
