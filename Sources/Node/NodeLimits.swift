import Consensus
import Ledger

/// Named maxima and defaults of the node shell's configuration and of `sbp network init` (DESIGN §1.4).
///
/// A config file, a key file and a contract file are all input read from disk, so each is read only up to
/// a bound; the network initializer refuses networks larger than the validator set can hold.
/// `NodeLimitsTests` checks the relationships between them.
public enum NodeLimits {
    /// Largest config file read; a real one with a few hundred peers is well under 64 KiB.
    public static let configurationFileBytesMax = 1024 * 1024
    /// Most peers one config file may list.
    public static let peersMax = 1024
    /// An observer's ignored consensus messages are logged at the first and then every this many, so a
    /// misbehaving observer cannot flood the log.
    public static let observerDropLogEvery = 1000
    /// Largest plaintext key file (a hex key is 65 bytes, a PEM key a few hundred).
    public static let keyFileBytesMax = 16 * 1024
    /// Largest WebAssembly module copied into a new network (the deploy payload bound).
    public static let contractFileBytesMax = 256 * 1024
    /// Most standard contracts copied into a new network.
    public static let contractsMax = 64

    /// Default mempool bound on pending transactions.
    public static let mempoolTransactionsMaxDefault = 10_000
    /// Default mempool bound on the bytes of pending transactions.
    public static let mempoolBytesMaxDefault = 64 * 1024 * 1024
    /// Largest mempool bounds a config may ask for.
    public static let mempoolTransactionsMaxLimit = 1_000_000
    public static let mempoolBytesMaxLimit = 4 * 1024 * 1024 * 1024
    /// Default mempool bound on one sender's pending transactions, so one busy sender cannot fill the pool.
    public static let mempoolTransactionsPerSenderMaxDefault = 1_000
    /// How many nonces past a sender's next executable nonce (the end of its run of ready transactions) the
    /// mempool queues until the gap fills: enough for a client that spreads a burst over several nodes
    /// without waiting for receipts (the gap is a few transactions still in flight to this node), small
    /// enough that one sender's waiting transactions stay a small part of the pool.
    public static let mempoolFutureNonceWindow: UInt64 = 64
    /// How long a queued future nonce waits for its gap to fill before it is evicted (`gap_not_filled`):
    /// several re-gossip rounds and blocks, so an earlier nonce still in flight through another node arrives.
    public static let mempoolFutureNonceTimeoutMs = 60_000
    /// Default bound on the future nonces the whole pool queues, so waiting transactions that cannot be
    /// proposed never crowd out ready ones.
    public static let mempoolFutureTransactionsMaxDefault = 2_500
    /// Default size of one gossip message of admitted transactions; a largest transaction always fits.
    public static let mempoolGossipMessageBytesMaxDefault = 1024 * 1024
    /// Most transactions one gossip message may carry; a decoder refuses more before reading them.
    public static let mempoolGossipTransactionsPerMessageMax = 10_000
    /// How long a node with a renewed TLS certificate waiting (`tls-next.crt`) goes without any peer link
    /// before it presents the other of its two certificates (`CertificateRollover.presentWhileIsolated`).
    public static let renewedCertificateTryAfterMs = 3_000
    /// How often the node checks whether it is cut off while a renewed certificate waits.
    public static let renewedCertificateCheckIntervalMs = 1_000
    /// How often a node sends its clients' still-pending transactions to its peers again.
    public static let mempoolRegossipIntervalMs = 2_000
    /// Most transactions one re-gossip round sends.
    public static let mempoolRegossipTransactionsMax = 2_000
    /// How long a pending transaction may wait at this node before the node sends it to its peers again,
    /// whoever submitted it (a client's own transactions are re-sent sooner, every round).
    public static let mempoolStaleRegossipMs = 3_000
    /// How long the oldest pending transaction waits before blocks that leave it out count against the
    /// primary (`InclusionWatch`): long enough for two re-gossip rounds after it went stale, so every node
    /// that holds it has re-sent it to the primary at least once.
    public static let inclusionGraceMs = mempoolStaleRegossipMs + 2 * mempoolRegossipIntervalMs
    /// Blocks with room for the oldest pending transaction that may leave it out, after the grace, before
    /// the node suspects the primary (rule 13).
    public static let inclusionSkipsMax = 3
    /// How long a primary with nothing pending waits after the last commit before it proposes an empty
    /// block; a backup suspects a primary that commits nothing for two of these (`DriverCore`), so a lost
    /// primary is replaced on an idle network too.
    public static let emptyBlockIntervalMs: UInt64 = 1000
    /// How old a node's latest block may be before the node counts as behind, and the links it dials may be
    /// accepted by the provisional rule (ADR 0018): fifteen empty-block intervals, well past any view change of
    /// the default parameters, so a caught-up node on a live chain keeps the strict rule.
    public static let provisionalTrustLagMs: UInt64 = 15_000
    /// The range of `node.empty_block_interval_ms` (besides 0, never): at least one 100 ms tick, at most a day.
    public static let emptyBlockIntervalMsRange: ClosedRange<UInt64> = 100...86_400_000

