import ChainTypes
import Ledger
import RPCServer

/// The node's answers to JSON-RPC: the `RPCBackend` over the ledger, the mempool and the running node.
///
/// Each call reads one `LedgerView`, so an answer never mixes two heights. Built from parts rather than
/// from a `NodeRuntime`, so tests run it over an in-memory ledger with a fixed `NodeRPCHost`.
struct NodeRPCBackend: RPCBackend {
    let ledger: Ledger
    let mempool: Mempool
    let interfaces: ContractInterfaces
    let host: any NodeRPCHost
    /// Shared by the copies of this backend: `headers(from:to:)` answers every `newHeads` subscription.
    let recentHeaders = RecentByHeight.headers()
    /// Shared by the copies of this backend: `queryEvents` without contracts answers `events` subscriptions.
    let recentReceipts = RecentByHeight.receipts()

    // MARK: Node

    func nodeStatus() async throws(RPCBackendError) -> NodeStatus {
        let status = host.driverStatus
        var result = NodeStatus(
            chainId: ledger.genesis.chainId, nodeId: host.nodeName, latestHeight: status.height, latestHash: status.hash,
            view: status.view, peersConnected: host.peers().count, syncing: status.syncing || status.halted != nil)
        result.role = host.role.description
        result.executableProtocolVersions = ledger.executableProtocolVersions
        result.peerProtocolVersions = host.peerProtocolVersions
        let view = try read()
        result.protocolVersion = try ledgerCall { () throws(LedgerError) in try view.parameters().protocolVersion }
        return result
    }

    func isReady() async -> Bool { host.isReady }

    func peers() async throws(RPCBackendError) -> [PeerInfo] { host.peers() }

    func health() async throws(RPCBackendError) -> NodeHealth {
        let status = host.driverStatus
        let view = try read()
        let quorum = try ledgerCall { () throws(LedgerError) in try Self.validatorSet(in: view, at: view.height + 1)?.quorum ?? 1 }
        return NodeHealth(
            ready: host.isReady, syncing: status.syncing, haltedReason: status.halted, peersConnected: host.peers().count,
            quorum: quorum, latestHeight: view.height, lastCommitAgeMs: status.lastCommitTime.map(PeerActivity.milliseconds(since:)),
            pendingTransactions: mempool.count)
    }

    func backup(to directory: String) async throws(RPCBackendError) -> NodeBackup {
        do {
            return try host.backup(to: directory)
        } catch {
            if case .failed = error { throw .internalFailure("\(error)") }
            throw .invalidArgument("\(error)")
        }
    }

    // MARK: Transactions

    func submitTransaction(_ transaction: Transaction) async throws(RPCBackendError) -> TransactionSubmission {
        let (submission, added) = admit(transaction)
        if added { host.transactionsAdmitted() }
        return submission
    }

    /// Recovers the batch's signatures on every core first (`Ledger.verifySignatures`), then admits the
    /// transactions in order exactly as `submitTransaction` does, and tells the driver and the gossip once,
    /// after the last: woken by the first, a primary would propose a block of the few admitted so far and
    /// pay a block's fixed costs (a journal sync, a synced finalization) for each handful of transactions.
    func submitTransactions(_ transactions: [Transaction]) async -> [Result<TransactionSubmission, RPCBackendError>] {
        // On the RPC work threads, whose priority is lowered, the recoveries stay on this thread: spread over
        // Dispatch's threads they would take the cores from the replica driver at full priority (issue 18).
        if transactions.count > 1, host.driverStatus.halted == nil {
            ledger.verifySignatures(transactions, concurrently: !RPCWorkExecutor.isCurrentThreadLowered)
        }
        var anyAdded = false
        let outcomes = transactions.map { transaction -> Result<TransactionSubmission, RPCBackendError> in
            let (submission, added) = admit(transaction)
            anyAdded = anyAdded || added
            return .success(submission)
        }
        if anyAdded { host.transactionsAdmitted() }
        return outcomes
    }

    /// Offers one transaction to the mempool; whether it was newly added (the driver and gossip are to hear of it).
    private func admit(_ transaction: Transaction) -> (TransactionSubmission, added: Bool) {
        if host.driverStatus.halted != nil { return (.rejected(.unavailable("the node has halted")), false) }
        switch mempool.add(transaction, origin: .local) {
        case .success(let outcome):
            return (.accepted, outcome == .added)
        case .failure(.duplicate):
            return (.accepted, false)  // idempotent: a client may resend after a lost response
        case .failure(let rejection):
            return (.rejected(rejection), false)
        }
    }

    func isPending(transaction hash: Hash) async throws(RPCBackendError) -> Bool { mempool.contains(hash) }

