/// Why a transaction left the mempool without being refused at admission.
public enum MempoolEviction: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// A finalized block holds it.
    case included
    /// Its nonce was used by another transaction of the same sender that a finalized block holds.
    case nonceUsed = "nonce_used"
    /// Its expiry height is below the next height.
    case expired
    /// It waited past `Mempool.Limits.futureNonceTimeout` for an earlier nonce of its sender that never came.
    case gapNotFilled = "gap_not_filled"

    public var description: String { rawValue }
}
