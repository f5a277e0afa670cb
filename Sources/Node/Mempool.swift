import ChainTypes
import Ledger
import Synchronization

/// The node's pool of admitted transactions waiting for a block (DESIGN §2 `Node`, §5 admission).
///
/// RPC threads add clients' transactions, the peer network adds gossiped ones, and the replica driver
/// takes a batch when its replica is primary and calls `removeCommitted` after each finalized block; all
/// of them share one instance, so every method is synchronous and thread-safe.
///
/// Each sender has a run of *ready* transactions, consecutive from its account's next nonce, which
/// proposals take in order, and *future* nonces up to `Limits.futureNonceWindow` past the end of that
/// run, which wait for the gap to fill (an earlier nonce still in flight through gossip or another node)
/// and are evicted as `.gapNotFilled` after `Limits.futureNonceTimeout` (ADR 0005).
///
/// Admission asks the ledger (`Application.check`: signature, permissions, the account's nonce) outside
/// the pool's lock, then places the transaction under the lock against the account nonce the ledger read
/// and the pool's own queue. A verdict is used only if no block was applied to the pool and the sender's
/// queue did not change during the check (`MempoolContents.isCurrent`); otherwise the check is repeated
/// with the lock held, which cannot race. The ledger may be ahead of the pool (between `finalize` and
/// `removeCommitted`), never behind it.
///
/// A transaction, once admitted, leaves only through `removeCommitted` or `evictStaleFutures`, each of
/// which returns and counts (`MempoolMetrics.evicted`) why every transaction left: included, nonce used,
/// expired, or gap not filled. A full pool refuses newcomers with `.full` and never evicts to make room.
///
/// Pending transactions are not re-checked after a block: a sender suspended or stripped of a role keeps
/// its pending transactions until a block includes them (execution rejects them deterministically, and
/// `removeCommitted` then drops them) or they expire.
public final class Mempool: Sendable {
    /// Where a transaction came from; decides how a repeat is reported and whether it is gossiped.
    public enum Origin: Hashable, Sendable {
        /// Submitted by a client through this node's RPC.
        case local
        /// Gossiped by a peer.
        case peer
    }

    /// What `add` did with a transaction it did not refuse.
    public enum AddOutcome: Hashable, Sendable {
        /// Newly admitted; the node tells its peers about it.
        case added
        /// A peer sent a transaction that was already pending; nothing changed and nothing is gossiped.
        case alreadyKnown
    }

    public let limits: Limits
    private let application: any Application
    private let contents: Mutex<MempoolContents>
    /// The time admissions are stamped with and future nonces age by; injected so tests need no waiting.
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// An empty pool that admits transactions the `application` accepts, within `limits`.
    public init(
        limits: Limits = Limits(), application: any Application, clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.limits = limits
        self.application = application
        self.contents = Mutex(MempoolContents(limits: limits))
        self.clock = clock
    }

    // MARK: Admission

    /// Admits `transaction` if it is new, the ledger accepts it, its nonce is its sender's next or within
    /// the future-nonce window after it, and it fits.
    ///
    /// A client (`.local`) sending a pending transaction again gets `.duplicate`; a peer doing so gets
    /// `.alreadyKnown`, since gossip echoes are expected. Only `.added` transactions of local origin are
    /// queued for gossip: validators and registered nodes dial each other directly (DESIGN §5), so one hop
    /// from the node a client chose reaches every peer, and relaying peers' transactions would multiply
    /// traffic by the number of nodes without reaching anyone new.
    public func add(_ transaction: Transaction, origin: Origin) -> Result<AddOutcome, TransactionRejection> {
        let candidate = MempoolContents.Candidate(transaction)
        let ticket: MempoolContents.Ticket
        switch contents.withLock({ $0.prepare(candidate, origin: origin) }) {
        case .decided(let result): return result
        case .checkWithLedger(let prepared): ticket = prepared
        }
        let verdict = application.check(candidate.transaction, context: ticket.context)
        let admitted = contents.withLock { contents -> Result<AddOutcome, TransactionRejection>? in
            guard contents.isCurrent(ticket, for: candidate) else { return nil }
            return contents.admit(candidate, verdict: verdict, origin: origin, now: clock())
        }
        if let admitted { return admitted }
        // The sender's queue or the finalized state moved during the check: check again under the lock.
        return contents.withLock { contents in
            switch contents.prepare(candidate, origin: origin) {
            case .decided(let result): return result
            case .checkWithLedger(let ticket):
                let verdict = application.check(candidate.transaction, context: ticket.context)
                return contents.admit(candidate, verdict: verdict, origin: origin, now: clock())
            }
        }
    }

    // MARK: Proposals and finalized blocks

    /// Ready transactions for the next block, within its bounds: each sender's in nonce order, senders
    /// taking turns (one transaction each per round) in the order of their oldest pending transaction.
    ///
    /// `bytesMax` bounds the sum of the transactions' canonical sizes and `fuelMax` the sum of their fuel
    /// limits, so no transaction of the batch can fail for lack of block fuel. Nothing leaves the pool:
    /// transactions leave when the block is finalized (`removeCommitted`), so a failed proposal loses none.
    public func batch(transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) -> [Transaction] {
        precondition(transactionsMax >= 0 && bytesMax >= 0, "batch bounds must not be negative")
        return contents.withLock { $0.batch(transactionsMax: transactionsMax, bytesMax: bytesMax, fuelMax: fuelMax) }
    }

