import ChainTypes
import Ledger

/// The mempool's data without its lock or its ledger: per-sender queues, the hash index, totals, counters.
///
/// Each sender's queue knows the sender's next nonce as of the last finalized block the pool has seen
/// (`base`), a run of *ready* transactions with consecutive nonces from there (the only ones a proposal
/// takes), and *future* transactions beyond a gap, which wait until the gap fills or
/// `Limits.futureNonceTimeout` passes. No queue is ever empty: a sender with nothing pending has no entry.
/// `Mempool` calls these methods with its lock held; they do no IO, never call the ledger and never read
/// a clock (callers pass `now`).
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
        /// When this node admitted it: for noticing a primary that keeps leaving it out (`InclusionWatch`)
        /// and for evicting a future nonce whose gap never fills.
        let admittedAt: ContinuousClock.Instant
        /// The sender's department when admitted: blocks give departments turns (`batch`).
        let department: String

        var nonce: UInt64 { transaction.body.nonce }
    }

    /// One sender's pending transactions.
    struct SenderQueue: Sendable {
        /// The sender's next nonce as of the pool's last finalized block (or the admission that created the queue).
        var base: UInt64
        /// Consecutive nonces from `base`: what the next blocks can execute, in order.
        var ready: [Entry] = []
        /// Nonces past a gap after `ready`, ascending; never proposed until the gap fills.
        var future: [Entry] = []

        /// The nonce after the ready run: the one the sender's next transaction must carry to be ready.
        var readyEnd: UInt64 { base + UInt64(ready.count) }
        var count: Int { ready.count + future.count }
        var all: [Entry] { ready + future }

        /// Moves future entries that now follow the ready run into it.
        mutating func promote() {
            while let first = future.first, first.nonce == readyEnd {
                ready.append(first)
                future.removeFirst()
            }
        }

        /// A queue over `entries` (ascending, distinct nonces, none below `base`), split into ready and future.
        init(base: UInt64, entries: [Entry] = []) {
            self.base = base
            var next = base
            for entry in entries {
                if entry.nonce == next && future.isEmpty {
                    ready.append(entry)
                    next += 1
                } else {
                    future.append(entry)
                }
            }
        }

        /// The entries the ledger has not committed when the account's next nonce is `accountNonce`: nonces
        /// below it are used, and their entries only wait for `removeCommitted`.
        func uncommittedCount(accountNonce: UInt64) -> Int {
            guard accountNonce > base else { return count }
            let usedReady = accountNonce >= readyEnd ? ready.count : Int(accountNonce - base)
            let usedFuture = accountNonce > readyEnd ? future.count(where: { $0.nonce < accountNonce }) : 0
            return count - usedReady - usedFuture
        }

        func entry(nonce: UInt64) -> Entry? {
            if nonce >= base, nonce < readyEnd { return ready[Int(nonce - base)] }
            return future.first { $0.nonce == nonce }
        }
    }

    /// A transaction offered for admission, with its hash and size computed once outside the lock.
    struct Candidate: Sendable {
        let transaction: Transaction
        let hash: Hash
        let bytes: Int

        init(_ transaction: Transaction) {
            self.transaction = transaction
            self.hash = transaction.hash
            self.bytes = transaction.encodedByteCount
        }

        var sender: Address { transaction.body.sender }
        var nonce: UInt64 { transaction.body.nonce }
    }

    /// What the pool looked like for a sender when its transaction went to the ledger for checking.
    ///
    /// If the sender's queue or the finalized state may have changed by the time the check returns, the
    /// ledger's verdict was about another pool and the admission is checked again.
    struct Ticket: Sendable {
        let context: AdmissionContext
        /// The sender's pending count, ready and future: between generations a queue only grows.
        let pending: Int
        let generation: UInt64
    }

    /// The result of the checks made before the ledger's: a decision, or permission to ask the ledger.
    enum Preparation: Sendable {
        case decided(Result<Mempool.AddOutcome, TransactionRejection>)
        case checkWithLedger(Ticket)
    }

    let limits: Mempool.Limits
    private(set) var queues: [Address: SenderQueue] = [:]
    /// Where every pending transaction is: its sender and nonce. Keyed by `DigestKey`: every key is the hash of
    /// a body this node hashed (`Transaction.hash`); hashes from outside are only looked up.
    private var locations: [DigestKey: (sender: Address, nonce: UInt64)] = [:]
    private(set) var bytes = 0
    /// Future (not yet executable) transactions pending, over all senders.
    private(set) var futureCount = 0
    /// Bumped whenever entries leave (`removeCommitted`, `evictStaleFutures`) and whenever the finalized
    /// state the pool has seen moves: a verdict from an older generation was about another pool.
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

    /// Transactions a proposal may take now.
    var readyCount: Int { count - futureCount }

    func pendingCount(of sender: Address) -> Int { queues[sender]?.count ?? 0 }

    func contains(_ hash: Hash) -> Bool { locations[DigestKey(hash)] != nil }

    func entry(_ hash: Hash) -> Entry? {
        guard let location = locations[DigestKey(hash)], let entry = queues[location.sender]?.entry(nonce: location.nonce) else {
            return nil
        }
        assert(entry.hash == hash, "the location index matches the queues")
        return entry
    }

    /// The nonce `sender`'s next transaction needs when its account's next nonce is `accountNonce`: after
    /// its ready transactions here, which the account nonce may already count (the ledger runs ahead of the
    /// pool between `finalize` and `removeCommitted`).
    func nextNonce(of sender: Address, accountNonce: UInt64) -> UInt64 {
        guard let queue = queues[sender] else { return accountNonce }
        var next = max(accountNonce, queue.readyEnd)
        // Only while the ledger is ahead of the pool can a waiting transaction hold the nonce after the run.
        while queue.entry(nonce: next) != nil { next += 1 }
        return next
    }

    var currentMetrics: MempoolMetrics {
        var snapshot = metrics
        snapshot.transactions = count
        snapshot.futureTransactions = futureCount
        snapshot.bytes = bytes
        return snapshot
    }

    // MARK: Admission

    /// The checks that need no ledger: duplicate, size, and the pool-wide bounds (the per-sender bound needs
    /// the account's nonce, so `admit` checks it).
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
            return .decided(refuse(.tooLarge(bytes: candidate.bytes, limit: Limits.transactionBytesMax)))
        }
        if let bound = boundReached(by: candidate, future: false, senderPending: nil) { return .decided(refuse(bound)) }
        let queue = queues[candidate.sender]
        let context = AdmissionContext(
            pendingFromSender: UInt64(queue?.ready.count ?? 0), firstPendingNonce: queue?.ready.first?.nonce,
            futureNonceWindow: limits.futureNonceWindow)
        return .checkWithLedger(Ticket(context: context, pending: pendingCount(of: candidate.sender), generation: generation))
    }

    /// Whether nothing the ledger's verdict depended on has changed since `ticket` was taken.
    ///
    /// The sender's queue only grows between generations, so an unchanged length means unchanged contents.
    func isCurrent(_ ticket: Ticket, for candidate: Candidate) -> Bool {
        ticket.generation == generation && ticket.pending == pendingCount(of: candidate.sender)
    }

    /// Places an admitted transaction by the pool's own queue and the account nonce the ledger read.
    ///
    /// The ledger may be ahead of the pool (a block finalized, `removeCommitted` not yet run), never behind
    /// it (a verdict from an older generation is not used), so the sender's next nonce is the later of the
    /// ledger's and the end of the pool's ready run. That nonce joins the ready run; a later one within
    /// `futureNonceWindow` waits as a future nonce; an earlier one (used, or held by a ready transaction)
    /// is `nonceTooLow`, and one a waiting future transaction holds is `.nonceTaken`.
    mutating func admit(
        _ candidate: Candidate, verdict: Result<Admission, TransactionRejection>, origin: Mempool.Origin, now: ContinuousClock.Instant
    ) -> Result<Mempool.AddOutcome, TransactionRejection> {
        let admission: Admission
        switch verdict {
        case .failure(let rejection): return refuse(rejection)
        case .success(let value): admission = value
        }
        let nonce = candidate.nonce
        // Read without copying the queue: a copy would share its arrays, and the append below would then
        // copy the sender's whole queue on every admission (quadratic in a sender's pending count).
        let existing = queues[candidate.sender].map { (readyEnd: $0.readyEnd, taken: $0.entry(nonce: nonce) != nil) }
        let readyEnd = existing?.readyEnd ?? admission.accountNonce
        let expected = max(admission.accountNonce, readyEnd)
        // Used, or taken by a ready transaction: what the ledger answers too, given the pool's ready run.
        if nonce < expected { return refuse(.nonceTooLow(expected: expected, received: nonce)) }
        if existing?.taken ?? false { return refuse(.nonceTaken(sender: candidate.sender, nonce: nonce)) }
        if nonce > expected, nonce - expected > limits.futureNonceWindow {
            return refuse(.nonceGap(expected: expected, received: nonce))
        }
        let isFuture = nonce != readyEnd
        let senderPending = queues[candidate.sender]?.uncommittedCount(accountNonce: admission.accountNonce) ?? 0
        if let bound = boundReached(by: candidate, future: isFuture, senderPending: senderPending) { return refuse(bound) }
        let entry = Entry(
            transaction: candidate.transaction, hash: candidate.hash, bytes: candidate.bytes, arrival: nextArrival,
            isLocal: origin == .local, admittedAt: now, department: admission.department)
        nextArrival += 1
        // In place in the dictionary (its `default:` subscript modifies the stored queue without a copy).
        futureCount += Self.place(
            entry, isFuture: isFuture, in: &queues[candidate.sender, default: SenderQueue(base: admission.accountNonce)])
        locations[DigestKey(candidate.hash)] = (candidate.sender, nonce)
        bytes += candidate.bytes
        metrics.admitted += 1
        if origin == .local { appendGossip(candidate.hash) }
        return .success(.added)
    }

    /// Adds `entry` to `queue` as a future nonce or at the end of its ready run (promoting futures that now
    /// follow it); the change in the queue's future count.
    private static func place(_ entry: Entry, isFuture: Bool, in queue: inout SenderQueue) -> Int {
        if isFuture {
            let index = queue.future.firstIndex { $0.nonce > entry.nonce } ?? queue.future.count
            queue.future.insert(entry, at: index)
            return 1
        }
        queue.ready.append(entry)
        let before = queue.future.count
        queue.promote()
        return queue.future.count - before
    }

    /// The refusal for the first of the pool's bounds admitting `candidate` would break, or nil.
    ///
    /// The per-sender bound is checked only with `senderPending`, the sender's transactions the ledger has
    /// not yet committed, which only `admit` knows (from the account nonce the ledger read). Why: between a
    /// block's `finalize` and `removeCommitted` the pool still holds the block's transactions, and a client
    /// that read the new nonce and sent its next ones was refused `mempoolSenderFull` for transactions
    /// already committed; with blocks of a thousand, up to a quarter of a busy sender's batches were
    /// (issue 18). `prepare` refuses nothing by this bound: its count would include those transactions.
    private func boundReached(by candidate: Candidate, future: Bool, senderPending: Int?) -> TransactionRejection? {
        if let senderPending, senderPending >= limits.perSenderMax {
            return .mempoolSenderFull(sender: candidate.sender, limit: limits.perSenderMax)
        }
        if count >= limits.transactionsMax { return .mempoolFull(limit: limits.transactionsMax) }
        if candidate.bytes > limits.bytesMax - bytes {
            return .mempoolBytesFull(transactionBytes: candidate.bytes, pendingBytes: bytes, limit: limits.bytesMax)
        }
        if future, futureCount >= limits.futureTransactionsMax { return .mempoolFutureFull(limit: limits.futureTransactionsMax) }
        return nil
    }

    private mutating func refuse(_ rejection: TransactionRejection) -> Result<Mempool.AddOutcome, TransactionRejection> {
        metrics.rejected[rejection.code, default: 0] += 1
        return .failure(rejection)
    }

    // MARK: Proposals

    /// Ready transactions for the primary's next block: departments take turns, and within a department
    /// its senders, each in the order of its oldest ready transaction; each sender's in nonce order,
    /// within the block's bounds (issue 14, deliver 3: one department's many accounts, like one sender's
    /// many transactions, cannot crowd out the others).
    ///
    /// A sender whose next transaction does not fit the bytes or fuel left is done for this block (its
    /// later nonces cannot run before it), while smaller transactions of other senders may still fit.
    /// Future nonces are never taken: they cannot execute until the gap before them fills. The oldest
    /// ready transaction of the pool is always the first chosen (`InclusionWatch` relies on it).
    func batch(transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) -> [Transaction] {
        var departments = DepartmentTurns.rounds(of: queues.values.map(\.ready))
        var chosen: [Transaction] = []
        var bytesLeft = bytesMax
        var fuelLeft = fuelMax
        while !departments.isEmpty && chosen.count < transactionsMax {
            for index in departments.indices where chosen.count < transactionsMax {
                while let entry = departments[index].current {
                    let fuel = entry.transaction.body.fuelLimit
                    guard entry.bytes <= bytesLeft, fuel <= fuelLeft else {
                        departments[index].dropSender()
                        continue
                    }
                    chosen.append(entry.transaction)
                    bytesLeft -= entry.bytes
                    fuelLeft -= fuel
                    departments[index].advance()
                    break
                }
            }
            departments.removeAll(where: \.isEmpty)
        }
        return chosen
    }

    /// The ready transaction admitted first among those still pending, which is the first of its sender's
    /// ready run (a run is admitted in nonce order), so it can run in the next block.
    var oldest: Entry? {
        queues.values.compactMap(\.ready.first).min { $0.arrival < $1.arrival }
    }

    // MARK: Finalized blocks

    /// Drops what a finalized block made useless and returns why each dropped transaction left.
    ///
    /// `accountNonces` holds, for every sender in the block, its next nonce after the block: each of those
    /// senders' queues is rebased there, dropping the block's own transactions (`.included`) and others
    /// whose nonce is used (`.nonceUsed`). Then every transaction whose expiry is below `nextHeight` leaves
    /// (`.expired`), and future nonces that waited past the timeout leave (`.gapNotFilled`). What stays
    /// is split again into ready and future runs: a transaction behind a gap waits for it to fill.
    mutating func removeCommitted(
        included: [Hash], accountNonces: [Address: UInt64], nextHeight: UInt64, now: ContinuousClock.Instant
    ) -> [Hash: MempoolEviction] {
        generation += 1
        // Room for the block's own transactions, which usually all leave: grown from empty, the table was
        // rehashed a doubling at a time for every block (issue 18).
        var evicted: [Hash: MempoolEviction] = Dictionary(minimumCapacity: included.count)
        let includedSet = Set(included)
        for (sender, accountNonce) in accountNonces {
            // Taken out of the dictionary, the queue is the only reference to its arrays: they are filtered
            // in place instead of copied entry by entry (each entry holds a transaction's references).
            guard var queue = queues.removeValue(forKey: sender) else { continue }
            futureCount -= queue.future.count
            func leaves(_ entry: Entry) -> Bool {
                let reason: MempoolEviction
                if includedSet.contains(entry.hash) {
                    reason = .included
                } else if entry.nonce < accountNonce {
                    reason = .nonceUsed
                } else {
                    return false
                }
                drop(entry, reason, into: &evicted)
                return true
            }
            queue.ready.removeAll(where: leaves)
            queue.future.removeAll(where: leaves)
            if let first = queue.ready.first, let last = queue.ready.last,
                first.nonce != accountNonce || last.nonce &- first.nonce != UInt64(queue.ready.count &- 1)
            {
                // The ready run no longer starts at the account's nonce or has a hole (a transaction the block
                // included without using its nonce): split what is left again.
                queue = SenderQueue(base: accountNonce, entries: queue.ready + queue.future)
            } else {
                // Still consecutive from the account's nonce (or empty): future nonces that now follow join it.
                queue.base = accountNonce
                queue.promote()
            }
            guard queue.count > 0 else { continue }
            futureCount += queue.future.count
            queues[sender] = queue
        }
        let expired = { (entry: Entry) in entry.transaction.body.expiryHeight < nextHeight }
        for sender in Array(queues.keys) {
            // Every sender's queue is looked at after every block: look without copying it.
            guard let queue = queues[sender], queue.ready.contains(where: expired) || queue.future.contains(where: expired) else {
                continue
            }
            var kept: [Entry] = []
            for entry in queue.all {
                if entry.transaction.body.expiryHeight < nextHeight {
                    drop(entry, .expired, into: &evicted)
                } else {
                    kept.append(entry)
                }
            }
            replaceQueue(of: sender, base: queue.base, entries: kept)
        }
        evictStaleFutures(now: now, into: &evicted)
        compactGossip()
        return evicted
    }

    /// Evicts future nonces that have waited longer than `Limits.futureNonceTimeout` for their gap.
    mutating func evictStaleFutures(now: ContinuousClock.Instant) -> [Hash: MempoolEviction] {
        var evicted: [Hash: MempoolEviction] = [:]
        evictStaleFutures(now: now, into: &evicted)
        if !evicted.isEmpty {
            generation += 1
            compactGossip()
        }
        return evicted
    }

    private mutating func evictStaleFutures(now: ContinuousClock.Instant, into evicted: inout [Hash: MempoolEviction]) {
        guard futureCount > 0 else { return }
        let deadline = now - limits.futureNonceTimeout
        for sender in Array(queues.keys) {
            guard let queue = queues[sender], queue.future.contains(where: { $0.admittedAt <= deadline }) else { continue }
            var kept = queue.ready
            for entry in queue.future {
                if entry.admittedAt <= deadline {
                    drop(entry, .gapNotFilled, into: &evicted)
                } else {
                    kept.append(entry)
                }
            }
            replaceQueue(of: sender, base: queue.base, entries: kept)
        }
    }

    /// Rewrites a sender's queue from the entries that stay (ascending nonces, none below `base`).
    private mutating func replaceQueue(of sender: Address, base: UInt64, entries: [Entry]) {
        futureCount -= queues[sender]?.future.count ?? 0
        guard !entries.isEmpty else {
            queues[sender] = nil
            return
        }
        let queue = SenderQueue(base: base, entries: entries)
        futureCount += queue.future.count
        queues[sender] = queue
    }

    /// Removes `entry` from the index and totals; the caller rewrites the sender's queue.
    private mutating func drop(_ entry: Entry, _ reason: MempoolEviction, into evicted: inout [Hash: MempoolEviction]) {
        locations[DigestKey(entry.hash)] = nil
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
        gossipBacklog.removeAll { locations[DigestKey($0)] == nil }
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
    /// A peer may have refused a gossiped transaction whose predecessor from the same sender was further
    /// than its future-nonce window behind, or never got it; without a second copy a primary that missed it
    /// would never propose it. A peer's transaction pending past `NodeLimits.mempoolStaleRegossipMs` is sent
    /// on too, so a primary is never suspected of leaving out what it may not have (`InclusionWatch`), even
    /// when the node that first had it is gone. Admission order keeps each sender's nonces in order.
    mutating func takeRegossip(transactionsMax: Int, staleBefore: ContinuousClock.Instant) -> [Transaction] {
        let candidates = queues.values.flatMap { $0.all.filter { $0.isLocal || $0.admittedAt <= staleBefore } }
            .sorted { $0.arrival < $1.arrival }
        let due = candidates.filter { regossipSeen.contains($0.hash) || $0.admittedAt <= staleBefore }.prefix(transactionsMax)
        regossipSeen = Set(candidates.lazy.filter(\.isLocal).map(\.hash))
        return due.map(\.transaction)
    }
}

