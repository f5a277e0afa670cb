import ChainTypes
import Testing

@testable import Keys

@Suite("Commit certificate verification")
struct CommitCertificateVerificationTests {
    static let chainId = "sbp-test"
    static let blockHash = Hash.sha256(Array("block 12".utf8))
    /// Four validators (f = 1, quorum 3), keys 10…13.
    static let keys = (10..<14).map(testKey)

    static func validatorSet() throws -> ValidatorSet {
        try ValidatorSet(
            keys.enumerated().map { index, key in
                try Validator(name: "v\(index)", department: "d\(index)", publicKey: key.publicKey.compressed)
            })
    }

    /// A vote at `index` signed by validator `signer`'s key over the digest of `chainId`.
    struct VoteSpec: Sendable {
        var index: UInt16
        var signer: Int
        var chainId: String = CommitCertificateVerificationTests.chainId
    }

    static func certificate(_ specs: [VoteSpec]) throws -> CommitCertificate {
        let votes = specs.map { spec in
            let digest = CommitVote.signingDigest(chainId: spec.chainId, view: 2, height: 12, blockHash: blockHash)
            return CommitVote(validatorIndex: spec.index, signature: keys[spec.signer].sign(digest))
        }
        return try CommitCertificate(height: 12, view: 2, blockHash: blockHash, votes: votes)
    }

    @Test(
        "certificates with a quorum of correct votes verify",
        arguments: [
            [VoteSpec(index: 0, signer: 0), VoteSpec(index: 1, signer: 1), VoteSpec(index: 2, signer: 2)],
            [VoteSpec(index: 1, signer: 1), VoteSpec(index: 2, signer: 2), VoteSpec(index: 3, signer: 3)],
            (0..<4).map { VoteSpec(index: UInt16($0), signer: $0) },
        ])
    func quorumMet(votes: [VoteSpec]) throws {
        try Self.certificate(votes).verify(chainId: Self.chainId, validators: Self.validatorSet())
    }

    @Test(
        "certificates that do not prove a quorum are refused, naming the failing vote",
        arguments: [
            (
                "too few votes", [VoteSpec(index: 0, signer: 0), VoteSpec(index: 1, signer: 1)],
                CertificateVerificationError.insufficientVotes(count: 2, quorum: 3)
            ),
            ("no votes", [], .insufficientVotes(count: 0, quorum: 3)),
            (
                "vote signed by another validator's key",
                [VoteSpec(index: 0, signer: 0), VoteSpec(index: 1, signer: 2), VoteSpec(index: 2, signer: 2)],
                .wrongSigner(validatorIndex: 1)
            ),
            (
                "vote index out of range",
                [VoteSpec(index: 0, signer: 0), VoteSpec(index: 1, signer: 1), VoteSpec(index: 4, signer: 2)],
                .validatorIndexOutOfRange(validatorIndex: 4, validatorCount: 4)
            ),
            (
                "vote signed for another chain",
                [VoteSpec(index: 0, signer: 0), VoteSpec(index: 1, signer: 1, chainId: "other"), VoteSpec(index: 2, signer: 2)],
                .wrongSigner(validatorIndex: 1)
            ),
            (
                "a bad vote beside a quorum of good ones",
                [
                    VoteSpec(index: 0, signer: 0), VoteSpec(index: 1, signer: 1), VoteSpec(index: 2, signer: 2),
                    VoteSpec(index: 3, signer: 0),
                ],
                .wrongSigner(validatorIndex: 3)
            ),
        ] as [(String, [VoteSpec], CertificateVerificationError)])
    func refused(name: String, votes: [VoteSpec], expected: CertificateVerificationError) throws {
        let certificate = try Self.certificate(votes)
        let validators = try Self.validatorSet()
        #expect(throws: expected, "\(name)") { try certificate.verify(chainId: Self.chainId, validators: validators) }
    }

    @Test("a duplicated vote (votes edited after construction) cannot count twice")
    func duplicatedVote() throws {
        var certificate = try Self.certificate([VoteSpec(index: 0, signer: 0), VoteSpec(index: 1, signer: 1)])
        certificate.votes.append(certificate.votes[1])
        let validators = try Self.validatorSet()
        #expect(throws: CertificateVerificationError.votesNotAscending(validatorIndex: 1)) {
            try certificate.verify(chainId: Self.chainId, validators: validators)
        }
    }

    @Test("the certificate is bound to its block: another block hash fails")
    func otherBlock() throws {
        var certificate = try Self.certificate((0..<3).map { VoteSpec(index: UInt16($0), signer: $0) })
        certificate.blockHash = Hash.sha256(Array("block 13".utf8))
        let validators = try Self.validatorSet()
        #expect(throws: CertificateVerificationError.wrongSigner(validatorIndex: 0)) {
            try certificate.verify(chainId: Self.chainId, validators: validators)
        }
    }
}
