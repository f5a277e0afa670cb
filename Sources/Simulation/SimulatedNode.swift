import ChainTypes
import Consensus

/// How a faulty validator misbehaves (DESIGN §8.2). One validator at most is faulty per run.
public enum ByzantineMode: String, CaseIterable, Sendable {
    case none
    /// Two nodes share one validator key (Diem's twins): equivocation without a Byzantine code path.
    case twins
    /// As primary, proposes two different blocks for one height to two halves of the cluster.
    case equivocate
    /// Sends nothing at all.
    case silent
    /// Keeps sending VIEW-CHANGEs for views a million above its own (FISCO BCOS #2211).
    case hugeView = "huge-view"
    /// Re-sends old messages it received, at random.
    case replay
    /// Sends copies of its messages with forged signers and signatures.
    case badSignatures = "bad-signatures"
    /// Mutates what it sends, one field at a time, re-signed with its own key (`MessageFuzzer`), and adds
    /// unsolicited state-transfer replies, replays and floods of future-view votes.
    case fuzz
    /// As primary, proposes blocks that leave out every censored transaction (`Cluster.isCensored`) while
    /// committing the rest, so only the inclusion watch (`DriverCore`) can replace it (rule 13).
    case censor
}

/// One simulated process: a replica with its driver core, durable disk (journal and block store),
/// application and mempool. `Cluster.process(node:)` is its shell: it performs the core's actions in the
/// `Ready` contract's order (persist, then send, then execute), as the node's `ReplicaDriver` does.
struct SimulatedNode {
    let id: Int
    /// The validator index this node signs as (twins share one).
    let index: Int
    let behaviour: ByzantineMode
    /// The replica and the driver's decisions about it (the same `DriverCore` the node runs).
    var core: DriverCore
    var replica: Replica { core.replica }
    var isUp = true
    var clockSkewMs: UInt64

    // Durable state: survives crashes (a wipe clears it).
    var journal: [JournalRecord] = []
    /// Journal length when the current tick began: records after it may be unsynced when a crash hits.
    var journalSyncedCount = 0
    var chain: [CommittedBlock] = []

    // Volatile state.
    var application = CounterApplication()
    /// Pending transactions in arrival order, with the cluster time each arrived (for `InclusionWatch`).
    var mempool: [(transaction: Transaction, arrivedAtMs: UInt64)] = []
    var included: Set<Hash> = []
    var recorded: [Message] = []
    /// How often each peer (by node id) may have a state-transfer request answered, as on a node.
    var fetchRate = FetchRate<Int>()
    /// The highest height this node's replica committed since it last lost its disk (the prefix checker).
    var committedFloor: UInt64 = 0

    static let mempoolTransactionsMax = 64
    static let blockTransactionsMax = 8
    static let recordedMessagesMax = 256

    var isHonest: Bool { behaviour == .none }

    init(id: Int, index: Int, behaviour: ByzantineMode, core: DriverCore, clockSkewMs: UInt64) {
        self.id = id
        self.index = index
        self.behaviour = behaviour
        self.core = core
        self.clockSkewMs = clockSkewMs
    }

    mutating func offer(_ transaction: Transaction, atMs nowMs: UInt64) {
        guard isUp, !included.contains(transaction.hash), mempool.count < Self.mempoolTransactionsMax else { return }
        mempool.append((transaction, nowMs))
    }

    /// The pending transaction held longest, as the inclusion watch needs it.
    func oldestPending(atMs nowMs: UInt64) -> InclusionWatch.Candidate? {
        mempool.first.map { entry in
            InclusionWatch.Candidate(
                hash: entry.transaction.hash, bytes: entry.transaction.encodedByteCount, fuelLimit: entry.transaction.body.fuelLimit,
                age: .milliseconds(Int64(clamping: nowMs - min(nowMs, entry.arrivedAtMs))))
        }
    }

    /// The chain position a restarted replica resumes from, read back from the durable block store.
    func chainPosition(genesisTimeMs: UInt64) -> ChainPosition {
        guard let last = chain.last else { return .genesis(timestampMs: genesisTimeMs, stateRoot: CounterApplication.genesisRoot) }
        return ChainPosition(
            committedHeight: last.block.height, committedHash: last.block.hash, committedTimestampMs: last.block.header.timestampMs,
            lastCertificate: last.certificate, stateRoot: application.stateRoot, receiptsRoot: application.receiptsRoot)
    }

    /// Rebuilds the volatile state from disk after a restart: re-executes the stored chain.
    mutating func reloadApplication() {
        application = CounterApplication()
        included = []
        for committed in chain {
            application.execute(committed.block)
            for transaction in committed.block.transactions { included.insert(transaction.hash) }
        }
        mempool = []
    }
}
