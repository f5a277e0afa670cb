import ChainTypes
import ContractVM
import StateTree
import Storage

/// The state one block executes against: the committed flat state plus this block's changes so far.
///
/// Reads look at the block's own changes first, then at the flat state of the last finalized height (one
/// lookup each). Contract calls read through the `ContractStorage` conformance; their writes come back
/// buffered in the call's outcome and are applied only when the call succeeds. A storage failure during
/// a read cannot be thrown through the VM, so it is remembered and the whole block fails with it.
final class BlockState: ContractStorage {
    private let reader: any KeyValueReader
    private(set) var changes: [StateKey: [UInt8]?] = [:]
    /// Values read from `reader` this block (nil: absent), so a key read again costs no RocksDB lookup:
    /// every `licence.issue` of a block reads its department's requirement for the licence type, for
    /// example. The reader does not change while one `BlockState` lives (execution reads the store only
    /// between finalizations; checks and views read a snapshot), and what it holds is bounded by the reads a
    /// block's fuel allows.
    private var reads: [StateKey: [UInt8]?] = [:]
    /// State keys of the accounts and departments looked up this block, by address and id: every transaction
    /// reads its sender's account and department and writes the account back, and each key costs a SHA-256.
    /// Bounded by the senders of one block. A department's entry also says whether it exists, once read
    /// from the store (`departmentExists`): one table, so a transaction hashes its department's id once.
    private var accountKeys: [Address: StateKey] = [:]
    private var departments: [String: (key: StateKey, stored: Bool?)] = [:]
    /// Code hashes of contracts this block has not changed, read once per block, with the contract's state
    /// key (checked against `changes` on every use, so a contract changed later in the block is read again).
    private var codeHashes: [Address: (key: StateKey, codeHash: Hash)] = [:]
    /// The first storage failure met during execution; the block is abandoned when set.
    private(set) var failure: StorageError?
    /// Bytes charged for every value set since the block began, as `blockWriteBytesMax` counts them: the
    /// key hash, the value and `LedgerLimits.stateWriteOverheadBytes` (a key set twice is charged twice).
    private(set) var chargedBytes: UInt64 = 0
    /// While a transaction runs: each key it set with the entry `changes` held before, to undo it.
    private var undoLog: [(key: StateKey, previous: [UInt8]??)]?
    private var chargedBytesAtStart: UInt64 = 0
    /// Accounts this block created, for the department-account index (`IndexKeys.departmentAccount`); an
    /// entry whose transaction was undone is skipped when the block is finished.
    private(set) var accountsCreated: [Address] = []

    init(reader: any KeyValueReader) {
        self.reader = reader
    }

    /// Room for the changes and reads of a block of `transactions`: each transaction commonly writes a
    /// few keys (a record, its history, the sender's account) and reads about as many. Bounded by
    /// `Limits.blockTransactionsMax`, so a block cannot make this reserve more than a few MiB.
    func reserveCapacity(transactions: Int) {
        let count = min(max(transactions, 0), Limits.blockTransactionsMax)
        changes.reserveCapacity(changes.count + 3 * count)
        reads.reserveCapacity(reads.count + count)
    }

    func value(_ key: StateKey) -> [UInt8]? {
        if let changed = changes[key] { return changed }
        if let read = reads[key] { return read }
        do {
            let read = try reader.get(IndexKeys.flatState(key), in: .indexes)
            reads[key] = .some(read)
            return read
        } catch {
            if failure == nil { failure = error }
            return nil
        }
    }

    func set(_ key: StateKey, _ value: [UInt8]?) {
        // One lookup: `updateValue` returns the entry it replaces (nil: none), which the undo log keeps.
        let previous = changes.updateValue(value, forKey: key)
        undoLog?.append((key, previous))
        chargedBytes += Self.charge(valueBytes: value?.count ?? 0)
    }

