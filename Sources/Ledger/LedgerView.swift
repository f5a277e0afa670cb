import ChainTypes
import ContractVM
import StateTree
import Storage

/// A read-only view of the ledger at one finalized height: blocks, receipts, state, proofs and indexes.
///
/// Latest-state reads go through a storage snapshot taken when the view was made, so a view never mixes
/// two heights; blocks, receipts and tree versions at or below `height` never change once written.
public struct LedgerView: Sendable {
    let ledger: Ledger
    let snapshot: any KeyValueSnapshot
    /// The latest finalized height this view sees.
    public let height: UInt64
    /// The oldest height whose state this view can read and prove (0 unless the node prunes history).
    public let oldestStateHeight: UInt64

    init(ledger: Ledger, snapshot: any KeyValueSnapshot, height: UInt64, oldestStateHeight: UInt64) {
        self.ledger = ledger
        self.snapshot = snapshot
        self.height = height
        self.oldestStateHeight = oldestStateHeight
    }

    public var chainId: String { ledger.genesis.chainId }
    public var genesis: Genesis { ledger.genesis }
    public var genesisHash: Hash { ledger.genesisHash }

    // MARK: Blocks and transactions

    public func block(at height: UInt64) throws(LedgerError) -> Block? {
        guard height >= 1, height <= self.height else { return nil }
        return try storage { () throws(StorageError) in try ledger.blocks.block(at: height) }
    }

    /// The header of the block at `height`, decoded without its transactions: what a caller that needs the
    /// height's time or hashes reads instead of a whole block of up to `blockBytesMax`.
    public func header(at height: UInt64) throws(LedgerError) -> BlockHeader? {
        guard height >= 1, height <= self.height else { return nil }
        return try storage { () throws(StorageError) in try ledger.blocks.header(at: height) }
    }

    public func block(hash: Hash) throws(LedgerError) -> Block? {
        guard let height = try storage({ () throws(StorageError) in try ledger.blocks.height(ofBlock: hash) }) else { return nil }
        return try block(at: height)
    }

    public func certificate(at height: UInt64) throws(LedgerError) -> CommitCertificate? {
        guard height >= 1, height <= self.height else { return nil }
        return try storage { () throws(StorageError) in try ledger.blocks.certificate(at: height) }
    }

    /// The state root and receipts root after `height` (height 0: genesis).
    public func roots(at height: UInt64) throws(LedgerError) -> (stateRoot: Hash, receiptsRoot: Hash)? {
        guard height <= self.height else { return nil }
        let roots = try Ledger.roots(at: height, in: snapshot)
        return (roots.stateRoot, roots.receiptsRoot)
    }

    /// A committed transaction and where it is; nil only when no finalized block holds it.
    public func transaction(_ hash: Hash) throws(LedgerError) -> (transaction: Transaction, location: TransactionLocation)? {
        guard let found = try storage({ () throws(StorageError) in try ledger.blocks.transaction(hash) }),
            found.1.height <= height
        else { return nil }
        return (found.0, found.1)
    }

    /// The receipt of a committed transaction, with its location.
    public func receipt(_ hash: Hash) throws(LedgerError) -> (receipt: Receipt, location: TransactionLocation)? {
        guard let location = try storage({ () throws(StorageError) in try ledger.blocks.transactionLocation(hash) }),
            location.height <= height
        else { return nil }
        guard let receipt = try receipt(height: location.height, index: location.index) else {
            throw .corruption("transaction \(hash) has no receipt at \(location.height):\(location.index)")
        }
        return (receipt, location)
    }

    public func receipt(height: UInt64, index: UInt32) throws(LedgerError) -> Receipt? {
        try decoded(IndexKeys.receipt(height: height, index: index), as: Receipt.self)
    }

    /// The receipts of block `height`, in transaction order.
    public func receipts(height: UInt64) throws(LedgerError) -> [Receipt] {
        var prefix: [UInt8] = [IndexKeys.Tag.receipt.rawValue]
        IndexKeys.appendBigEndian(height, to: &prefix)
        return try scan(prefix: prefix, after: nil, limit: Limits.blockTransactionsMax).map { pair throws(LedgerError) in
            try Self.decode(pair.value, as: Receipt.self)
        }
    }

