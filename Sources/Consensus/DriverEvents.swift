import ChainTypes

/// What the driver's shell reports to the driver core (`DriverCore.handle(_:)`).
///
/// Everything the core decides from comes in as an event: the clock, peer messages, the mempool's state
/// and what the executor did. The core reads no clock, mempool or disk of its own, so the simulator and the
/// node run the same decisions.
public enum DriverEvent: Sendable {
    /// One logical tick at local time `nowMs` (milliseconds since 1970, injected by the shell), with the
    /// number of pending transactions a proposal may take now.
    case tick(nowMs: UInt64, pendingCount: Int)
    /// A message from a peer. State-transfer requests (`fetchBlocks`) are served by the shell's block
    /// server, off the consensus path; the core ignores them.
    case message(Message)
    /// The mempool admitted transactions; `pendingCount` may be proposed now.
    case transactionsArrived(pendingCount: Int)
    /// The transactions for the block a `.propose` action asked for (possibly fewer than its limits).
    case proposal([Transaction])
    /// The executor finished a block an `.execute` action handed over.
    case executed(Execution)
    /// Input–output the shell could not do; the node halts (`DriverAction.halt`).
    case failed(HaltReason)
    /// The registered observers this node links to, which serve committed blocks too (`Input.observers`).
    case observers([String])
}

/// What the executor reports after a block: the replica's `Input.executed` plus what the core's rules need.
public struct Execution: Sendable {
    public var block: Block
    public var stateRoot: Hash
    public var receiptsRoot: Hash
    /// A validator-set change this block decided (rule 20).
    public var validatorSetChange: ValidatorSetChange?
    /// The consensus parameters in the state after the block; nil when the shell knows they did not change.
    public var parameters: ReplicaParameters?
    /// The block limits in the state after the block; nil when unchanged.
    public var blockLimits: BlockLimits?
    /// Transactions a proposal may take now that the block's own left the mempool.
    public var pendingCount: Int
    /// The pending transaction held longest, after the block left the mempool (`InclusionWatch`).
    public var oldestPending: InclusionWatch.Candidate?

    public init(
        block: Block, stateRoot: Hash, receiptsRoot: Hash, validatorSetChange: ValidatorSetChange? = nil,
        parameters: ReplicaParameters? = nil, blockLimits: BlockLimits? = nil, pendingCount: Int = 0,
        oldestPending: InclusionWatch.Candidate? = nil
    ) {
        self.block = block
        self.stateRoot = stateRoot
        self.receiptsRoot = receiptsRoot
        self.validatorSetChange = validatorSetChange
        self.parameters = parameters
        self.blockLimits = blockLimits
        self.pendingCount = pendingCount
        self.oldestPending = oldestPending
    }
}

/// What the driver core asks its shell to do, one action at a time, in the order the shell must do it.
///
/// The ordering duty is the `Ready` contract (DESIGN §3, PBFT-NOTES rules 8 and 9): a `.persist` is durable
/// (synced) before the shell asks for the next action, so every `.send` that follows it goes out only after
/// the votes it carries are on disk; `.execute` blocks come in height order, and the shell answers each
/// with `DriverEvent.executed` (or `.failed`) before asking for the next action; a `.propose` is answered
/// with `DriverEvent.proposal` before the next action.
public enum DriverAction: Sendable, Equatable {
    /// Append these safety records to the journal, synced.
    case persist([JournalRecord])
    /// Send a consensus message.
    case send(Outgoing)
    /// Something the replica observed, for logs and metrics.
    case report(ReplicaEvent)
    /// Execute and finalize this committed block, then report `DriverEvent.executed`.
    case execute(CommittedBlock)
    /// Ask a peer for committed blocks (state transfer, rule 18).
    case fetch(FetchRequest)
    /// Take pending transactions within these limits and report them with `DriverEvent.proposal`.
    case propose(ProposalLimits)
    /// The inclusion watch found `overdue` left out of blocks with room; the core has already asked the
    /// replica to suspect the primary of `view` (rule 13). The shell logs it.
    case suspectPrimary(overdue: InclusionWatch.Candidate, view: UInt64)
    /// Stop: the node cannot go on safely. The core does nothing more after it.
    case halt(HaltReason)
}

/// Why a node halts. Halting is the core's decision; the shell stops its loop and reports the reason.
public enum HaltReason: Hashable, Sendable, CustomStringConvertible {
    /// The consensus journal could not be written: voting on would break rules 8 and 9.
    case journalUnwritable(String)
    /// A committed block could not be executed or finalized.
    case executionFailed(height: UInt64, hash: Hash, reason: String)
    /// The chain's parameters could not be read after a block.
    case parametersUnreadable(String)
    /// This node's state root differs from a stable checkpoint's (rule 12).
    case stateDivergence(height: UInt64, local: Hash, stable: Hash)

    public var description: String {
        switch self {
        case .journalUnwritable(let reason): return "cannot persist the consensus journal: \(reason)"
        case .executionFailed(let height, let hash, let reason): return "block \(height) \(hash): \(reason)"
        case .parametersUnreadable(let reason): return "cannot read chain parameters: \(reason)"
        case .stateDivergence(let height, let local, let stable):
            return "state root at height \(height) is \(local), a quorum has \(stable)"
        }
    }
}

/// The limits one block must fit (`Genesis.ConsensusParameters`).
public struct BlockLimits: Hashable, Sendable {
    public var transactionsMax: Int
    public var bytesMax: Int
    public var fuelMax: UInt64

    public init(transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) {
        self.transactionsMax = transactionsMax
        self.bytesMax = bytesMax
        self.fuelMax = fuelMax
    }

    /// The block limits among the chain's consensus parameters.
    public init(_ parameters: Genesis.ConsensusParameters) {
        self.init(
            transactionsMax: Int(parameters.blockTransactionsMax), bytesMax: Int(parameters.blockBytesMax),
            fuelMax: parameters.blockFuelMax)
    }
}

/// The limits a primary's transactions must fit: the block limits less the bytes kept for the header and
/// the commit certificate (`ConsensusLimits.proposalBytesReserve`), so the whole block stays within
/// `blockBytesMax`.
public struct ProposalLimits: Hashable, Sendable {
    public var transactionsMax: Int
    public var bytesMax: Int
    public var fuelMax: UInt64

    public init(_ block: BlockLimits, bytesReserve: Int) {
        transactionsMax = block.transactionsMax
        bytesMax = block.bytesMax - bytesReserve
        fuelMax = block.fuelMax
    }
}
