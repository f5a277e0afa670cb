import ChainTypes
import Ledger

/// The mempool's data without its lock or its ledger: per-sender queues, the hash index, totals, counters.
///
/// Every sender's queue holds consecutive nonces in ascending order, the first being the next nonce the
/// ledger expects from that sender (or the one it expected when the transaction was admitted, until the
/// next `removeCommitted`). No queue is ever empty: a sender with nothing pending has no entry. `Mempool`
/// calls these methods with its lock held; they do no IO and never call the ledger.
struct MempoolContents: Sendable {
    /// One pending transaction and what the pool needs about it without re-encoding.
    struct Entry: Sendable {
        let transaction: Transaction
        let hash: Hash
        /// Length of the transaction's canonical encoding.
        let bytes: Int
        /// Admission order across the pool; senders take turns in the order of their oldest pending entry.
        let arrival: UInt64
        /// Submitted by a client of this node (the node gossips it, and gossips it again while it waits).
        let isLocal: Bool
        /// When this node admitted it, for noticing a primary that keeps leaving it out (`InclusionWatch`).
        let admittedAt: ContinuousClock.Instant

        var nonce: UInt64 { transaction.body.nonce }
    }

    /// A transaction offered for admission, with its hash and size computed once outside the lock.
    struct Candidate: Sendable {
        let transaction: Transaction
        let hash: Hash
        let bytes: Int

        init(_ transaction: Transaction) {
            self.transaction = transaction
            self.hash = transaction.hash
            self.bytes = transaction.canonicalBytes.count
        }

        var sender: Address { transaction.body.sender }
    }

    /// What the pool looked like for a sender when its transaction went to the ledger for checking.
    ///
    /// If the sender's queue or the finalized state may have changed by the time the check returns, the
    /// ledger's verdict was about another pool and the admission is checked again.
    struct Ticket: Sendable {
        let pending: Int
        /// The nonce of the sender's first pending transaction, if any: the ledger may already have counted
        /// some of them in the account's nonce (`AdmissionContext.firstPendingNonce`).
        let firstNonce: UInt64?
        let generation: UInt64
    }

    /// The result of the checks made before the ledger's: a decision, or permission to ask the ledger.
    enum Preparation: Sendable {
        case decided(Result<Mempool.AddOutcome, MempoolRejection>)
        case checkWithLedger(Ticket)
    }

    let limits: Mempool.Limits
    private(set) var queues: [Address: [Entry]] = [:]
    /// Where every pending transaction is: its sender's queue, at index `nonce − first nonce` (queues are consecutive).
    private var locations: [Hash: (sender: Address, nonce: UInt64)] = [:]
    private(set) var bytes = 0
    /// Bumped by every `removeCommitted`: the ledger's state moved and entries may have left.
    private(set) var generation: UInt64 = 0
    private var nextArrival: UInt64 = 0
    /// Hashes of locally submitted transactions not yet taken for gossip; at most `count` after compaction.
    private var gossipBacklog: [Hash] = []
    /// Local transactions pending at the last `takeRegossip`: those still pending at the next are due again.
    private var regossipSeen: Set<Hash> = []
    private(set) var metrics = MempoolMetrics()

    init(limits: Mempool.Limits) {
        self.limits = limits
    }

    var count: Int { locations.count }

    func pendingCount(of sender: Address) -> Int { queues[sender]?.count ?? 0 }

    func contains(_ hash: Hash) -> Bool { locations[hash] != nil }

    func entry(_ hash: Hash) -> Entry? {
        guard let location = locations[hash], let queue = queues[location.sender] else { return nil }
        let entry = queue[Int(location.nonce - queue[0].nonce)]
        assert(entry.hash == hash, "mempool queues hold consecutive nonces")
        return entry
    }

    var currentMetrics: MempoolMetrics {
        var snapshot = metrics
        snapshot.transactions = count
        snapshot.bytes = bytes
        return snapshot
    }

    // MARK: Admission

