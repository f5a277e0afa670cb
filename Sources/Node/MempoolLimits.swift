extension Mempool {
    /// The bounds of one mempool: pending transactions, their bytes, and one sender's share (DESIGN §1.4).
    ///
    /// A full mempool refuses new transactions rather than evicting admitted ones: a transaction a client
    /// was told is pending stays pending until it is included or expires, and a flood from one sender can
    /// take at most `perSenderMax` of the pool from everyone else.
    public struct Limits: Hashable, Sendable {
        public var transactionsMax: Int
        public var bytesMax: Int
        public var perSenderMax: Int

        /// Bounds from explicit numbers; each must be at least 1.
        public init(
            transactionsMax: Int = NodeLimits.mempoolTransactionsMaxDefault, bytesMax: Int = NodeLimits.mempoolBytesMaxDefault,
            perSenderMax: Int = NodeLimits.mempoolTransactionsPerSenderMaxDefault
        ) {
            precondition(transactionsMax >= 1 && bytesMax >= 1 && perSenderMax >= 1, "mempool limits must be positive")
            self.transactionsMax = transactionsMax
            self.bytesMax = bytesMax
            self.perSenderMax = perSenderMax
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
                perSenderMax: min(perSenderMax, configuration.transactionsMax))
        }
    }
}
