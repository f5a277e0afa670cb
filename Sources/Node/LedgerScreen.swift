import ChainTypes
import Consensus
import Ledger

/// The replica's check of a proposal's transactions: their bytes, the ledger's stateless checks and signatures.
///
/// Bytes first (issue 13, defect 5): the transactions may take at most the chain's `blockBytesMax` less
/// `NodeLimits.proposalBytesReserve` (room for the header and the commit certificate), exactly what the
/// primary packs within, so every block a replica votes for fits its byte budget and a frame. A Byzantine
/// primary's oversize proposal is refused before any signature is recovered.
///
/// State-dependent checks (nonce, permissions) are not part of it: a correct replica cannot know the
/// state a faulty primary's block will execute on until it executes, so those failures become
/// `rejected` receipts instead (PBFT-NOTES rule 24).
struct LedgerScreen: TransactionScreen {
    let chainId: String
    /// The ledger's record of signatures already checked (at admission, usually), so a proposal's are not
    /// recovered again; nil checks every one.
    var verified: VerifiedSignatures? = nil
    /// The chain's `blockBytesMax` in force for the next block (nil when it cannot be read: refuse).
    var blockBytesMax: @Sendable () -> Int? = { Limits.blockBytesMax }

    func accepts(_ transactions: [Transaction]) -> Bool {
        guard fitsBlockBytes(transactions) else { return false }
        return Ledger.screen(transactions, chainId: chainId, verified: verified)
    }

    /// Whether the transactions' encoded bytes fit the block budget the primary packs within.
    func fitsBlockBytes(_ transactions: [Transaction]) -> Bool {
        guard let blockBytesMax = blockBytesMax() else { return false }
        // At most `Limits.blockTransactionsMax` transactions of bounded size each: the sum cannot overflow.
        let bytes = transactions.reduce(0) { $0 + $1.encodedByteCount }
        return bytes <= blockBytesMax - NodeLimits.proposalBytesReserve
    }
}
