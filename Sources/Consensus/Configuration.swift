import ChainTypes

/// Parameters of one replica; the protocol ones come from genesis (`Genesis.ConsensusParameters`).
public struct ReplicaConfiguration: Hashable, Sendable {
    public var chainId: String
    /// K: a checkpoint every K heights (PBFT §4.3).
    public var checkpointInterval: UInt64
    /// L: the replica accepts heights in (low, low + L] (PBFT §4.2).
    public var watermarkWindow: UInt64
    /// T: ticks without progress before a backup suspects the primary (rule 13).
    public var viewChangeTimeoutTicks: UInt64
    /// The cap of the exponential back-off (rule 16b).
    public var viewChangeTimeoutTicksMax: UInt64
    /// How far ahead of the local clock a block timestamp may be (rule 23).
    public var timestampDriftMsMax: UInt64
    /// Ticks to wait for a state-transfer response before asking another peer.
    public var fetchTimeoutTicks: UInt64
    /// The largest encoded block a replica proposes or accepts (rule 2; at most `Limits.blockBytesMax`).
    public var blockBytesMax: Int
    /// Deliberate protocol violations, only for the simulator's negative controls.
    public var faults: ProtocolFaults

    public init(
        chainId: String, checkpointInterval: UInt64 = 16, watermarkWindow: UInt64 = 64, viewChangeTimeoutTicks: UInt64 = 20,
        viewChangeTimeoutTicksMax: UInt64 = 1280, timestampDriftMsMax: UInt64 = 5000, fetchTimeoutTicks: UInt64 = 10,
        blockBytesMax: Int = Limits.blockBytesMax, faults: ProtocolFaults = []
    ) {
        precondition(checkpointInterval >= 1, "checkpoint interval must be positive")
        precondition(watermarkWindow >= 2 * checkpointInterval, "PBFT §4.3: L ≥ 2K")
        precondition(watermarkWindow <= ConsensusLimits.watermarkWindowMax, "L bounded by the view-change proof size")
        precondition(viewChangeTimeoutTicks >= 1 && viewChangeTimeoutTicksMax >= viewChangeTimeoutTicks, "timeouts")
        self.chainId = chainId
        self.checkpointInterval = checkpointInterval
        self.watermarkWindow = watermarkWindow
        self.viewChangeTimeoutTicks = viewChangeTimeoutTicks
        self.viewChangeTimeoutTicksMax = viewChangeTimeoutTicksMax
        self.timestampDriftMsMax = timestampDriftMsMax
        self.fetchTimeoutTicks = fetchTimeoutTicks
        self.blockBytesMax = min(blockBytesMax, Limits.blockBytesMax)
        self.faults = faults
    }
}

extension ReplicaConfiguration {
    /// The protocol parameters governance may change; reading and writing them leaves the rest alone.
    public var parameters: ReplicaParameters {
        get {
            ReplicaParameters(
                checkpointInterval: checkpointInterval, watermarkWindow: watermarkWindow, viewChangeTimeoutTicks: viewChangeTimeoutTicks,
                viewChangeTimeoutTicksMax: viewChangeTimeoutTicksMax, timestampDriftMsMax: timestampDriftMsMax,
                blockBytesMax: blockBytesMax)
        }
        set {
            checkpointInterval = newValue.checkpointInterval
            watermarkWindow = newValue.watermarkWindow
            viewChangeTimeoutTicks = newValue.viewChangeTimeoutTicks
            viewChangeTimeoutTicksMax = newValue.viewChangeTimeoutTicksMax
            timestampDriftMsMax = newValue.timestampDriftMsMax
            blockBytesMax = newValue.blockBytesMax
        }
    }
}

/// The consensus parameters committed state decides (`Genesis.ConsensusParameters`, changed by governance).
///
/// Like a validator-set change (rule 20), a change is a pure function of committed state: the parameters
/// in the state after executing height h govern the replica from height h + 1 on, on every node, whether
/// it learns them live (`Input.executed(… parameters:)`) or reads them at a restart.
public struct ReplicaParameters: Hashable, Sendable {
    public var checkpointInterval: UInt64
    public var watermarkWindow: UInt64
    public var viewChangeTimeoutTicks: UInt64
    public var viewChangeTimeoutTicksMax: UInt64
    public var timestampDriftMsMax: UInt64
    public var blockBytesMax: Int

    public init(
        checkpointInterval: UInt64, watermarkWindow: UInt64, viewChangeTimeoutTicks: UInt64, viewChangeTimeoutTicksMax: UInt64,
        timestampDriftMsMax: UInt64, blockBytesMax: Int
    ) {
        self.checkpointInterval = checkpointInterval
        self.watermarkWindow = watermarkWindow
        self.viewChangeTimeoutTicks = viewChangeTimeoutTicks
        self.viewChangeTimeoutTicksMax = viewChangeTimeoutTicksMax
        self.timestampDriftMsMax = timestampDriftMsMax
        self.blockBytesMax = blockBytesMax
    }

    /// The consensus part of the chain's parameters.
    public init(_ parameters: Genesis.ConsensusParameters) {
        self.init(
            checkpointInterval: parameters.checkpointInterval, watermarkWindow: parameters.watermarkWindow,
            viewChangeTimeoutTicks: parameters.viewChangeTimeoutTicks, viewChangeTimeoutTicksMax: parameters.viewChangeTimeoutTicksMax,
            timestampDriftMsMax: parameters.timestampDriftMsMax, blockBytesMax: Int(parameters.blockBytesMax))
    }