    /// Drops what the finalized `block` made useless and returns why each dropped transaction left.
    ///
    /// Call it after `Application.finalize` of each block, in height order. For every sender in the block it
    /// reads the account's next nonce from the ledger and rebases that sender's queue there: the block's own
    /// transactions leave as `.included`, others with a used nonce as `.nonceUsed`. Then every transaction
    /// whose expiry height is below the next height leaves as `.expired`, and future nonces past their
    /// timeout as `.gapNotFilled`; a sender's transactions behind a new gap wait as future nonces.
    /// A ledger that cannot be read leaves the pool unchanged.
    @discardableResult
    public func removeCommitted(_ block: Block) throws(LedgerError) -> [Hash: MempoolEviction] {
        let view = try application.view()
        precondition(view.height >= block.height, "removeCommitted runs after the block is finalized")
        var accountNonces: [Address: UInt64] = [:]
        for transaction in block.transactions where accountNonces[transaction.body.sender] == nil {
            // An unknown account has nonce 0, as in `Ledger.check`.
            accountNonces[transaction.body.sender] = try view.account(transaction.body.sender)?.nonce ?? 0
        }
        let included = block.transactions.map(\.hash)
        let now = clock()
        return contents.withLock {
            $0.removeCommitted(included: included, accountNonces: accountNonces, nextHeight: view.height + 1, now: now)
        }
    }

    /// Evicts future nonces that waited past `Limits.futureNonceTimeout` for their gap (`.gapNotFilled`).
    ///
    /// `removeCommitted` does it after every block; the node also calls this on its re-gossip timer, so
    /// they leave on an idle chain too.
    @discardableResult
    public func evictStaleFutures() -> [Hash: MempoolEviction] {
        let now = clock()
        return contents.withLock { $0.evictStaleFutures(now: now) }
    }

    /// The ready transaction admitted longest ago, its size, and when it was admitted; nil when none is ready.
    ///
    /// It is always the next of its sender's nonces, so an honest primary with room in a block includes it
    /// (batches give senders turns in the order of their oldest transaction).
    public func oldestPending() -> (transaction: Transaction, hash: Hash, bytes: Int, admittedAt: ContinuousClock.Instant)? {
        contents.withLock { contents in contents.oldest.map { ($0.transaction, $0.hash, $0.bytes, $0.admittedAt) } }
    }

    // MARK: Gossip

    /// Takes the transactions clients submitted since the last call and still pending, oldest first.
    ///
    /// The node packs them with `MempoolGossip` and sends them to its peers; each is handed out once.
    public func takeGossip() -> [Transaction] {
        contents.withLock { $0.takeGossip() }
    }

    /// Takes the locally submitted transactions still pending since the previous call, and every transaction
    /// pending longer than `stale`, oldest first, to send to peers again: a peer may have refused the first
    /// copy because it arrived before the sender's previous nonce did, or never got it. The node calls this
    /// every `NodeLimits.mempoolRegossipIntervalMs`.
    public func takeRegossip(
        transactionsMax: Int = NodeLimits.mempoolRegossipTransactionsMax, stale: Duration = .milliseconds(NodeLimits.mempoolStaleRegossipMs)
    ) -> [Transaction] {
        let staleBefore = clock() - stale
        return contents.withLock { $0.takeRegossip(transactionsMax: transactionsMax, staleBefore: staleBefore) }
    }

    // MARK: Reading

    /// Pending transactions, ready and future.
    public var count: Int { contents.withLock { $0.count } }

    /// Pending transactions a proposal may take now (not waiting for an earlier nonce).
    public var readyCount: Int { contents.withLock { $0.readyCount } }

    /// Canonical bytes of the pending transactions.
    public var bytes: Int { contents.withLock { $0.bytes } }

    /// Whether the transaction with `hash` is pending.
    public func contains(_ hash: Hash) -> Bool { contents.withLock { $0.contains(hash) } }

    /// The pending transaction with `hash`, if any (RPC shows pending transactions before they are included).
    public func transaction(_ hash: Hash) -> Transaction? { contents.withLock { $0.entry(hash)?.transaction } }

    /// The pending transactions of `sender`, ready and future, in nonce order.
    public func transactions(from sender: Address) -> [Transaction] {
        contents.withLock { $0.queues[sender]?.all.map(\.transaction) ?? [] }
    }

    /// How many transactions of `sender` are pending, ready and future.
    public func pending(for sender: Address) -> UInt64 { UInt64(contents.withLock { $0.pendingCount(of: sender) }) }

    /// The nonce `sender`'s next transaction needs, counting its ready transactions here, when its account's
    /// next nonce in the latest finalized state is `accountNonce` (RPC `membership_getAccount`'s `pendingNonce`).
    ///
    /// Future nonces do not count: the gap before them is what the sender must send next.
    public func nextNonce(for sender: Address, accountNonce: UInt64) -> UInt64 {
        contents.withLock { $0.nextNonce(of: sender, accountNonce: accountNonce) }
    }

    /// Counters and totals, consistent with each other.
    public var metrics: MempoolMetrics { contents.withLock { $0.currentMetrics } }
}
