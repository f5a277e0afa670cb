/// Why a commit certificate does not prove that a quorum committed its block.
///
/// Each case names the failing vote by its validator index, so a log line says which validator's vote
/// (or which forger) to look at.
public enum CertificateVerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer votes than the validator set's quorum.
    case insufficientVotes(count: Int, quorum: Int)
    /// Votes are not in strictly ascending validator order (a duplicate would count one validator twice).
    case votesNotAscending(validatorIndex: UInt16)
    /// The vote's validator index is not in the validator set.
    case validatorIndexOutOfRange(validatorIndex: UInt16, validatorCount: Int)
    /// The vote's signature does not recover to that validator's key over the certificate's digest.
    case wrongSigner(validatorIndex: UInt16)

    public var description: String {
        switch self {
        case .insufficientVotes(let count, let quorum): "certificate has \(count) votes, quorum is \(quorum)"
        case .votesNotAscending(let index): "vote of validator \(index) is out of order or duplicated"
        case .validatorIndexOutOfRange(let index, let count):
            "vote names validator \(index), but the set has \(count) validators"
        case .wrongSigner(let index): "vote of validator \(index) is not signed by that validator's key"
        }
    }
}
