import ChainTypes
import Keys

/// secp256k1 signing and verification through the `Keys` API, and libsecp256k1's own verify rate.
///
/// The Swift and raw verify rates are measured in alternating rounds and the best round of each is
/// kept: the machine is shared, and alternating spreads other processes' load over both sides evenly.
enum SignatureBenchmarks {
    /// Alternating rounds per side for the verify comparison.
    static let verifyRounds = 3

    static func run(seconds: Double) throws -> [Figure] {
        let key = PrivateKey()
        let digest = Hash.sha256(Array("sbp-bench signature digest".utf8))
        let recoverable = key.sign(digest)
        let signature = Signature(recoverable)
        let publicKey = key.publicKey
        let raw = try RawVerifier(publicKey: publicKey, signature: recoverable, digest: digest)
        precondition(publicKey.verify(signature: signature, digest: digest) && raw.verify(), "signature does not verify")

        var signatureBytes = 0
        let sign = measure(seconds: seconds) { signatureBytes &+= key.sign(digest).compact.count }
        precondition(signatureBytes > 0)

        var failures = 0
        var swiftVerify = 0.0
        var rawVerify = 0.0
        for _ in 0..<verifyRounds {
            let round = seconds / Double(verifyRounds)
            swiftVerify = max(
                swiftVerify,
                measure(seconds: round) {
                    if !publicKey.verify(signature: signature, digest: digest) { failures += 1 }
                })
            rawVerify = max(rawVerify, measure(seconds: round) { if !raw.verify() { failures += 1 } })
        }
        let recoverableVerify = measure(seconds: seconds) {
            if !publicKey.verify(signature: recoverable, digest: digest) { failures += 1 }
        }
        let transaction = try CallTransaction.signed(by: key, nonce: 1)
        let transactionCheck = measure(seconds: seconds) {
            do { try transaction.verifySignature() } catch { failures += 1 }
        }
        precondition(failures == 0, "\(failures) verifications failed")

        return [
            Figure(id: "sign", name: "sign (PrivateKey.sign)", value: sign, unit: "signatures/s"),
            Figure(id: "verify_swift", name: "verify, Swift (PublicKey.verify, Signature)", value: swiftVerify, unit: "verifies/s"),
            Figure(id: "verify_raw", name: "verify, raw secp256k1_ecdsa_verify", value: rawVerify, unit: "verifies/s"),
            Figure(id: "verify_swift_over_raw", name: "verify, Swift / raw", value: swiftVerify / rawVerify * 100, unit: "%"),
            Figure(
                id: "verify_swift_recoverable", name: "verify, Swift (RecoverableSignature)", value: recoverableVerify,
                unit: "verifies/s"),
            Figure(
                id: "transaction_signature_check", name: "transaction signature check (recover)", value: transactionCheck,
                unit: "tx/s"),
        ]
    }
}
