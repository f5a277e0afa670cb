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
}
