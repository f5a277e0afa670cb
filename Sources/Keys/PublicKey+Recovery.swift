import CSecp256k1
import ChainTypes

extension PublicKey {
    /// The public key that made `signature` over `digest`.
    ///
    /// Transactions and commit votes carry recoverable signatures instead of public keys: the signer is
    /// recovered and its address compared, which saves 33 bytes per signature on chain.
    public static func recover(signature: RecoverableSignature, digest: Hash) throws(SignatureError) -> PublicKey {
        let context = Secp256k1Context.shared.pointer
        var parsed = secp256k1_ecdsa_recoverable_signature()
        guard
            secp256k1_ecdsa_recoverable_signature_parse_compact(
                context, &parsed, signature.compact, Int32(signature.recoveryId)) == 1
        else { throw .recoveryFailed }
        var raw = secp256k1_pubkey()
        guard secp256k1_ecdsa_recover(context, &raw, &parsed, digest.bytes) == 1 else { throw .recoveryFailed }
        return PublicKey(raw: raw)
    }
}