    // MARK: Indexes

    /// A page of one sender's transactions, oldest first; pass the last location as `after` for the next page.
    public func transactions(
        sender: Address, after: TransactionLocation?, limit: Int
    ) throws(LedgerError) -> [(hash: Hash, location: TransactionLocation)] {
        let prefix = IndexKeys.senderPrefix(sender)
        let start = after.map { IndexKeys.sender(sender, height: $0.height, index: $0.index) }
        return try scan(prefix: prefix, after: start, limit: limit).map { pair throws(LedgerError) in
            guard let hash = Hash(bytes: pair.value) else { throw .corruption("sender index entry is not a hash") }
            return (hash, Self.location(fromSuffix: pair.key[prefix.count...]))
        }
    }

    /// A page of the accounts of `department`, in address order, with their records; pass the last address as
    /// `after` for the next page. At most `limit` index entries are read.
    ///
    /// The index is built from the blocks since genesis. A store without them all (restored from a state
    /// snapshot, or written before the index) throws `statePruned(height: 0, oldestHeight: firstHeight)`:
    /// a partial list would pass for the whole one.
    public func accounts(
        of department: String, after: Address?, limit: Int
    ) throws(LedgerError) -> [(address: Address, record: AccountRecord)] {
        let complete: [UInt8]?
        let firstHeightBytes: [UInt8]?
        do {
            complete = try snapshot.get(IndexKeys.departmentAccountsComplete, in: .metadata)
            firstHeightBytes = try snapshot.get(BlockStore.Keys.firstHeight, in: .metadata)
        } catch {
            throw .storage(error)
        }
        guard complete != nil else {
            let firstHeight = firstHeightBytes.flatMap { try? UInt64(canonicalBytes: $0) } ?? 1
            throw .statePruned(height: 0, oldestHeight: max(firstHeight, 1))
        }
        let prefix = IndexKeys.departmentAccountPrefix(department)
        let start = after.map { IndexKeys.departmentAccount(department, $0) }
        var accounts: [(address: Address, record: AccountRecord)] = []
        for pair in try scan(prefix: prefix, after: start, limit: limit) {
            guard let address = Address(bytes: Array(pair.key[prefix.count...])) else {
                throw .corruption("department-account index entry does not end in an address")
            }
            // Entries are never removed; the record is the account's current state (roles, suspension).
            guard let record = try account(address), record.department == department else { continue }
            accounts.append((address, record))
        }
        return accounts
    }

    /// A page of the events of `contract` from `fromHeight`, oldest first.
    public func events(
        contract: Address, fromHeight: UInt64 = 1, after: EventPosition? = nil, limit: Int
    ) throws(LedgerError) -> [(position: EventPosition, event: IndexedEvent)] {
        let prefix = IndexKeys.contractEventPrefix(contract)
        let start =
            after.map { IndexKeys.contractEvent(contract, height: $0.height, index: $0.transactionIndex, event: $0.eventIndex) }
            ?? (fromHeight > 1 ? IndexKeys.contractEvent(contract, height: fromHeight - 1, index: .max, event: .max) : nil)
        return try scan(prefix: prefix, after: start, limit: limit).map { pair throws(LedgerError) in
            (Self.position(fromSuffix: pair.key[prefix.count...]), try Self.decode(pair.value, as: IndexedEvent.self))
        }
    }

    /// Every event in the history of record `id` of `contract` (a licence or certificate), oldest first.
    public func recordHistory(contract: Address, id: String, limit: Int = 1000) throws(LedgerError) -> [(
        position: EventPosition, event: IndexedEvent
    )] {
        let prefix = IndexKeys.recordHistoryPrefix(contract, id: id)
        return try scan(prefix: prefix, after: nil, limit: limit).map { pair throws(LedgerError) in
            (Self.position(fromSuffix: pair.key[prefix.count...]), try Self.decode(pair.value, as: IndexedEvent.self))
        }
    }

    /// The governance events of proposal `id` (created, votes, decision), oldest first.
    public func proposalHistory(_ id: UInt64) throws(LedgerError) -> [(location: TransactionLocation, event: IndexedEvent)] {
        let prefix = IndexKeys.proposalPrefix(id)
        return try scan(prefix: prefix, after: nil, limit: 4096).map { pair throws(LedgerError) in
            (Self.location(fromSuffix: pair.key[prefix.count...]), try Self.decode(pair.value, as: IndexedEvent.self))
        }
    }

