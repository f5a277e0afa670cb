import ChainTypes

extension Transaction {
    /// Signs `body` with `key`, which must be the sender's key.
    ///
    /// Signing with another key would produce a transaction every node rejects, so the mistake is
    /// reported here, where the caller can still fix it.
    public init(signing body: TransactionBody, with key: PrivateKey) throws(TransactionSignatureError) {
        guard key.address == body.sender else {
            throw .senderMismatch(sender: body.sender, signer: key.address)
        }
        self.init(body: body, signature: key.sign(body.hash))
    }

    /// Checks that the signature over `body.hash` recovers to a key whose address is `body.sender`.
    ///
    /// Form (canonical low-S, recovery id range) was checked when the signature was decoded; this is the
    /// curve arithmetic that `ChainTypes` cannot do (DESIGN §4).
    public func verifySignature() throws(TransactionSignatureError) {
        // The body's hash, kept since the body was set: hashing the body again cost admission and execution
        // a SHA-256 of the whole body per check (issue 18).
        let digest = hash
        let signer: PublicKey
        do {
            signer = try PublicKey.recover(signature: signature, digest: digest)
        } catch {
            throw .recoveryFailed(transaction: digest)
        }
        guard signer.address == body.sender else {
            throw .senderMismatch(sender: body.sender, signer: signer.address)
        }
    }
}
