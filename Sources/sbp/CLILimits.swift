import RPCServer

/// The CLI's limits and waits, in one place (STYLE: put a limit on everything).
enum CLILimits {
    /// How long a JSON-RPC request may go without a byte of its answer before the CLI gives up on it.
    static let requestTimeoutSeconds = 30.0
    /// How long one answer may take in all, however steadily it arrives (`BoundedResponse`): a node that sends a
    /// byte now and then stops holding the CLI after this, while the largest answer (`responseBytesMax`) still
    /// arrives at about 220 KB/s.
    static let answerSecondsMax = 300.0
    /// The largest JSON-RPC answer the CLI reads: a node's default bound on one response (a block of the
    /// largest size with its transactions in hex, or an evidence bundle). A node or a proxy that sends more
    /// is cut off with `RPCClientError.answerTooLarge` instead of filling the machine's memory.
    static let responseBytesMax = RPCLimits.responseBytesMaxDefault
    /// How long `sbp node backup` waits for the node's checkpoint: a large database flushes its memtables first.
    static let backupTimeoutSeconds = 600.0
    /// How long one `tx_sendAndWait` asks the node to wait; the node allows at most 30 s, and the request's
    /// own timeout must outlast it.
    static let sendAndWaitTimeoutMs: UInt64 = 20_000
    /// Extra time the HTTP request of a `tx_sendAndWait` gets beyond the node's wait.
    static let sendAndWaitSlackSeconds = 10.0
    /// How long a write command waits for its receipt by default, across several `tx_sendAndWait` calls.
    static let receiptWaitSecondsDefault = 120
    /// How long `sbp evidence export` waits for the block that certifies the state it proves.
    static let certificationWaitSecondsDefault = 60
    /// How often it asks the node again while waiting.
    static let certificationPollInterval: Duration = .milliseconds(250)
    /// Blocks after the latest one during which a signed transaction stays valid (its expiry height).
    static let expiryBlocksDefault: UInt64 = 1_000
    /// Default fuel limit of a transaction.
    static let fuelDefault: UInt64 = 10_000_000
    /// The largest file the CLI reads as input (a contract module, a signed transaction in hex, a PEM file).
    static let inputFileBytesMax = 4 * 1024 * 1024
    /// Largest nonce record read (`SignedNonceRecord`: one decimal number).
    static let nonceRecordBytesMax = 64
    /// Signed transactions `sbp tx send --file` sends in one JSON-RPC batch (the node allows 100 by default).
    static let sendBatchTransactionsMax = 100
    /// How often `sbp tx send --file --wait` asks for the receipts it still waits for.
    static let receiptPollInterval: Duration = .milliseconds(500)
    /// Proposals `sbp governance list` asks for per page (the node allows 1...100).
    static let proposalPageLimit = 100
    /// Pages `sbp governance list --all` reads at most, so a misbehaving node cannot keep it looping.
    static let proposalPagesMax = 1_000
}