    /// Why these parameters cannot govern a replica, or nil: the relations the protocol needs (L ≥ 2K,
    /// L within what a VIEW-CHANGE carries, T ≤ T max) and the integer rule's caps, checked without
    /// trapping arithmetic whatever the values.
    public var problem: String? {
        let cap = ConsensusLimits.parameterMax
        guard checkpointInterval >= 1, checkpointInterval <= cap else {
            return "checkpoint interval \(checkpointInterval) outside 1...\(cap)"
        }
        guard watermarkWindow / 2 >= checkpointInterval else {
            return "watermark window \(watermarkWindow) below 2 × \(checkpointInterval)"
        }
        guard watermarkWindow <= ConsensusLimits.watermarkWindowMax else {
            return "watermark window \(watermarkWindow) above \(ConsensusLimits.watermarkWindowMax)"
        }
        guard viewChangeTimeoutTicks >= 1, viewChangeTimeoutTicksMax >= viewChangeTimeoutTicks, viewChangeTimeoutTicksMax <= cap else {
            return "view-change timeouts \(viewChangeTimeoutTicks)...\(viewChangeTimeoutTicksMax) outside 1...\(cap)"
        }
        guard timestampDriftMsMax <= cap else { return "timestamp drift \(timestampDriftMsMax) ms above \(cap)" }
        guard blockBytesMax >= 1, blockBytesMax <= Limits.blockBytesMax else {
            return "block bytes \(blockBytesMax) outside 1...\(Limits.blockBytesMax)"
        }
        return nil
    }
}

/// Rules a replica can be told to break, so tests can show the simulator notices (PBFT-NOTES, last section).
public struct ProtocolFaults: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Count one vote fewer than a quorum as a quorum (2f instead of 2f+1 for n = 3f+1).
    public static let unsafeQuorum = ProtocolFaults(rawValue: 1 << 0)
    /// Accept any NEW-VIEW without recomputing O (breaks rule 15).
    public static let acceptAnyNewView = ProtocolFaults(rawValue: 1 << 1)
}

/// Where the replica's chain stands when it starts: from storage on a restart, from genesis otherwise.
public struct ChainPosition: Hashable, Sendable {
    public var committedHeight: UInt64
    /// Hash of the committed block at `committedHeight` (zero at genesis).
    public var committedHash: Hash
    /// Timestamp of that block (the genesis time at height 0).
    public var committedTimestampMs: UInt64
    /// The commit certificate of `committedHeight` (nil at genesis).
    public var lastCertificate: CommitCertificate?
    /// State root after executing `committedHeight` (the genesis state root at 0).
    public var stateRoot: Hash
    /// Receipts root of `committedHeight`.
    public var receiptsRoot: Hash

    public init(
        committedHeight: UInt64, committedHash: Hash, committedTimestampMs: UInt64, lastCertificate: CommitCertificate?,
        stateRoot: Hash, receiptsRoot: Hash
    ) {
        self.committedHeight = committedHeight
        self.committedHash = committedHash
        self.committedTimestampMs = committedTimestampMs
        self.lastCertificate = lastCertificate
        self.stateRoot = stateRoot
        self.receiptsRoot = receiptsRoot
    }

    /// The position before block 1.
    public static func genesis(timestampMs: UInt64, stateRoot: Hash) -> ChainPosition {
        ChainPosition(
            committedHeight: 0, committedHash: .zero, committedTimestampMs: timestampMs, lastCertificate: nil,
            stateRoot: stateRoot, receiptsRoot: MerkleRoot.empty)
    }
}

/// Stateless checks of a proposal's transactions (form, chain id, signatures; PBFT-NOTES rule 24).
public protocol TransactionScreen: Sendable {
    /// Whether every transaction is well-formed and correctly signed.
    func accepts(_ transactions: [Transaction]) -> Bool
}

/// What drives a replica.
public enum Input: Sendable {
    /// One logical tick of the timer; `nowMs` is the local clock, used only to check block timestamps.
    case tick(nowMs: UInt64)
    /// A message from another replica (or a state-transfer response).
    case message(Message)
    /// The driver's batch for the next block; valid only while `Ready.canPropose`.
    case propose([Transaction])
    /// The executor finished `height`; any validator-set change it decided comes with it, and the consensus
    /// parameters in the state after it (they govern from `height + 1`; nil when the driver knows they did
    /// not change).
    case executed(
        height: UInt64, stateRoot: Hash, receiptsRoot: Hash, validatorSetChange: ValidatorSetChange?, parameters: ReplicaParameters? = nil)
    /// The driver holds transactions waiting for a block, so a silent primary must be suspected (rule 13).
    case workPending
    /// A transaction has waited at this node past its deadline while the primary committed blocks with room
    /// for it: suspect the primary now (rule 13).
    ///
    /// PBFT §4.4 keeps a timer per client request that only its execution stops; with batched blocks every
    /// commit would otherwise restart the single timer, and a primary committing everything but one request
    /// would never be replaced. The driver, which knows its mempool, decides when a request is overdue.
    case requestOverdue
    /// The registered observers this node links to, which serve committed blocks too (state transfer, rule
    /// 18); replaces the list given before. At most `ConsensusLimits.fetchObserversMax` are kept.
    ///
    /// The shell reads them from committed state. A node that is itself an observer gives none: observers
    /// dial validators and nobody dials observers, so two observers are never linked (ADR 0014).
    case observers([String])
}
