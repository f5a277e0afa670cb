import ChainTypes
import Ledger

/// Why the mempool refuses a transaction; RPC returns the description to the client and counts the code.
///
/// The ledger's own reasons (bad signature, unknown sender, replayed or gapped nonce, expiry) arrive
/// wrapped in `.rejected`, so a client sees one error type whichever layer said no.
public enum MempoolRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The same transaction (same hash) is already pending.
    case duplicate(Hash)
    /// Another pending transaction of the sender already has this nonce (ready or waiting for a gap).
    case nonceTaken(sender: Address, nonce: UInt64)
    /// Admitting the transaction would break one of the pool's bounds; nothing already admitted is dropped.
    case full(MempoolBound)
    /// The ledger's admission check refused the transaction.
    case rejected(TransactionRejection)

    public var description: String {
        switch self {
        case .duplicate(let hash): "transaction \(hash) is already pending"
        case .nonceTaken(let sender, let nonce): "another pending transaction of \(sender) already has nonce \(nonce)"
        case .full(let bound): "the mempool is full: \(bound)"
        case .rejected(let rejection): rejection.description
        }
    }

    /// A stable machine-readable code for RPC clients and metrics: the ledger's code for `.rejected`.
    public var code: String {
        switch self {
        case .duplicate: "duplicate"
        case .nonceTaken: "nonce_taken"
        case .full(.transactions): "mempool_full"
        case .full(.bytes): "mempool_bytes_full"
        case .full(.sender): "mempool_sender_full"
        case .full(.future): "mempool_future_full"
        case .rejected(let rejection): rejection.code
        }
    }
}

/// The bound a full mempool hit.
public enum MempoolBound: Hashable, Sendable, CustomStringConvertible {
    /// The pool already holds `limit` transactions.
    case transactions(limit: Int)
    /// The transaction's bytes do not fit beside the bytes already pending.
    case bytes(transactionBytes: Int, pendingBytes: Int, limit: Int)
    /// The sender already has `limit` pending transactions.
    case sender(Address, limit: Int)
    /// The pool already queues `limit` future nonces (transactions waiting for an earlier nonce).
    case future(limit: Int)

    public var description: String {
        switch self {
        case .transactions(let limit):
            "it holds its limit of \(limit) transactions; retry after the next block"
        case .bytes(let transactionBytes, let pendingBytes, let limit):
            "a \(transactionBytes)-byte transaction does not fit beside \(pendingBytes) pending bytes (limit \(limit))"
        case .sender(let address, let limit):
            "sender \(address) already has its limit of \(limit) pending transactions; retry after the next block"
        case .future(let limit):
            "it queues its limit of \(limit) transactions waiting for an earlier nonce; send the missing nonces first"
        }
    }
}

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