    func receipt(forTransaction hash: Hash) async throws(RPCBackendError) -> CommittedReceipt? {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            guard let (receipt, location) = try view.receipt(hash), let header = try header(at: location.height, in: view) else {
                return nil
            }
            return CommittedReceipt(receipt: receipt, height: location.height, index: location.index, blockHash: header.hash)
        }
    }

    func transaction(hash: Hash) async throws(RPCBackendError) -> CommittedTransaction? {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            guard let (transaction, location) = try view.transaction(hash), let header = try header(at: location.height, in: view) else {
                return nil
            }
            guard let receipt = try view.receipt(height: location.height, index: location.index) else {
                throw .corruption("transaction \(hash) has no receipt at \(location)")
            }
            return CommittedTransaction(
                transaction: transaction, height: location.height, index: location.index, blockHash: header.hash, status: receipt.status)
        }
    }

    func searchTransactions(_ filter: TransactionFilter, after cursor: TransactionCursor?, limit: Int) async throws(RPCBackendError)
        -> TransactionPage
    {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in
            try TransactionSearch(view: view, filter: filter, limit: Self.pageLimit(limit)).run(after: cursor)
        }
    }

    // MARK: Chain

    func latestHeight() async throws(RPCBackendError) -> UInt64 { try read().height }

    func block(atHeight height: UInt64) async throws(RPCBackendError) -> Block {
        let view = try read()
        try checkRetained(height, in: view)
        guard let block = try ledgerCall({ () throws(LedgerError) in try view.block(at: height) }) else {
            throw .unknownBlock(height: height, latestHeight: view.height)
        }
        return block
    }

    func block(hash: Hash) async throws(RPCBackendError) -> Block? {
        let view = try read()
        return try ledgerCall { () throws(LedgerError) in try view.block(hash: hash) }
    }

    func headers(from: UInt64, to: UInt64) async throws(RPCBackendError) -> [BlockHeader] {
        let view = try read()
        guard from >= 1, from <= view.height else { throw .unknownBlock(height: from, latestHeight: view.height) }
        try checkRetained(from, in: view)
        // The server checks `from <= to`; a range the other way round is empty here rather than a trapping `from...to`.
        guard from <= to else { return [] }
        return try ledgerCall { () throws(LedgerError) in
            var headers: [BlockHeader] = []
            for height in from...min(to, view.height) {
                guard let header = try header(at: height, in: view) else { throw .corruption("block \(height) is missing") }
                headers.append(header)
            }
            return headers
        }
    }

    func commitCertificate(atHeight height: UInt64) async throws(RPCBackendError) -> CommitCertificate {
        let view = try read()
        guard height >= 1, height <= view.height else { throw .unknownBlock(height: height, latestHeight: view.height) }
        try checkRetained(height, in: view)
        guard let certificate = try ledgerCall({ () throws(LedgerError) in try view.certificate(at: height) }) else {
            throw .internalFailure("the certificate of block \(height) is missing")
        }
        return certificate
    }

    func genesis() async throws(RPCBackendError) -> Genesis { ledger.genesis }

    // MARK: Helpers

    /// A page size within `1...RPCLimits.pageItemsMax`, whatever the caller passed: the server binds `limit` in
    /// that range, and the backend clamps again so no value reaches a `precondition` or `prefix` that traps.
    static func pageLimit(_ limit: Int) -> Int { min(max(limit, 1), RPCLimits.pageItemsMax + 1) }

    /// Throws `.pruned` for a height below the first this node holds: a node restored from a state snapshot
    /// has no blocks, receipts or tree versions below the snapshot's height (docs/adr/0017-state-sync.md).
    func checkRetained(_ height: UInt64, in view: LedgerView) throws(RPCBackendError) {
        let first = try ledgerCall { () throws(LedgerError) in try view.firstHeight() }
        guard height >= first || first <= 1 else { throw .pruned(height: height, lowestRetainedHeight: first) }
    }

    /// The header at `height` of `view`'s chain, from `recentHeaders` or else decoded alone and kept there.
    func header(at height: UInt64, in view: LedgerView) throws(LedgerError) -> BlockHeader? {
        guard height <= view.height else { return nil }
        return try recentHeaders.value(at: height) { () throws(LedgerError) in try view.header(at: height) }
    }

    /// A view of the latest finalized state.
    func read() throws(RPCBackendError) -> LedgerView {
        try ledgerCall { () throws(LedgerError) in try ledger.view() }
    }

    /// Runs ledger reads; a read of pruned state is `.pruned` (−32003), any other ledger failure an internal
    /// failure (logged by the server, not sent).
    func ledgerCall<Value>(_ body: () throws(LedgerError) -> Value) throws(RPCBackendError) -> Value {
        do {
            return try body()
        } catch {
            if case .statePruned(let height, let oldestHeight) = error { throw .pruned(height: height, lowestRetainedHeight: oldestHeight) }
            throw .internalFailure(error.description)
        }
    }

    /// The validator set deciding `height`, including sets announced for the next two heights.
    static func validatorSet(in view: LedgerView, at height: UInt64) throws(LedgerError) -> ValidatorSet? {
        try epoch(in: view, at: height)?.validators
    }

    /// The epoch deciding `height` (PBFT-NOTES rule 20: sets are announced two heights ahead).
    static func epoch(in view: LedgerView, at height: UInt64) throws(LedgerError) -> ValidatorEpochs.Epoch? {
        let epochs = try view.epochs().epochs + view.announcedValidatorSets()
        return epochs.last { $0.firstHeight <= height }
    }
}