    // MARK: State

    private var state: BlockState { BlockState(reader: snapshot) }

    public func account(_ address: Address) throws(LedgerError) -> AccountRecord? { try state.account(address) }
    public func department(_ id: String) throws(LedgerError) -> DepartmentRecord? { try state.department(id) }

    public func departments() throws(LedgerError) -> [DepartmentRecord] {
        let state = self.state
        var records: [DepartmentRecord] = []
        for id in try state.departmentIds() {
            if let record = try state.department(id) { records.append(record) }
        }
        return records
    }

    public func validators() throws(LedgerError) -> [ValidatorRecord] { try state.validators() }
    /// The node registry: observers, and validators whose department set their endpoints, in order registered.
    public func nodes() throws(LedgerError) -> [NodeRecord] { try state.nodes() }
    public func epochs() throws(LedgerError) -> ValidatorEpochs { try state.epochs() }
    public func parameters() throws(LedgerError) -> ChainParameters { try state.parameters() }

    /// Validator sets already announced to consensus but not yet in force: those activating at the next two
    /// heights (PBFT-NOTES rule 20). A restarted node adds them to its replica's schedule.
    public func announcedValidatorSets() throws(LedgerError) -> [ValidatorEpochs.Epoch] {
        let state = self.state
        let current = try state.validators()
        let (next, target) = try Governance.projectRoster(state: state, after: height)
        var epochs: [ValidatorEpochs.Epoch] = []
        if next.records != current, let set = try? Governance.validatorSet(next.records) {
            epochs.append(.init(firstHeight: height + 1, validators: set))
        }
        if target.records != next.records, let set = try? Governance.validatorSet(target.records) {
            epochs.append(.init(firstHeight: height + 2, validators: set))
        }
        return epochs
    }
    public func revokedCertificates() throws(LedgerError) -> [Hash] { try state.revokedCertificates() }
    public func contract(_ address: Address) throws(LedgerError) -> ContractRecord? { try state.contractRecord(address) }
    public func contracts() throws(LedgerError) -> [Address] { try state.contractAddresses() }
    public func proposal(_ id: UInt64) throws(LedgerError) -> ProposalRecord? { try state.proposal(id) }

    /// Chain protocol versions governance has passed but not yet activated, with their activation heights,
    /// in activation order: what a node checks its build against before the chain reaches them.
    public func scheduledProtocolVersions() throws(LedgerError) -> [(height: UInt64, version: UInt32)] {
        let state = self.state
        var versions: [(height: UInt64, version: UInt32)] = []
        for activation in try state.governanceBook().scheduled {
            guard case .setProtocolVersion(let version) = try state.proposal(activation.proposal)?.change else { continue }
            versions.append((activation.height, version))
        }
        return versions.sorted { $0.height < $1.height }
    }

    /// Every proposal, newest first, optionally only those with `status`.
    public func proposals(status: ProposalStatus? = nil) throws(LedgerError) -> [ProposalRecord] {
        let state = self.state
        let book = try state.governanceBook()
        var result: [ProposalRecord] = []
        var id = book.nextProposalId
        while id > 1 {
            id -= 1
            guard let proposal = try state.proposal(id) else { continue }
            if status == nil || proposal.status == status { result.append(proposal) }
        }
        return result
    }

    /// A contract storage value at `height` (default: this view's height), read from the state tree.
    public func storageValue(contract: Address, key: [UInt8], at height: UInt64? = nil) throws(LedgerError) -> [UInt8]? {
        try treeValue(StateLayout.contractStorage(contract, key: key), at: height ?? self.height)
    }