    /// Default RocksDB block cache and memtables of a node together (`storage.memory_bytes`): with the rest
    /// of the process this keeps a node under 1 GiB (docs/performance.md, Memory).
    public static let storageMemoryBytesDefault = 512 * 1024 * 1024
    /// The versions `storage.history = "recent N"` may keep: at least the latest and the latest certified
    /// state (`LedgerLimits.retainedVersionsMin`), at most about 30 years of one block a second.
    public static let retainedVersionsRange: ClosedRange<UInt64> = LedgerLimits.retainedVersionsMin...1_000_000_000
    /// Smallest and largest `storage.memory_bytes` a config may ask for.
    public static let storageMemoryBytesMin = 16 * 1024 * 1024
    public static let storageMemoryBytesLimit = 64 * 1024 * 1024 * 1024

    /// Most departments and validators per department `sbp network init` creates.
    public static let departmentsMax = 64
    public static let validatorsPerDepartmentMax = 16
    /// Default first P2P and RPC ports; node i listens on base + i.
    public static let p2pBasePortDefault = 26600
    public static let rpcBasePortDefault = 8545
    /// Largest JSON-RPC limits a config may ask for (`[rpc]`); the defaults are `RPCLimits`'.
    public static let rpcBatchRequestsMaxLimit = 10_000
    public static let rpcRequestBodyBytesMaxMinimum = 64 * 1024
    public static let rpcRequestBodyBytesMaxLimit = 64 * 1024 * 1024
    public static let rpcSubscriptionsPerConnectionMaxLimit = 1_024
    public static let rpcWebSocketConnectionsMaxLimit = 65_536
    /// Largest `rpc.connections_max` and `rpc.client_connections_max`: the most descriptors a process has on
    /// common systems (a larger bound could never be met, `FileDescriptorBudget`).
    public static let rpcConnectionsMaxLimit = 1 << 20
    /// Connections the separate operations server (`metrics.listen_port`: health checks and /metrics) keeps
    /// open at once, in all and per client: monitoring needs a few.
    public static let metricsConnectionsMax = 64
    /// Most CORS origins `rpc.allowed_origins` may list, and the longest one.
    public static let rpcAllowedOriginsMax = 64
    public static let rpcAllowedOriginCharactersMax = 256
    /// Largest per-client limits `[rpc]` may set (`client_requests_per_second`, `client_requests_burst`,
    /// `client_concurrent_requests_max`): beyond these the limiter no longer limits anything.
    public static let rpcClientRequestsLimit = 1_000_000
    public static let rpcClientConcurrentRequestsLimit = 10_000
    /// Largest request budgets `[rpc]` may set: a million blocks, 10^12 fuel, 1 GiB of response.
    public static let rpcRequestBlocksLimit = 1_000_000
    public static let rpcRequestFuelLimit = 1_000_000_000_000
    public static let rpcResponseBytesLimit = 1 << 30
    /// Most RPC work threads and admissions `[rpc]` may set.
    public static let rpcWorkThreadsLimit = 64
    public static let rpcWorkAdmissionsLimit = 65_536
    /// Most API tokens one `rpc.api_tokens_file` may hold.
    public static let rpcAPITokensMax = 64
    /// Default lifetime of generated CA and node certificates.
    public static let certificateValidityDaysDefault = 3650
    public static let certificateValidityDaysMax = 36_500
    /// Days ahead of a TLS certificate's (or its CA's) expiry that the node warns, unless configured.
    public static let certificateExpiryWarningDaysDefault = 30