/// One department's senders taking turns in a block (`MempoolContents.batch`).
struct DepartmentTurns {
    /// Each sender's ready run, in the order of its oldest entry.
    private var senders: [[MempoolContents.Entry]]
    private var next: [Int]
    private var turn = 0

    /// The departments with a ready transaction, in the order of their oldest one.
    static func rounds(of readyRuns: [[MempoolContents.Entry]]) -> [DepartmentTurns] {
        let runs = readyRuns.filter { !$0.isEmpty }.sorted { $0[0].arrival < $1[0].arrival }
        var order: [String] = []
        var grouped: [String: [[MempoolContents.Entry]]] = [:]
        for run in runs {
            if grouped[run[0].department] == nil { order.append(run[0].department) }
            grouped[run[0].department, default: []].append(run)
        }
        return order.map { DepartmentTurns(senders: grouped[$0] ?? []) }
    }

    private init(senders: [[MempoolContents.Entry]]) {
        self.senders = senders
        self.next = Array(repeating: 0, count: senders.count)
    }

    var isEmpty: Bool { senders.isEmpty }

    /// The next transaction of the sender whose turn it is.
    var current: MempoolContents.Entry? { senders.isEmpty ? nil : senders[turn][next[turn]] }

    /// The current sender's transaction was taken: the next sender's turn.
    mutating func advance() {
        next[turn] += 1
        if next[turn] == senders[turn].count {
            dropSender()
        } else {
            turn = (turn + 1) % senders.count
        }
    }

    /// The current sender is done for this block.
    mutating func dropSender() {
        senders.remove(at: turn)
        next.remove(at: turn)
        if turn >= senders.count { turn = 0 }
    }
}