    /// A contract storage value with its proof against the state root after `height` (DESIGN §4).
    ///
    /// The root after `height` is carried by the header of block `height + 1`, whose commit certificate
    /// is what a verifier trusts; the caller fetches that header once it is finalized.
    public func storageProof(contract: Address, key: [UInt8], at height: UInt64? = nil) throws(LedgerError) -> (
        value: [UInt8]?, proof: StateProof, stateRoot: Hash
    ) {
        let version = height ?? self.height
        guard version <= self.height else { throw .invalidBlock("height \(version) is not finalized") }
        try checkRetained(version)
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: snapshot))
        do {
            let (value, proof) = try tree.proof(for: StateLayout.contractStorage(contract, key: key), at: version)
            return (value, proof, try tree.rootHash(at: version))
        } catch {
            throw .stateTree(error, version: version)
        }
    }

    /// The value of any state key with its proof against the state root after `height`.
    public func proof(of key: StateKey, at height: UInt64) throws(LedgerError) -> (value: [UInt8]?, proof: StateProof, stateRoot: Hash) {
        guard height <= self.height else { throw .invalidBlock("height \(height) is not finalized") }
        try checkRetained(height)
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: snapshot))
        do {
            let (value, proof) = try tree.proof(for: key, at: height)
            return (value, proof, try tree.rootHash(at: height))
        } catch {
            throw .stateTree(error, version: height)
        }
    }

    /// Runs a read-only contract method at `height` (default: this view's height); writes and events trap.
    public func query(
        contract: Address, input: [UInt8], caller: Address = .zero, at height: UInt64? = nil, fuelLimit: UInt64 = 10_000_000
    ) throws(LedgerError) -> ContractOutcome {
        let version = height ?? self.height
        guard version <= self.height else { throw .invalidBlock("height \(version) is not finalized") }
        try checkRetained(version)
        let storage = TreeContractStorage(reader: KeyValueTreeReader(store: snapshot), version: version)
        let account = try? self.account(caller)
        let header = try block(at: version)?.header
        let context = CallContext(
            contract: contract, caller: caller, callerDepartment: account?.department ?? "",
            callerRoles: account?.roles.map(\.contractRole) ?? [], blockHeight: version,
            blockTimestamp: header?.timestampMs ?? ledger.genesis.genesisTimeMs, input: input, fuelLimit: fuelLimit)
        let outcome = ledger.runQuery(context, storage: storage)
        if let failure = storage.failure { throw .stateTree(failure, version: version) }
        return outcome
    }

    /// Hashes of every index entry and flat-state value, for comparing two ledgers (tests, audits).
    public func indexDigest() throws(LedgerError) -> Hash {
        var parts: [[UInt8]] = []
        var after: [UInt8]? = nil
        while true {
            let page = try storage { () throws(StorageError) in try snapshot.scan(prefix: [], after: after, limit: 10_000, in: .indexes) }
            for pair in page { parts.append(Hash.sha256(pair.key + pair.value).bytes) }
            guard page.count == 10_000, let last = page.last else { break }
            after = last.key
        }
        return Hash.sha256(parts.flatMap { $0 })
    }

    /// The proof that the state after `activationHeight - 2` announced the validator set activating at
    /// `activationHeight` (what an evidence bundle carries per transition, docs/evidence.md).
    ///
    /// Computed from the tree while that version is kept; below the oldest kept height, the copy the
    /// pruner stored before it raised that height (`Ledger.pruneStep`).
    public func announcementProof(activationHeight: UInt64) throws(LedgerError) -> StateProof {
        guard activationHeight >= 2 else { throw .invalidBlock("no validator set is announced for height \(activationHeight)") }
        let version = activationHeight - 2
        if version >= oldestStateHeight { return try proof(of: StateLayout.announced(activationHeight), at: version).proof }
        let key = Ledger.announcementProofKey(activationHeight)
        guard let bytes = try storage({ () throws(StorageError) in try snapshot.get(key, in: .metadata) }) else {
            throw .statePruned(height: version, oldestHeight: oldestStateHeight)
        }
        do {
            return try StateProof(canonicalBytes: bytes)
        } catch {
            throw .corruption("the kept announcement proof for height \(activationHeight) does not decode: \(error)")
        }
    }

    // MARK: Helpers

    /// Throws `.statePruned` when the state after `version` is below the oldest this view holds.
    func checkRetained(_ version: UInt64) throws(LedgerError) {
        guard version >= oldestStateHeight else { throw .statePruned(height: version, oldestHeight: oldestStateHeight) }
    }

    func treeValue(_ key: StateKey, at version: UInt64) throws(LedgerError) -> [UInt8]? {
        guard version <= height else { throw .invalidBlock("height \(version) is not finalized") }
        try checkRetained(version)
        do {
            return try SparseMerkleTree(reader: KeyValueTreeReader(store: snapshot)).value(for: key, at: version)
        } catch {
            throw .stateTree(error, version: version)
        }
    }

    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int) throws(LedgerError) -> [KeyValuePair] {
        let limit = max(0, min(limit, StorageLimits.scanPairsMax))
        return try storage { () throws(StorageError) in try snapshot.scan(prefix: prefix, after: after, limit: limit, in: .indexes) }
    }

    func decoded<Value: CanonicalCodable>(_ key: [UInt8], as type: Value.Type) throws(LedgerError) -> Value? {
        guard let bytes = try storage({ () throws(StorageError) in try snapshot.get(key, in: .indexes) }) else { return nil }
        return try Self.decode(bytes, as: type)
    }

    static func decode<Value: CanonicalCodable>(_ bytes: [UInt8], as type: Value.Type) throws(LedgerError) -> Value {
        do {
            return try Value(canonicalBytes: bytes)
        } catch {
            throw .corruption("index entry does not decode as \(Value.self): \(error)")
        }
    }

    func storage<T>(_ body: () throws(StorageError) -> T) throws(LedgerError) -> T {
        do {
            return try body()
        } catch {
            throw .storage(error)
        }
    }

    static func location(fromSuffix suffix: ArraySlice<UInt8>) -> TransactionLocation {
        let start = suffix.startIndex
        return TransactionLocation(
            height: IndexKeys.readBigEndian(suffix[start..<start + 8]),
            index: UInt32(IndexKeys.readBigEndian(suffix[start + 8..<start + 12])))
    }

    static func position(fromSuffix suffix: ArraySlice<UInt8>) -> EventPosition {
        let start = suffix.startIndex
        return EventPosition(
            height: IndexKeys.readBigEndian(suffix[start..<start + 8]),
            transactionIndex: UInt32(IndexKeys.readBigEndian(suffix[start + 8..<start + 12])),
            eventIndex: UInt16(IndexKeys.readBigEndian(suffix[start + 12..<start + 14])))
    }
}

