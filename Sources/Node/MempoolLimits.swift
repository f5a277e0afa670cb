extension Mempool {
    /// The bounds of one mempool: pending transactions, their bytes, and one sender's share (DESIGN §1.4).
    ///
    /// A full mempool refuses new transactions rather than evicting admitted ones: a transaction a client
    /// was told is pending stays pending until it is included, expires, or (a future nonce) waits for its
    /// gap longer than `futureNonceTimeout`; a flood from one sender can take at most `perSenderMax` of the
    /// pool from everyone else, and future nonces at most `futureTransactionsMax` of it.
    public struct Limits: Hashable, Sendable {
        public var transactionsMax: Int
        public var bytesMax: Int
        /// One sender's pending transactions, ready and future.
        public var perSenderMax: Int
        /// Future nonces over all senders.
        public var futureTransactionsMax: Int
        /// How far past a sender's next executable nonce a transaction may be queued (0 refuses every gap).
        public var futureNonceWindow: UInt64
        /// How long a future nonce waits for its gap before it is evicted.
        public var futureNonceTimeout: Duration

        /// Bounds from explicit numbers; each count must be at least 1.
        public init(
            transactionsMax: Int = NodeLimits.mempoolTransactionsMaxDefault, bytesMax: Int = NodeLimits.mempoolBytesMaxDefault,
            perSenderMax: Int = NodeLimits.mempoolTransactionsPerSenderMaxDefault,
            futureTransactionsMax: Int = NodeLimits.mempoolFutureTransactionsMaxDefault,
            futureNonceWindow: UInt64 = NodeLimits.mempoolFutureNonceWindow,
            futureNonceTimeout: Duration = .milliseconds(NodeLimits.mempoolFutureNonceTimeoutMs)
        ) {
            precondition(transactionsMax >= 1 && bytesMax >= 1 && perSenderMax >= 1, "mempool limits must be positive")
            precondition(futureTransactionsMax >= 0 && futureNonceTimeout >= .zero, "future-nonce limits must not be negative")
            self.transactionsMax = transactionsMax
            self.bytesMax = bytesMax
            self.perSenderMax = perSenderMax
            self.futureTransactionsMax = futureTransactionsMax
            self.futureNonceWindow = futureNonceWindow
            self.futureNonceTimeout = futureNonceTimeout
        }

        /// Bounds from the `[mempool]` section of a node's config file.
        ///
        /// The file sets the pool's totals; the per-sender share is not configurable yet and keeps its default
        /// (never more than the whole pool).
        public init(
            _ configuration: NodeConfiguration.MempoolLimits, perSenderMax: Int = NodeLimits.mempoolTransactionsPerSenderMaxDefault
        ) {
            self.init(
                transactionsMax: configuration.transactionsMax, bytesMax: configuration.bytesMax,
                perSenderMax: min(perSenderMax, configuration.transactionsMax),
                futureTransactionsMax: min(NodeLimits.mempoolFutureTransactionsMaxDefault, configuration.transactionsMax / 4))
        }
    }
}
