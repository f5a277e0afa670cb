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
}

/// One simulated process: a replica with its driver, durable disk (journal and block store), application
/// and mempool. The driver honours the `Ready` contract: persist, then send, then execute.
struct SimulatedNode {
    let id: Int
    /// The validator index this node signs as (twins share one).
    let index: Int
    let behaviour: ByzantineMode
    var replica: Replica
    var isUp = true
    var clockSkewMs: UInt64

    // Durable state: survives crashes (a wipe clears it).
    var journal: [JournalRecord] = []
    /// Journal length when the current tick began: records after it may be unsynced when a crash hits.
    var journalSyncedCount = 0
    var chain: [CommittedBlock] = []

    // Volatile state.
    var application = CounterApplication()
    var mempool: [Transaction] = []
    var included: Set<Hash> = []
    var recorded: [Message] = []
    /// The highest height this node's replica committed since it last lost its disk (the prefix checker).
    var committedFloor: UInt64 = 0

    static let mempoolTransactionsMax = 64
    static let blockTransactionsMax = 8
    static let recordedMessagesMax = 256

    var isHonest: Bool { behaviour == .none }

    init(id: Int, index: Int, behaviour: ByzantineMode, replica: Replica, clockSkewMs: UInt64) {
        self.id = id
        self.index = index
        self.behaviour = behaviour
        self.replica = replica
        self.clockSkewMs = clockSkewMs
    }

    mutating func offer(_ transaction: Transaction) {
        guard isUp, !included.contains(transaction.hash), mempool.count < Self.mempoolTransactionsMax else { return }
        mempool.append(transaction)
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
