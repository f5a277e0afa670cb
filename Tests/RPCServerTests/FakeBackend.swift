import ChainTypes
import RPCServer

/// An in-memory backend with fixed chain data, for driving the engine and the server in tests.
///
/// It holds blocks 1...3 (block 1 pruned when `lowestRetainedHeight` is 2), their six transactions with
/// receipts, a handful of events, one storage value, one licence, and answers submissions with
/// `submissionOutcome`; everything it was sent is recorded for assertions. Its searches are naive (no
/// scan budget): the node's budgeted searches are tested in `NodeTests` over a real ledger.
actor FakeBackend: RPCBackend {
    var status = Fixtures.status
    var ready = true
    var blocks: [UInt64: Block] = [1: Fixtures.block(height: 1), 2: Fixtures.block(height: 2), 3: Fixtures.block(height: 3)]
    var lowestRetainedHeight: UInt64 = 1
    var receipts: [Hash: CommittedReceipt] = [Fixtures.receipt.receipt.transactionHash: Fixtures.receipt]
    var submissionOutcome = TransactionSubmission.accepted
    /// When set, a submitted transaction's receipt appears after this many `receipt` calls (0: at once).
    var commitAfterPolls: Int?
    /// When set, a submission finds its transaction committed by a block that ended meanwhile: the receipt
    /// appears and the submission is refused as `nonceTooLow`.
    var commitsDuringSubmission = false
    private var pendingCommit: (hash: Hash, polls: Int)?
    /// When set, every call fails with `.internalFailure` carrying this detail.
    var failure: String?
    private(set) var submitted: [Transaction] = []
    /// The transactions of each `submitTransactions` call (a run of `tx_send` calls admitted together).
    private(set) var submissionBatches: [[Transaction]] = []
    private(set) var receiptPolls = 0
    /// Events of the chain, in position order; tests append more with new blocks.
    private(set) var events = Fixtures.events
    /// Submitted transactions not yet committed (`isPending`).
    private(set) var pending: Set<Hash> = []

    func setReady(_ value: Bool) { ready = value }
    func setFailure(_ detail: String?) { failure = detail }
    func setSubmissionOutcome(_ outcome: TransactionSubmission) { submissionOutcome = outcome }
    func setLowestRetainedHeight(_ height: UInt64) { lowestRetainedHeight = height }
    func setStatus(_ value: NodeStatus) { status = value }
    func setCommitAfterPolls(_ polls: Int?) { commitAfterPolls = polls }
    func setCommitsDuringSubmission(_ value: Bool) { commitsDuringSubmission = value }

    // MARK: Growing the chain (WebSocket tests)

    /// Appends `count` empty blocks; returns the new latest height. The caller announces it on a `ChainHead`.
    @discardableResult
    func appendBlocks(_ count: Int) -> UInt64 {
        for _ in 0..<count {
            let height = latest + 1
            blocks[height] = Fixtures.chainBlock(height: height)
        }
        return latest
    }

    /// Appends a block whose one transaction emitted an event of each topic, from `contract`, each with
    /// `dataBytes` of data; returns its height.
    @discardableResult
    func appendBlock(events topics: [String], contract: Address = Fixtures.contract, dataBytes: Int = 1) -> UInt64 {
        let height = latest + 1
        let transaction = Fixtures.transaction(nonce: 1_000_000 + height)
        blocks[height] = Fixtures.chainBlock(height: height, transactions: [transaction])
        for (index, topic) in topics.enumerated() {
            events.append(
                EventRecord(
                    event: Event(
                        contract: contract, topic: topic, data: [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: dataBytes)),
                    position: EventCursor(height: height, transactionIndex: 0, eventIndex: UInt16(index)),
                    transactionHash: transaction.hash,
                    decoded: nil))
        }
        return height
    }

    /// Commits a submitted transaction in a new block with a receipt; returns the block's height.
    @discardableResult
    func commit(_ transaction: Transaction) -> UInt64 {
        let height = latest + 1
        let block = Fixtures.chainBlock(height: height, transactions: [transaction])
        blocks[height] = block
        pending.remove(transaction.hash)
        receipts[transaction.hash] = CommittedReceipt(
            receipt: Receipt(
                transactionHash: transaction.hash, status: .success, fuelUsed: 777, errorMessage: "", events: [], returnData: []),
            height: height, index: 0, blockHash: block.hash)
        return height
    }

    private func checkFailure() throws(RPCBackendError) {
        if let failure { throw .internalFailure(failure) }
    }

    private var latest: UInt64 { blocks.keys.max() ?? 0 }

    private func checkHeight(_ height: UInt64) throws(RPCBackendError) {
        guard height <= latest else { throw .unknownBlock(height: height, latestHeight: latest) }
        guard height >= lowestRetainedHeight else { throw .pruned(height: height, lowestRetainedHeight: lowestRetainedHeight) }
    }

    // MARK: Node

    func nodeStatus() async throws(RPCBackendError) -> NodeStatus {
        try checkFailure()
        return status
    }

    func isReady() async -> Bool { ready }

    func peers() async throws(RPCBackendError) -> [PeerInfo] {
        try checkFailure()
        return Fixtures.peers
    }

    func health() async throws(RPCBackendError) -> NodeHealth {
        try checkFailure()
        return NodeHealth(
            ready: ready, syncing: false, haltedReason: nil, peersConnected: Fixtures.peers.count, quorum: 3, latestHeight: latest,
            lastCommitAgeMs: 850, pendingTransactions: submitted.count)
    }

    // MARK: Transactions

    func submitTransaction(_ transaction: Transaction) async throws(RPCBackendError) -> TransactionSubmission {
        try checkFailure()
        submitted.append(transaction)
        if commitsDuringSubmission {
            receipts[transaction.hash] = Fixtures.committedReceipt(for: transaction.hash)
            return .rejected(.nonceTooLow(expected: transaction.body.nonce + 1, received: transaction.body.nonce))
        }
        if submissionOutcome == .accepted, receipts[transaction.hash] == nil { pending.insert(transaction.hash) }
        if submissionOutcome == .accepted, let commitAfterPolls { pendingCommit = (transaction.hash, commitAfterPolls) }
        return submissionOutcome
    }

    func submitTransactions(_ transactions: [Transaction]) async -> [Result<TransactionSubmission, RPCBackendError>] {
        submissionBatches.append(transactions)
        return await submitOneByOne(transactions)
    }

    func receipt(forTransaction hash: Hash) async throws(RPCBackendError) -> CommittedReceipt? {
        try checkFailure()
        receiptPolls += 1
        if let pending = pendingCommit, pending.hash == hash {
            if pending.polls == 0 {
                pendingCommit = nil
                self.pending.remove(hash)
                receipts[hash] = Fixtures.committedReceipt(for: hash)
            } else {
                pendingCommit = (hash, pending.polls - 1)
            }
        }
        return receipts[hash]
    }

    func transaction(hash: Hash) async throws(RPCBackendError) -> CommittedTransaction? {
        try checkFailure()
        return committedTransactions.first { $0.transaction.hash == hash }
    }

    func isPending(transaction hash: Hash) async throws(RPCBackendError) -> Bool {
        try checkFailure()
        return pending.contains(hash)
    }

    /// Every transaction of the fake's blocks, in chain order; the second one of block 2 reverted.
    var committedTransactions: [CommittedTransaction] {
        blocks.keys.sorted().flatMap { height in
            let block = blocks[height]!
            return block.transactions.enumerated().map { offset, transaction in
                CommittedTransaction(
                    transaction: transaction, height: height, index: UInt32(offset), blockHash: block.hash,
                    status: height == 2 && offset == 1 ? .reverted : .success)
            }
        }
    }

    func searchTransactions(_ filter: TransactionFilter, after cursor: TransactionCursor?, limit: Int) async throws(RPCBackendError)
        -> TransactionPage
    {
        try checkFailure()
        let matching = committedTransactions.filter { committed in
            let position = TransactionCursor(height: committed.height, index: committed.index)
            return (cursor.map { position > $0 } ?? true)
                && filter.matches(committed.transaction, height: committed.height, status: committed.status)
        }
        let page = Array(matching.prefix(limit))
        let next = matching.count > limit ? page.last.map { TransactionCursor(height: $0.height, index: $0.index) } : nil
        return TransactionPage(transactions: page, nextCursor: next)
    }

    // MARK: Chain

    func latestHeight() async throws(RPCBackendError) -> UInt64 {
        try checkFailure()
        return latest
    }

    func block(atHeight height: UInt64) async throws(RPCBackendError) -> Block {
        try checkFailure()
        try checkHeight(height)
        guard let block = blocks[height] else { throw .pruned(height: height, lowestRetainedHeight: lowestRetainedHeight) }
        return block
    }

    func block(hash: Hash) async throws(RPCBackendError) -> Block? {
        try checkFailure()
        return blocks.values.first { $0.hash == hash }
    }

    func headers(from: UInt64, to: UInt64) async throws(RPCBackendError) -> [BlockHeader] {
        try checkFailure()
        try checkHeight(from)
        return (from...min(to, latest)).compactMap { blocks[$0]?.header }
    }

    func commitCertificate(atHeight height: UInt64) async throws(RPCBackendError) -> CommitCertificate {
        try checkFailure()
        guard height >= 1 else { throw .unknownBlock(height: height, latestHeight: latest) }
        try checkHeight(height)
        return Fixtures.certificate(for: blocks[height]!)
    }

    func genesis() async throws(RPCBackendError) -> Genesis {
        try checkFailure()
        return Fixtures.genesis
    }

    // MARK: Events and state

    func queryEvents(_ filter: EventFilter, after cursor: EventCursor?, limit: Int) async throws(RPCBackendError) -> EventPage {
        try checkFailure()
        let matching = events.filter { record in
            (cursor.map { record.position > $0 } ?? true) && filter.matches(record.event, height: record.position.height)
        }
        let page = Array(matching.prefix(limit))
        return EventPage(events: page, nextCursor: matching.count > limit ? page.last?.position : nil)
    }

    func storageValue(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> StateValue {
        try checkFailure()
        let version = height ?? latest
        try checkHeight(version)
        return StateValue(height: version, value: contract == Fixtures.contract && key == Fixtures.storageKey ? Fixtures.storageValue : nil)
    }

    func evidence(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> [UInt8] {
        try checkFailure()
        let version = height ?? (latest > 0 ? latest - 1 : 0)
        guard version < latest else { throw .unknownBlock(height: version + 1, latestHeight: latest) }
        return [0x01] + contract.bytes + key + version.canonicalBytes
    }

    func storageProof(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> StorageProofRecord {
        try checkFailure()
        let version = height ?? (latest > 0 ? latest - 1 : 0)
        try checkHeight(version)
        let next = blocks[version + 1]
        let present = contract == Fixtures.contract && key == Fixtures.storageKey
        return StorageProofRecord(
            contract: contract, key: key, stateKey: Fixtures.hash(0x5e), height: version, value: present ? Fixtures.storageValue : nil,
            proof: [0x02, 0x00, 0x00, 0x00] + Fixtures.hash(0x51).bytes + Fixtures.hash(0x52).bytes + [0x00],
            siblings: [Fixtures.hash(0x51), Fixtures.hash(0x52)],
            leaf: present ? StorageProofRecord.Leaf(key: Fixtures.hash(0x5e), valueHash: Fixtures.hash(0x5f)) : nil,
            stateRoot: next?.header.stateRoot ?? Fixtures.hash(0xf0), header: next?.header,
            certificate: next.map(Fixtures.certificate(for:)))
    }

    // MARK: Contracts

    func callContract(_ contract: Address, input: ContractCallInput, height: UInt64?) async throws(RPCBackendError)
        -> ContractCallResult
    {
        try checkFailure()
        let version = height ?? latest
        try checkHeight(version)
        guard contract == Fixtures.contract else { throw .notFound("no contract at \(contract)") }
        switch input {
        case .raw(let bytes):
            return ContractCallResult(
                height: version, status: bytes.isEmpty ? .reverted : .success, errorMessage: bytes.isEmpty ? "empty input" : "",
                fuelUsed: 1_200, returnData: bytes.isEmpty ? [] : [0x2a], decoded: nil)
        case .method(let name, let arguments):
            guard name == "get", arguments.count == 1 else {
                throw .invalidArgument("input does not fit the interface: unknown method \(name)")
            }
            return ContractCallResult(
                height: version, status: .success, errorMessage: "", fuelUsed: 3_400, returnData: [0x01],
                decoded: .object(["id": .string(arguments[0]), "status": .string("valid")]))
        }
    }

    func contractInfo(_ address: Address) async throws(RPCBackendError) -> ContractInfo? {
        try checkFailure()
        guard address == Fixtures.contract else { return nil }
        return ContractInfo(
            address: address, name: "licence_registry", codeHash: Fixtures.hash(0xc0), codeBytes: 12_345, department: "",
            deployer: .zero, isStandard: true, deployedHeight: 0,
            interface: .object(["name": .string("licence_registry"), "methods": .array([]), "events": .array([])]))
    }

    func record(_ kind: RecordKind, id: String) async throws(RPCBackendError) -> RecordInfo? {
        try checkFailure()
        guard kind == .licence, id == "L-1" else { return nil }
        return RecordInfo(
            kind: .licence, contract: Fixtures.contract, id: id, height: latest,
            record: .object([
                "id": .string(id), "department": .string("TD"), "status": .string("active"),
                "validUntil": .number(UInt64(4_000_000_000_000)),
            ]),
            history: Fixtures.events.filter { $0.event.topic.hasPrefix("Licence") })
    }

    // MARK: Consensus, membership, governance

    func validators(atHeight height: UInt64?) async throws(RPCBackendError) -> ValidatorEpoch {
        try checkFailure()
        let target = height ?? latest + 1
        guard target >= 1 else { throw .invalidArgument("height 0 is genesis: no validator set decides it") }
        guard target <= latest + 1 else { throw .unknownBlock(height: target, latestHeight: latest) }
        return ValidatorEpoch(height: target, firstHeight: 1, validators: Fixtures.validators)
    }

    func consensusStatus() async throws(RPCBackendError) -> ConsensusStatus {
        try checkFailure()
        return ConsensusStatus(
            height: latest, view: status.view, phase: .normal, primaryIndex: Fixtures.validators.primary(for: status.view),
            primaryName: Fixtures.validators.validators[Fixtures.validators.primary(for: status.view)].name, validatorIndex: 0,
            syncing: false, haltedReason: nil, viewChanges: 2,
            lastViewChange: ViewChangeRecord(view: status.view, reason: "requestOverdue", ageMs: 4_200), lastCommitAgeMs: 850,
            peers: Fixtures.peers)
    }

    func parameters() async throws(RPCBackendError) -> NetworkParameters {
        try checkFailure()
        return NetworkParameters(consensus: Fixtures.genesis.consensus, governance: Fixtures.genesis.governance, protocolVersion: 1)
    }

    func departments() async throws(RPCBackendError) -> [DepartmentInfo] {
        try checkFailure()
        return Fixtures.genesis.departments.map { department in
            DepartmentInfo(
                id: department.id, name: department.name, adminKeys: department.adminKeys.compactMap { Hex.decode($0) },
                caCertificate: department.caCertificate,
                validators: Fixtures.validators.validators.filter { $0.department == department.id }.map(\.name))
        }
    }

    func nodes() async throws(RPCBackendError) -> [NodeInfo] {
        try checkFailure()
        return Fixtures.validators.validators.map { NodeInfo(name: $0.name, department: $0.department, role: "validator", endpoints: []) }
    }

    func account(_ address: Address) async throws(RPCBackendError) -> AccountInfo? {
        try checkFailure()
        guard address == Fixtures.address(0xa1) else { return nil }
        return AccountInfo(address: address, department: "TD", roles: [.issuer, .submitter], suspended: false, nonce: 32)
    }

    /// TD has three accounts (0xa1, 0xa2 suspended, 0xa3); other departments of the fixtures have none.
    func accounts(department: String, after: Address?, limit: Int) async throws(RPCBackendError) -> [AccountInfo]? {
        try checkFailure()
        guard Fixtures.genesis.departments.contains(where: { $0.id == department }) else { return nil }
        guard department == "TD" else { return [] }
        let all = [
            AccountInfo(address: Fixtures.address(0xa1), department: "TD", roles: [.issuer, .submitter], suspended: false, nonce: 32),
            AccountInfo(address: Fixtures.address(0xa2), department: "TD", roles: [.admin], suspended: true, nonce: 0),
            AccountInfo(address: Fixtures.address(0xa3), department: "TD", roles: [.auditor], suspended: false, nonce: 4),
        ]
        return Array(all.filter { account in after.map { account.address > $0 } ?? true }.prefix(limit))
    }

    func proposals(status: ProposalState?, beforeId: UInt64?, limit: Int) async throws(RPCBackendError) -> [ProposalInfo] {
        try checkFailure()
        return Array(
            Fixtures.proposals.filter { proposal in
                (status.map { proposal.status == $0 } ?? true) && (beforeId.map { proposal.id < $0 } ?? true)
            }.prefix(limit))
    }
}
