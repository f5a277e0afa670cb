import ChainTypes

/// What the RPC server needs from the node: the server's only view of the ledger, mempool and consensus.
///
/// DESIGN §2 forbids `RPCServer` to import `Ledger`, `Consensus` or `Storage`; the node implements this
/// protocol over them instead, so the server and its tests run against any backend (the tests use a fake).
/// Expected outcomes are values (`nil` receipt, `TransactionSubmission.rejected`); failures are typed
/// `RPCBackendError`s that map to JSON-RPC error codes.
public protocol RPCBackend: Sendable {
    /// The node's identity and progress, for `node_status`.
    func nodeStatus() async throws(RPCBackendError) -> NodeStatus

    /// Whether the node should receive traffic (synced and connected to a quorum); drives GET `/readyz`.
    func isReady() async -> Bool

    /// Offers a decoded, not yet signature-checked transaction to the mempool.
    ///
    /// The node checks the signature, chain id, sender, nonce and limits; resubmitting a transaction that
    /// is already pending is accepted again (idempotent), so a client may retry after a lost response.
    func submitTransaction(_ transaction: Transaction) async throws(RPCBackendError) -> TransactionSubmission

    /// The receipt of a committed transaction with its position, or nil when no committed block holds it.
    func receipt(forTransaction hash: Hash) async throws(RPCBackendError) -> CommittedReceipt?

    /// The committed block at `height`.
    ///
    /// Throws `.unknownBlock` above the latest height and `.pruned` below the lowest retained one.
    func block(atHeight height: UInt64) async throws(RPCBackendError) -> Block
}

/// Why the backend could not answer; each case maps to one JSON-RPC error code.
public enum RPCBackendError: Error, Equatable, Sendable {
    /// No block at `height`; `latestHeight` is the node's highest committed block (−32002).
    case unknownBlock(height: UInt64, latestHeight: UInt64)
    /// The block or record at `height` is no longer kept; the lowest retained height is given (−32003).
    case pruned(height: UInt64, lowestRetainedHeight: UInt64)
    /// A named record does not exist (−32001).
    case notFound(String)
    /// The node failed (storage error, shutting down); the detail is logged, never sent to clients (−32603).
    case internalFailure(String)
}

/// The outcome of offering a transaction to the node.
public enum TransactionSubmission: Equatable, Sendable {
    /// The mempool holds the transaction; it will be proposed in a later block.
    case accepted
    /// The node refused it, for a reason the client can act on.
    case rejected(TransactionRejection)
}