    /// The checks that need no ledger: duplicate, size, and the pool's bounds.
    ///
    /// A transaction a peer sends again is no fault of the peer (gossip echoes), so it is `.alreadyKnown`;
    /// a client sending a pending transaction again is told it is a duplicate.
    mutating func prepare(_ candidate: Candidate, origin: Mempool.Origin) -> Preparation {
        if contains(candidate.hash) {
            switch origin {
            case .peer:
                metrics.alreadyKnown += 1
                return .decided(.success(.alreadyKnown))
            case .local:
                return .decided(refuse(.duplicate(candidate.hash)))
            }
        }
        if candidate.bytes > Limits.transactionBytesMax {
            return .decided(refuse(.rejected(.tooLarge(bytes: candidate.bytes, limit: Limits.transactionBytesMax))))
        }
        if let bound = boundReached(by: candidate) { return .decided(refuse(.full(bound))) }
        return .checkWithLedger(
            Ticket(pending: pendingCount(of: candidate.sender), firstNonce: queues[candidate.sender]?.first?.nonce, generation: generation))
    }

    /// Whether nothing the ledger's verdict depended on has changed since `ticket` was taken.
    ///
    /// The sender's queue only grows between generations, so an unchanged length means unchanged contents.
    func isCurrent(_ ticket: Ticket, for candidate: Candidate) -> Bool {
        ticket.generation == generation && ticket.pending == pendingCount(of: candidate.sender)
    }

    /// Records the ledger's verdict and, when it admits, appends the transaction to its sender's queue.
    mutating func admit(
        _ candidate: Candidate, verdict: Result<Void, TransactionRejection>, origin: Mempool.Origin
    ) -> Result<Mempool.AddOutcome, MempoolRejection> {
        if case .failure(let rejection) = verdict { return refuse(.rejected(rejection)) }
        if let bound = boundReached(by: candidate) { return refuse(.full(bound)) }
        let nonce = candidate.transaction.body.nonce
        if let last = queues[candidate.sender]?.last {
            // The ledger may already be past a block whose entries `removeCommitted` has not yet dropped; the
            // queue, not the ledger's count, decides what follows.
            let expected = last.nonce &+ 1
            if nonce < expected { return refuse(.rejected(.nonceTooLow(expected: expected, received: nonce))) }
            if nonce > expected { return refuse(.rejected(.nonceGap(expected: expected, received: nonce))) }
        }
        let entry = Entry(
            transaction: candidate.transaction, hash: candidate.hash, bytes: candidate.bytes, arrival: nextArrival,
            isLocal: origin == .local, admittedAt: .now)
        nextArrival += 1
        queues[candidate.sender, default: []].append(entry)
        locations[candidate.hash] = (candidate.sender, nonce)
        bytes += candidate.bytes
        metrics.admitted += 1
        if origin == .local { appendGossip(candidate.hash) }
        return .success(.added)
    }

    private func boundReached(by candidate: Candidate) -> MempoolBound? {
        if pendingCount(of: candidate.sender) >= limits.perSenderMax { return .sender(candidate.sender, limit: limits.perSenderMax) }
        if count >= limits.transactionsMax { return .transactions(limit: limits.transactionsMax) }
        if candidate.bytes > limits.bytesMax - bytes {
            return .bytes(transactionBytes: candidate.bytes, pendingBytes: bytes, limit: limits.bytesMax)
        }
        return nil
    }

    private mutating func refuse(_ rejection: MempoolRejection) -> Result<Mempool.AddOutcome, MempoolRejection> {
        metrics.rejected[rejection.code, default: 0] += 1
        return .failure(rejection)
    }

    // MARK: Proposals

    /// Pending transactions for the primary's next block: each sender's in nonce order, senders taking
    /// turns in the order of their oldest pending transaction, within the block's bounds.
    ///
    /// A sender whose next transaction does not fit the bytes or fuel left is done for this block (its
    /// later nonces cannot run before it), while smaller transactions of other senders may still fit.
    func batch(transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) -> [Transaction] {
        let turns = queues.values.sorted { $0[0].arrival < $1[0].arrival }
        var next = [Int](repeating: 0, count: turns.count)
        var active = Array(turns.indices)
        var chosen: [Transaction] = []
        var bytesLeft = bytesMax
        var fuelLeft = fuelMax
        while !active.isEmpty && chosen.count < transactionsMax {
            var stillActive: [Int] = []
            for turn in active where chosen.count < transactionsMax {
                let entry = turns[turn][next[turn]]
                let fuel = entry.transaction.body.fuelLimit
                guard entry.bytes <= bytesLeft, fuel <= fuelLeft else { continue }
                chosen.append(entry.transaction)
                bytesLeft -= entry.bytes
                fuelLeft -= fuel
                next[turn] += 1
                if next[turn] < turns[turn].count { stillActive.append(turn) }
            }
            active = stillActive
        }
        return chosen
    }