    // MARK: Byte budgets and peer intake (issue 13)

    /// Bytes of a block kept free of transactions for its header and commit certificate; the driver core's
    /// limit (`ConsensusLimits.proposalBytesReserve`), which `LedgerScreen` applies to proposals it checks.
    public static let proposalBytesReserve = ConsensusLimits.proposalBytesReserve
    /// Bytes of blocks and certificates in one state-transfer reply (`ConsensusLimits`, shared with the simulator).
    public static let fetchBlocksReplyBytesMax = ConsensusLimits.fetchBlocksReplyBytesMax
    /// Bytes a reply adds around its blocks: the peer-message tag, the consensus-message tag and the count.
    public static let fetchBlocksReplyOverheadBytes = 16
    /// `fetchBlocks` requests one peer may have answered per second, and in a burst (`ConsensusLimits`).
    public static let fetchBlocksPerPeerPerSecond = ConsensusLimits.fetchBlocksPerPeerPerSecond
    public static let fetchBlocksBurstMax = ConsensusLimits.fetchBlocksBurstMax
    /// Messages from one peer waiting for the replica driver; more from that peer are dropped and counted
    /// (consensus retransmits), so one peer cannot crowd out the others.
    public static let inboxPerPeerMax = 2_048
    /// Bytes of one peer's messages waiting at each intake stage (signature check, driver inbox); a peer with
    /// nothing waiting may always queue one message, so a largest legal message is never refused for size.
    public static let intakePerPeerBytesMax = 64 * 1024 * 1024
    /// Events of the node itself (ticks, transactions arrived) waiting for the driver.
    public static let inboxLocalMax = 1_024
    /// Consensus messages from one peer waiting for a signature check; more are dropped and counted.
    public static let verificationsPerPeerMax = 1_024
    /// Gossip messages from one peer waiting for mempool admission; more are dropped and counted.
    ///
    /// A dropped message's transactions reach the node only when their origin gossips them again, two to
    /// four seconds later (`mempoolRegossipIntervalMs`); at 64 a primary whose admission fell behind for a
    /// moment (a busy or loaded machine) dropped hundreds of messages a run, held too few transactions to
    /// fill its blocks, and the closed-loop benchmark waited on re-gossip (issue 18). The bytes stay
    /// bounded by `intakePerPeerBytesMax`.
    public static let gossipPerPeerMax = 1_024
    /// How long a node gathers admitted transactions before gossiping them in one message, in milliseconds:
    /// a `tx_send` batch goes out in a few messages instead of one per transaction.
    public static let gossipFlushDelayMs = 5
    /// How long a primary about to propose waits, at most, for the peer gossip it has received to be admitted
    /// (`GossipBacklog`), in milliseconds: enough for a block interval's backlog on a loaded machine, and a
    /// bound on what a peer flooding gossip can delay a proposal by.
    public static let proposalGossipWaitMs = 25

    /// Blocks between the state snapshots a node makes by default (`storage.snapshot_interval`): at one
    /// block a second, about three hours (docs/adr/0017-state-sync.md).
    public static let snapshotIntervalDefault: UInt64 = 10_000
    public static let snapshotIntervalMax = 100_000_000
    /// Snapshots a node keeps by default (`storage.snapshots_kept`), and at most.
    public static let snapshotsKeptDefault = 2
    public static let snapshotsKeptMax = 100
    /// How long state sync waits for peers to offer a snapshot before it gives up.
    public static let stateSyncOfferWaitMs: UInt64 = 60_000
    /// After the first verified offer, how long state sync waits for more (to pick the highest, and sources).
    public static let stateSyncOfferGraceMs: UInt64 = 1_000
    /// Chunk requests in flight at once, in all and per peer (docs/adr/0017-state-sync.md).
    public static let stateSyncChunksInFlightMax = 8
    public static let stateSyncChunksPerPeerMax = 2
    /// How long a chunk request may go unanswered before it is asked of another peer.
    public static let stateSyncChunkTimeoutMs: UInt64 = 20_000
    /// Attempts per chunk before state sync gives up.
    public static let stateSyncChunkAttemptsMax = 8
}
