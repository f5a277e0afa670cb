/// Counters of one mempool since it started, for `/metrics` and logs.
///
/// A snapshot taken under the pool's lock, so `transactions` and `bytes` agree with each other and with
/// the counters. Keys of `rejected` are `TransactionRejection.code` values; exporters sort them, since
/// dictionary order differs between processes.
public struct MempoolMetrics: Hashable, Sendable {
    /// Transactions pending now.
    public var transactions = 0
    /// Of those, future nonces waiting for an earlier nonce of their sender (not proposable yet).
    public var futureTransactions = 0
    /// Canonical bytes of the transactions pending now.
    public var bytes = 0
    /// Transactions admitted, from clients and peers.
    public var admitted: UInt64 = 0
    /// Transactions a peer sent that were already pending (gossip echoes; not an error).
    public var alreadyKnown: UInt64 = 0
    /// Refused transactions by `TransactionRejection.code`.
    public var rejected: [String: UInt64] = [:]
    /// Transactions that left the pool after a block, by reason.
    public var evicted: [MempoolEviction: UInt64] = [:]

    public init() {}

    /// Every refused transaction, whatever the reason.
    public var rejectedTotal: UInt64 { rejected.values.reduce(0, +) }

    /// Every evicted transaction, whatever the reason.
    public var evictedTotal: UInt64 { evicted.values.reduce(0, +) }
}
