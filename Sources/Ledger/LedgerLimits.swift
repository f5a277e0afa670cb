import ChainTypes
import StateTree
import Storage

/// Bounds of the ledger's own state and of what one block may write (DESIGN §1.4, issue 14 defect 3).
///
/// `ExecutionBudgetTests` checks how they fit the store: one block's batch (block, receipts, indexes,
/// tree nodes, flat state) within `StorageLimits.batchBytesMax`, every value within
/// `StateTreeLimits.valueBytesMax`.
public enum LedgerLimits {
    /// The largest list kept as one state value: a margin below `StateTreeLimits.valueBytesMax` for the
    /// list's own length prefix and a few more entries.
    public static let listBytesMax = 60 * 1024
    /// Contracts the chain lists (`LedgerView.contracts()`): the contract list is one state value of
    /// 20-byte addresses behind a 4-byte count, so it never outgrows `listBytesMax`. A deploy beyond it is
    /// reverted with its reason instead of halting every node at the state-tree update.
    public static let contractsMax = (listBytesMax - 4) / Address.byteCount
    /// Proposals open at once: bounds the governance book (one state value of 8-byte ids).
    public static let openProposalsMax = 4096
    /// Node records (observers, and validators with endpoints): the name list is one state value of
    /// names of at most `Limits.identifierBytesMax` bytes, so 512 × (4 + 64) bytes stay within `listBytesMax`.
    public static let nodesMax = 512
    /// Stale tree nodes one pruning step deletes (`Ledger.pruneStep`): one bounded write batch of about
    /// 100 KB of keys, so a step never holds the store long, whatever backlog a node switched to pruning has.
    public static let pruneRecordsPerStep = 2_000
    /// The fewest tree versions `storage.history = "recent N"` may keep: the latest state and the latest
    /// certified one (the state after the second-latest block, which `state_getProof` and evidence prove
    /// by default), so every default proof stays answerable.
    public static let retainedVersionsMin: UInt64 = 2
    /// Flat-state values admission checks remember between two finalized blocks (`AdmissionReads`): the
    /// senders' accounts and departments of a block interval's transactions, a few hundred bytes each, so a
    /// flood from a million distinct senders costs at most a few megabytes until the next block; reads past it
    /// go to the snapshot each time.
    public static let admissionReadsMax = 16_384
    /// Bytes of keys and values admission checks remember between two finalized blocks: the count above
    /// times the few hundred bytes of an account or department, so that values that are large (a governance
    /// list reaches tens of kilobytes) cannot make the count bound a bound of gigabytes.
    public static let admissionReadsBytesMax = 8 << 20

    /// Bytes charged against `blockWriteBytesMax` per state value written, on top of its key and value:
    /// the value's flat copy, the tree leaf that holds its hash, and the internal nodes along its path
    /// that the tree rewrites (about 600 bytes at a million keys; the charge keeps a margin).
    public static let stateWriteOverheadBytes: UInt64 = 1024
    /// Bytes charged per event on top of its topic and data: the index entries that repeat it (by
    /// contract, and by record for the standard registries) with their keys.
    public static let eventOverheadBytes: UInt64 = 256
    /// Times an event's bytes are written: in the receipt, the contract-event index and the record-history index.
    public static let eventCopies: UInt64 = 3
    /// Bytes one transaction writes outside the write budget: its receipt's fixed fields and largest error
    /// message, its sender and location index entries, and its sender's account record (the nonce) with
    /// the tree nodes along its path. `blockTransactionsMax` of these, a largest block and a full budget
    /// fit the store's batch (`ExecutionBudgetTests`).
    public static let transactionFixedBytesMax: UInt64 = 3 * 1024
}

/// Fuel the ledger charges for work it does itself, on top of what contract code burns (issue 14,
/// defect 3): deploys, account actions and governance transactions write state, so they cost fuel like
/// contract storage writes do (`FuelCost.storageWriteBase`, `storageWritePerByte`).
///
/// A transaction's fuel limit must cover the fixed cost of its kind at admission; these numbers are
/// consensus-critical (they feed receipts).
public enum LedgerFuel {
    /// A deploy: validating a module and recording the contract.
    public static let deployBase: UInt64 = 100_000
    /// Each byte of deployed code (validated, hashed and stored in chunks).
    public static let deployPerByte: UInt64 = 20
    /// An account action (add, suspend, reinstate, set roles): one record written.
    public static let accountAction: UInt64 = 10_000
    /// A governance proposal or vote: records read, written and tallied.
    public static let governanceBase: UInt64 = 50_000
    /// Each byte of a governance payload (a proposal may carry contract code or certificates).
    public static let governancePerByte: UInt64 = 20

    /// The fuel a transaction of `kind` with `payloadBytes` bytes of payload costs before any contract
    /// code runs; saturating, since payloads are bounded far below where it could overflow.
    public static func intrinsic(kind: TransactionKind, payloadBytes: Int) -> UInt64 {
        let bytes = UInt64(max(0, payloadBytes))
        switch kind {
        case .call: return 0
        case .deploy: return deployBase.addingSaturating(deployPerByte.multipliedSaturating(bytes))
        case .account, .node: return accountAction
        case .governance: return governanceBase.addingSaturating(governancePerByte.multipliedSaturating(bytes))
        }
    }
}

extension UInt64 {
    func addingSaturating(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }

    func multipliedSaturating(_ other: UInt64) -> UInt64 {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? .max : product
    }
}