    /// What writing a value of `valueBytes` costs against the block's write budget.
    static func charge(valueBytes: Int) -> UInt64 {
        UInt64(Hash.byteCount) + UInt64(valueBytes) + LedgerLimits.stateWriteOverheadBytes
    }

    // MARK: One transaction's writes

    /// Starts recording the writes of one transaction so that `undoTransaction()` can take them back.
    func beginTransaction() {
        undoLog = []
        chargedBytesAtStart = chargedBytes
    }

    /// Bytes charged since `beginTransaction()`.
    var transactionChargedBytes: UInt64 { chargedBytes - chargedBytesAtStart }

    /// Keeps the transaction's writes.
    func endTransaction() { undoLog = nil }

    /// Takes back every write since `beginTransaction()`, newest first, and their charge.
    func undoTransaction() {
        guard let log = undoLog else { return }
        for entry in log.reversed() {
            if let previous = entry.previous { changes[entry.key] = previous } else { changes.removeValue(forKey: entry.key) }
        }
        chargedBytes = chargedBytesAtStart
        undoLog = nil
    }

    func record<Value: CanonicalCodable>(_ key: StateKey, as type: Value.Type = Value.self) throws(LedgerError) -> Value? {
        guard let bytes = value(key) else { return nil }
        do {
            return try Value(canonicalBytes: bytes)
        } catch {
            throw .corruption("state record \(key) does not decode as \(Value.self): \(error)")
        }
    }

    func setRecord<Value: CanonicalCodable>(_ key: StateKey, _ value: Value) { set(key, value.canonicalBytes) }

    // MARK: Typed system records

    func account(_ address: Address) throws(LedgerError) -> AccountRecord? { try record(accountKey(address)) }

    /// `StateLayout.account(address)`, built once per block.
    func accountKey(_ address: Address) -> StateKey {
        if let key = accountKeys[address] { return key }
        let key = StateLayout.account(address)
        accountKeys[address] = key
        return key
    }

    /// Writes the record of a new account and notes it for the department-account index.
    func createAccount(_ address: Address, _ record: AccountRecord) {
        setRecord(StateLayout.account(address), record)
        accountsCreated.append(address)
    }

    /// The index entries of the accounts this block created and kept, in address order: each account under
    /// the department its record names.
    func departmentAccountEntries() throws(LedgerError) -> [[UInt8]] {
        var entries: [[UInt8]] = []
        for address in Set(accountsCreated).sorted() {
            guard let record = try account(address) else { continue }
            entries.append(IndexKeys.departmentAccount(record.department, address))
        }
        return entries
    }

    /// The value of a department-account index entry (the key holds everything).
    static let departmentAccountMarker: [UInt8] = [1]
    func department(_ id: String) throws(LedgerError) -> DepartmentRecord? { try record(StateLayout.department(id)) }

    /// Whether department `id` exists, without decoding its record (checked for every transaction).
    func departmentExists(_ id: String) -> Bool {
        let known = departments[id]
        let key = known?.key ?? StateLayout.department(id)
        if let changed = changes[key] {
            if known == nil { departments[id] = (key, nil) }
            return changed != nil
        }
        if let stored = known?.stored { return stored }
        let exists = value(key) != nil
        departments[id] = (key, exists)
        return exists
    }
    func contractRecord(_ address: Address) throws(LedgerError) -> ContractRecord? { try record(StateLayout.contract(address)) }
    func proposal(_ id: UInt64) throws(LedgerError) -> ProposalRecord? { try record(StateLayout.proposal(id)) }

    func parameters() throws(LedgerError) -> ChainParameters {
        guard let parameters = try record(StateLayout.parameters, as: ChainParameters.self) else {
            throw .corruption("chain parameters are missing from state")
        }
        return parameters
    }

    func departmentIds() throws(LedgerError) -> [String] {
        try record(StateLayout.departmentList, as: TextList.self)?.items ?? []
    }

    func validators() throws(LedgerError) -> [ValidatorRecord] {
        try record(StateLayout.validators, as: RecordList<ValidatorRecord>.self)?.items ?? []
    }

