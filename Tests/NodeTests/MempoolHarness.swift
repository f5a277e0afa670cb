import ChainTypes
import Keys
import Ledger
import LedgerFixtures
import Node
import Storage
import Synchronization

/// A fixture chain, an in-memory ledger on it, and a mempool admitting through that ledger.
///
/// Blocks are made and finalized with the fixture's validators, then handed to `removeCommitted`, as
/// the node's driver does after each finalized block.
struct MempoolHarness {
    let chain: FixtureChain
    let ledger: Ledger
    let mempool: Mempool

    init(
        limits: Mempool.Limits = Mempool.Limits(), clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) throws {
        chain = try FixtureChain()
        ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
        mempool = Mempool(limits: limits, application: ledger, clock: clock)
    }

    /// Twelve accounts that may send contract calls: each department's admin, issuer and submitter.
    var senders: [PrivateKey] {
        chain.departments.flatMap { [chain.admins[$0]!, chain.issuers[$0]!, chain.submitters[$0]!] }
    }

    /// A call to the licence registry with `inputBytes` of opaque input: well-formed for admission (the
    /// contract reverts it at execution, which still uses the nonce).
    func call(
        from key: PrivateKey, nonce: UInt64? = nil, inputBytes: Int = 8, inputByte: UInt8 = 7, fuelLimit: UInt64 = 1_000,
        expiryHeight: UInt64 = 1_000_000
    ) -> Transaction {
        let payload = CallPayload(contract: chain.licenceRegistry, input: [UInt8](repeating: inputByte, count: inputBytes))
        return chain.transaction(
            from: key, kind: .call, payload: payload.canonicalBytes, nonce: nonce, fuelLimit: fuelLimit, expiryHeight: expiryHeight)
    }

    /// `count` calls from `key` with consecutive nonces.
    func calls(from key: PrivateKey, count: Int, fuelLimit: UInt64 = 1_000) -> [Transaction] {
        (0..<count).map { _ in call(from: key, fuelLimit: fuelLimit) }
    }

    /// Finalizes a block holding `transactions` and tells the mempool; returns the evictions.
    @discardableResult
    func commit(_ transactions: [Transaction]) throws -> [Hash: MempoolEviction] {
        let executed = try chain.commit(transactions, on: ledger)
        return try mempool.removeCommitted(executed.block)
    }

    /// Adds every transaction from a client and returns the outcomes.
    @discardableResult
    func add(_ transactions: [Transaction], origin: Mempool.Origin = .local) -> [Result<Mempool.AddOutcome, TransactionRejection>] {
        transactions.map { mempool.add($0, origin: origin) }
    }
}

/// A clock that moves only when a test says, for ageing future nonces without waiting.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    var now: @Sendable () -> ContinuousClock.Instant { { [self] in instant.withLock { $0 } } }

    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

extension Result where Success == Mempool.AddOutcome, Failure == TransactionRejection {
    /// The rejection, or nil when the transaction was not refused.
    var rejection: TransactionRejection? {
        if case .failure(let rejection) = self { return rejection }
        return nil
    }
}