    /// The transaction admitted first among those still pending, which is the first of its sender's queue
    /// (a queue is admitted in nonce order), so it can run in the next block.
    var oldest: Entry? {
        queues.values.min { $0[0].arrival < $1[0].arrival }?[0]
    }

    // MARK: Finalized blocks

    /// Drops what a finalized block made useless and returns why each dropped transaction left.
    ///
    /// `accountNonces` holds, for every sender in the block, its next nonce after the block. Each of those
    /// senders keeps only the run of consecutive nonces starting there. Then every transaction whose
    /// expiry is below `nextHeight` leaves with all later nonces of its sender, which could no longer run.
    mutating func removeCommitted(
        included: [Hash], accountNonces: [Address: UInt64], nextHeight: UInt64
    ) -> [Hash: MempoolEviction] {
        generation += 1
        var evicted: [Hash: MempoolEviction] = [:]
        let includedSet = Set(included)
        for (sender, accountNonce) in accountNonces {
            guard let queue = queues[sender] else { continue }
            var expected = accountNonce
            var kept: [Entry] = []
            for entry in queue {
                if includedSet.contains(entry.hash) {
                    drop(entry, .included, into: &evicted)
                } else if entry.nonce < accountNonce {
                    drop(entry, .nonceUsed, into: &evicted)
                } else if entry.nonce == expected {
                    kept.append(entry)
                    expected += 1
                } else {
                    drop(entry, .orphaned, into: &evicted)
                }
            }
            queues[sender] = kept.isEmpty ? nil : kept
        }
        for sender in Array(queues.keys) {
            guard let queue = queues[sender], let first = queue.firstIndex(where: { $0.transaction.body.expiryHeight < nextHeight })
            else { continue }
            for entry in queue[first...] {
                drop(entry, entry.transaction.body.expiryHeight < nextHeight ? .expired : .orphaned, into: &evicted)
            }
            queues[sender] = first == 0 ? nil : Array(queue[..<first])
        }
        compactGossip()
        return evicted
    }

    /// Removes `entry` from the index and totals; the caller rewrites the sender's queue.
    private mutating func drop(_ entry: Entry, _ reason: MempoolEviction, into evicted: inout [Hash: MempoolEviction]) {
        locations[entry.hash] = nil
        bytes -= entry.bytes
        metrics.evicted[reason, default: 0] += 1
        evicted[entry.hash] = reason
    }

    // MARK: Gossip

    private mutating func appendGossip(_ hash: Hash) {
        gossipBacklog.append(hash)
        if gossipBacklog.count > count { compactGossip() }
    }

    /// Forgets backlog hashes that left the pool, so the backlog never outgrows the pool.
    private mutating func compactGossip() {
        gossipBacklog.removeAll { locations[$0] == nil }
    }

    /// The pending transactions submitted locally since the last call, oldest first.
    mutating func takeGossip() -> [Transaction] {
        let transactions = gossipBacklog.compactMap { entry($0)?.transaction }
        gossipBacklog.removeAll()
        return transactions
    }

    /// Locally submitted transactions that were already pending at the previous call and still are, and any
    /// transaction admitted at or before `staleBefore`, oldest first, at most `transactionsMax`; the node sends them
    /// to its peers again.
    ///
    /// A peer refuses a gossiped transaction whose predecessor from the same sender has not reached it yet
    /// (the two came through different nodes) and never hears of it again; without a second copy a primary
    /// that missed it would never propose it. A peer's transaction pending past `NodeLimits.mempoolStaleRegossipMs` is sent
    /// on too, so a primary is never suspected of leaving out what it may not have (`InclusionWatch`), even
    /// when the node that first had it is gone. Admission order keeps each sender's nonces in order.
    mutating func takeRegossip(transactionsMax: Int, staleBefore: ContinuousClock.Instant) -> [Transaction] {
        let candidates = queues.values.flatMap { $0.filter { $0.isLocal || $0.admittedAt <= staleBefore } }
            .sorted { $0.arrival < $1.arrival }
        let due = candidates.filter { regossipSeen.contains($0.hash) || $0.admittedAt <= staleBefore }.prefix(transactionsMax)
        regossipSeen = Set(candidates.lazy.filter(\.isLocal).map(\.hash))
        return due.map(\.transaction)
    }
}
