/// Size limits of the chain's data types, enforced by the canonical decoders and by block validation.
///
/// DESIGN §1.4: every message, block and field has a named maximum. `LimitsTests` checks the relationships
/// between them (a block can hold at least one largest transaction; validator indices fit in `u16`).
public enum Limits {
    /// Chain identifiers: short ASCII names such as `sbp-devnet`.
    public static let chainIdBytesMax = 64
    /// Department identifiers (`TD`, `IMMD`) and validator or account names.
    public static let identifierBytesMax = 64
    /// Human-readable names and descriptions.
    public static let nameBytesMax = 256
    /// A transaction's payload: contract code for deploys, encoded arguments for calls.
    public static let transactionPayloadBytesMax = 256 * 1024
    /// A whole encoded transaction: payload plus the fixed fields and signature.
    public static let transactionBytesMax = transactionPayloadBytesMax + 1024
    /// Transactions in one block.
    public static let blockTransactionsMax = 10_000
    /// A whole encoded block.
    public static let blockBytesMax = 16 * 1024 * 1024
    /// Validators in one set; indices in commit certificates are `u16`.
    public static let validatorsMax = 256
    /// Events one transaction may emit.
    public static let eventsPerReceiptMax = 256
    /// An event topic.
    public static let eventTopicBytesMax = 64
    /// An event's data.
    public static let eventDataBytesMax = 16 * 1024
    /// Data a contract call returns.
    public static let returnDataBytesMax = 64 * 1024
    /// The error message of a failed receipt.
    public static let errorMessageBytesMax = 1024
    /// Departments, accounts and certificates in a genesis document.
    public static let genesisDepartmentsMax = 256
    public static let genesisAccountsMax = 100_000
    public static let certificatePEMBytesMax = 16 * 1024
    /// A genesis document's file, read whole before it is parsed: 64 departments and 256 validators with their
    /// certificates (`certificatePEMBytesMax` each) fit many times over. A larger file is refused unread.
    public static let genesisFileBytesMax = 16 * 1024 * 1024
    /// Advertised endpoints of one registered node (`NodeEndpoints`).
    public static let nodeEndpointsMax = 4
    /// One endpoint, `host:port`: a 253-byte DNS name, the colon and five digits, with room for brackets.
    public static let endpointBytesMax = 262
}

/// The range every consensus and governance parameter must lie in, checked in genesis, when a proposal
/// changing it is admitted, and again when it activates (`Genesis.ConsensusParameters.validate()`).
///
/// DESIGN §1.6: one department admin chooses these numbers, and every node computes with them; each
/// range keeps the arithmetic done with the value (doubling timeouts, adding drift to a clock, summing
/// fuel) inside `UInt64` and keeps the replica within what it supports. `ParameterRangesTests` checks the
/// ranges against each other, and `NodeLimitsTests` against the consensus core's own limits.
public enum ParameterRanges {
    /// L: the replica keeps one prepared certificate per height of the window in a VIEW-CHANGE, and
    /// supports at most 256 of them (`ConsensusLimits.watermarkWindowMax`).
    public static let watermarkWindow: ClosedRange<UInt64> = 2...256
    /// K: PBFT §4.3 needs L ≥ 2K, so K is at most half the largest window.
    public static let checkpointInterval: ClosedRange<UInt64> = 1...(watermarkWindow.upperBound / 2)
    /// T and its back-off cap: the replica doubles T per failed view, so the cap stays far below 2^63;
    /// 2^20 ticks of 60 s are two years, beyond any useful timeout.
    public static let viewChangeTimeoutTicks: ClosedRange<UInt64> = 1...(1 << 20)
    /// Milliseconds per logical tick: up to a minute (a node ticks for heartbeats and timeouts).
    public static let tickMs: ClosedRange<UInt64> = 1...60_000
    /// How far ahead of a backup's clock a block timestamp may be: up to an hour, so that `now + drift`
    /// never overflows and a primary cannot date blocks far into the future.
    public static let timestampDriftMs: ClosedRange<UInt64> = 1...3_600_000
    /// Transactions in one block: the protocol maximum.
    public static let blockTransactions: ClosedRange<UInt32> = 1...UInt32(Limits.blockTransactionsMax)
    /// A block holds at least one largest transaction, and at most the protocol's largest block.
    public static let blockBytes: ClosedRange<UInt32> = UInt32(Limits.transactionBytesMax)...UInt32(Limits.blockBytesMax)
    /// Fuel of one block: 2^50 is hours of contract execution, and sums of a block's fuel stay in `UInt64`.
    public static let blockFuel: ClosedRange<UInt64> = 1...(1 << 50)
    /// A block must fit this many transactions at the per-transaction fuel cap, so one sender's
    /// transactions at the cap cannot fill a block alone (issue 14, fair blocks).
    public static let transactionsAtFuelCapPerBlockMin: UInt64 = 8
    /// Fuel of one transaction: at most `blockFuel.upperBound / transactionsAtFuelCapPerBlockMin`, and at
    /// most `blockFuelMax / transactionsAtFuelCapPerBlockMin` of the same parameters.
    public static let transactionFuel: ClosedRange<UInt64> = 1...(blockFuel.upperBound / transactionsAtFuelCapPerBlockMin)
    /// Bytes one block may write to state and events (`blockWriteBytesMax`, charged as `docs/ledger.md`
    /// §5 describes): at least one largest contract deploy, at most what keeps the block's store batch
    /// under `StorageLimits.batchBytesMax` (`ExecutionBudgetTests` checks the sum).
    public static let blockWriteBytes: ClosedRange<UInt64> = (512 * 1024)...(16 * 1024 * 1024)
    /// Governance: a department count is at most `Limits.genesisDepartmentsMax`; thresholds are fractions
    /// of it with small terms so `votes × denominator` stays far inside `UInt64`.
    public static let thresholdTerm: ClosedRange<UInt32> = 1...1000
    /// Blocks an undecided proposal stays open: `height + lifetime` stays far inside `UInt64`.
    public static let proposalLifetimeBlocks: ClosedRange<UInt64> = 1...(1 << 40)
}