/// Where an event is: block height, transaction index, event index within the receipt; also a page cursor.
public struct EventPosition: Hashable, Sendable, Comparable {
    public var height: UInt64
    public var transactionIndex: UInt32
    public var eventIndex: UInt16

    public init(height: UInt64, transactionIndex: UInt32, eventIndex: UInt16) {
        self.height = height
        self.transactionIndex = transactionIndex
        self.eventIndex = eventIndex
    }

    public static func < (lhs: EventPosition, rhs: EventPosition) -> Bool {
        (lhs.height, lhs.transactionIndex, lhs.eventIndex) < (rhs.height, rhs.transactionIndex, rhs.eventIndex)
    }
}

/// Contract storage read from the state tree at a past version (read-only queries at a height).
final class TreeContractStorage: ContractStorage {
    let tree: SparseMerkleTree<KeyValueTreeReader>
    let version: UInt64
    private(set) var failure: StateTreeError?

    init(reader: KeyValueTreeReader, version: UInt64) {
        self.tree = SparseMerkleTree(reader: reader)
        self.version = version
    }

    private func read(_ key: StateKey) -> [UInt8]? {
        do {
            return try tree.value(for: key, at: version)
        } catch {
            if failure == nil { failure = error }
            return nil
        }
    }

    func value(contract: Address, key: [UInt8]) -> [UInt8]? { read(StateLayout.contractStorage(contract, key: key)) }

    func codeHash(contract: Address) -> Hash? {
        read(StateLayout.contract(contract)).flatMap { try? ContractRecord(canonicalBytes: $0) }?.codeHash
    }

    func code(hash codeHash: Hash) -> [UInt8]? {
        var code: [UInt8] = []
        var index = 0
        while let chunk = read(StateLayout.codeChunk(codeHash, index: index)) {
            code += chunk
            index += 1
            if chunk.count < StateLayout.codeChunkBytes { break }
        }
        return index == 0 ? nil : code
    }
}