    func epochs() throws(LedgerError) -> ValidatorEpochs {
        var epochs: [ValidatorEpochs.Epoch] = []
        for firstHeight in try record(StateLayout.epochs, as: RecordList<UInt64>.self)?.items ?? [] {
            guard let set = try record(StateLayout.epoch(firstHeight), as: ValidatorSet.self) else {
                throw .corruption("epoch \(firstHeight) is listed but missing")
            }
            epochs.append(.init(firstHeight: firstHeight, validators: set))
        }
        return ValidatorEpochs(epochs: epochs)
    }

    /// Records the validator set in force from `epoch.firstHeight` on.
    func appendEpoch(_ epoch: ValidatorEpochs.Epoch) throws(LedgerError) {
        var heights = try record(StateLayout.epochs, as: RecordList<UInt64>.self)?.items ?? []
        if heights.last != epoch.firstHeight { heights.append(epoch.firstHeight) }
        setRecord(StateLayout.epochs, RecordList(heights))
        setRecord(StateLayout.epoch(epoch.firstHeight), epoch.validators)
    }

    func governanceBook() throws(LedgerError) -> GovernanceBook {
        try record(StateLayout.governance, as: GovernanceBook.self) ?? GovernanceBook()
    }

    func revokedCertificates() throws(LedgerError) -> [Hash] {
        try record(StateLayout.revokedList, as: RecordList<Hash>.self)?.items ?? []
    }

    func contractAddresses() throws(LedgerError) -> [Address] {
        try record(StateLayout.contractList, as: RecordList<Address>.self)?.items ?? []
    }

    /// Stores `code` in chunks under its hash.
    func storeCode(_ code: [UInt8], hash: Hash) {
        var index = 0
        var offset = 0
        repeat {
            let end = min(offset + StateLayout.codeChunkBytes, code.count)
            set(StateLayout.codeChunk(hash, index: index), Array(code[offset..<end]))
            offset = end
            index += 1
        } while offset < code.count
    }

    // MARK: ContractStorage

    func value(contract: Address, key: [UInt8]) -> [UInt8]? {
        value(StateLayout.contractStorage(contract, key: key))
    }

    func codeHash(contract: Address) -> Hash? {
        if let cached = codeHashes[contract], changes[cached.key] == nil { return cached.codeHash }
        let key = StateLayout.contract(contract)
        guard let bytes = value(key), let record = try? ContractRecord(canonicalBytes: bytes) else { return nil }
        if changes[key] == nil { codeHashes[contract] = (key, record.codeHash) }
        return record.codeHash
    }

    func code(hash codeHash: Hash) -> [UInt8]? {
        var code: [UInt8] = []
        var index = 0
        while let chunk = value(StateLayout.codeChunk(codeHash, index: index)) {
            code += chunk
            index += 1
            if chunk.count < StateLayout.codeChunkBytes { break }
        }
        return index == 0 ? nil : code
    }
}

/// A list of strings stored as one state value.
struct TextList: Hashable, Sendable, CanonicalCodable {
    var items: [String]

    init(_ items: [String]) {
        self.items = items
    }

    func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(UInt32(items.count))
        for item in items { encoder.write(text: item) }
    }

    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let count = Int(try decoder.readUInt32())
        guard count <= 1 << 16 else { throw .lengthExceedsLimit(field: "list", length: count, limit: 1 << 16) }
        var items: [String] = []
        for _ in 0..<count { items.append(try decoder.readText(field: "list.item", limit: Limits.nameBytesMax)) }
        self.items = items
    }
}

/// A list of canonical records stored as one state value.
struct RecordList<Item: CanonicalCodable & Hashable>: Hashable, Sendable, CanonicalCodable {
    var items: [Item]

    init(_ items: [Item]) {
        self.items = items
    }

    func encode(to encoder: inout CanonicalEncoder) { encoder.write(sequence: items) }

    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        items = try decoder.readSequence(field: "list", limit: 1 << 16)
    }
}
