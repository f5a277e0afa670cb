import ChainTypes
import Consensus
import Ledger

/// The replica's check of a proposal's transactions: the ledger's stateless checks and signatures.
///
/// State-dependent checks (nonce, permissions) are not part of it: a correct replica cannot know the
/// state a faulty primary's block will execute on until it executes, so those failures become
/// `rejected` receipts instead (PBFT-NOTES rule 24).
struct LedgerScreen: TransactionScreen {
    let chainId: String
    /// The ledger's record of signatures already checked (at admission, usually), so a proposal's are not
    /// recovered again; nil checks every one.
    var verified: VerifiedSignatures? = nil

    func accepts(_ transactions: [Transaction]) -> Bool { Ledger.screen(transactions, chainId: chainId, verified: verified) }
}
