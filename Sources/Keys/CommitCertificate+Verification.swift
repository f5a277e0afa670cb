import ChainTypes

extension CommitCertificate {
    /// Checks that at least a quorum of distinct validators of `validators` signed COMMIT for this block.
    ///
    /// PBFT §4.2: a block is committed once 2f+1 replicas sent matching COMMITs; the certificate is those
    /// messages, so anyone holding the validator set can re-check it (state transfer, record proofs).
    /// Every vote must be valid, not just a quorum of them: a certificate carrying a forged vote is
    /// rejected as a whole, so stored certificates never contain garbage.
    public func verify(chainId: String, validators: ValidatorSet) throws(CertificateVerificationError) {
        guard votes.count >= validators.quorum else {
            throw .insufficientVotes(count: votes.count, quorum: validators.quorum)
        }
        var previousIndex: UInt16? = nil
        for vote in votes {
            if let previous = previousIndex, vote.validatorIndex <= previous {
                throw .votesNotAscending(validatorIndex: vote.validatorIndex)
            }
            guard Int(vote.validatorIndex) < validators.count else {
                throw .validatorIndexOutOfRange(validatorIndex: vote.validatorIndex, validatorCount: validators.count)
            }
            previousIndex = vote.validatorIndex
        }
        let digest = signingDigest(chainId: chainId)
        for vote in votes {
            let expected = validators.validators[Int(vote.validatorIndex)].publicKey
            guard let signer = try? PublicKey.recover(signature: vote.signature, digest: digest),
                signer.compressed == expected
            else {
                throw .wrongSigner(validatorIndex: vote.validatorIndex)
            }
        }
    }
}
