/// Whether the node should receive traffic and why not, as `node_health` reports it.
///
/// `ready` is what GET `/readyz` answers; the other members are its inputs, so an operator sees which
/// condition failed without reading logs.
public struct NodeHealth: Hashable, Sendable {
    /// Synced, not halted and connected to a quorum.
    public var ready: Bool
    /// Catching up by state transfer rather than following consensus.
    public var syncing: Bool
    /// Why the node stopped executing blocks (a storage failure or a diverged state root); nil while running.
    public var haltedReason: String?
    /// Peers with an open link.
    public var peersConnected: Int
    /// Validators (this node included) needed for a quorum of the current validator set.
    public var quorum: Int
    /// The height of the latest committed block.
    public var latestHeight: UInt64
    /// Milliseconds since this node last committed a block; nil when it has not since it started.
    public var lastCommitAgeMs: UInt64?
    /// Transactions waiting in the mempool.
    public var pendingTransactions: Int

    public init(
        ready: Bool, syncing: Bool, haltedReason: String?, peersConnected: Int, quorum: Int, latestHeight: UInt64,
        lastCommitAgeMs: UInt64?, pendingTransactions: Int
    ) {
        self.ready = ready
        self.syncing = syncing
        self.haltedReason = haltedReason
        self.peersConnected = peersConnected
        self.quorum = quorum
        self.latestHeight = latestHeight
        self.lastCommitAgeMs = lastCommitAgeMs
        self.pendingTransactions = pendingTransactions
    }
}
