import ChainTypes
import ContractVM
import Keys
import StateTree
import Storage

/// Executes one block: scheduled governance activations, then each transaction in order, then the
/// state tree update, receipts and indexes — all into one `WriteBatch` (DESIGN §4).
///
/// Every transaction yields exactly one receipt. A transaction that fails the checks a correct primary
/// would have applied (a faulty primary's inclusion) gets a `rejected` receipt and changes nothing; one
/// that passes them consumes its nonce whatever the outcome of its action.
struct BlockExecution {
    let ledger: Ledger
    let block: Block
    let state: BlockState
    let vm: ContractVM
    var height: UInt64 { block.height }
    var receipts: [Receipt] = []
    /// The hash of each receipt in `receipts`, taken from the encoding `record` stores.
    var receiptHashes: [Hash] = []
    var indexes = WriteBatch()
    /// Fuel used so far in this block; a transaction's limit must fit in what is left.
    var blockFuelUsed: UInt64 = 0
    /// Bytes charged so far against `blockWriteBytesMax` (`docs/ledger.md` §5): governance activations,
    /// then each transaction's state writes, events and return data.
    var blockWriteBytes: UInt64 = 0
    var parameters: ChainParameters
    /// Where the transaction index should point for each hash of this block, and where `BlockStore` will
    /// point it (its last position in the block); they differ only for rejected repeats. One table for both,
    /// keyed by `DigestKey` (the hashes are of bodies the ledger hashed): one lookup per transaction.
    var locations: [DigestKey: (intended: TransactionLocation, last: UInt32)] = [:]
    /// Transaction-index entries to restore after `BlockStore` writes this block's: a rejected repeat of
    /// a transaction (a faulty primary's replay) must not hide the inclusion that counted.
    var locationFixups: [(hash: Hash, location: TransactionLocation)] {
        locations.compactMap { key, entry in
            entry.intended == TransactionLocation(height: height, index: entry.last) ? nil : (key.hash, entry.intended)
        }.sorted { $0.hash < $1.hash }
    }

    init(ledger: Ledger, block: Block, state: BlockState, vm: ContractVM) throws(LedgerError) {
        self.ledger = ledger
        self.block = block
        self.state = state
        self.vm = vm
        self.parameters = try state.parameters()
    }

    mutating func run(signatures: [(hash: Hash, error: TransactionSignatureError?)]) throws(LedgerError) -> ExecutedBlock {
        var governance = Governance(state: state, height: height, timestampMs: block.header.timestampMs)
        try governance.beginBlock()
        parameters = try state.parameters()
        // The version in force when the block begins (after this height's activations) decides its rules; a
        // version activated during a block applies from the next one. Nothing is written on refusal.
        guard ledger.executableProtocolVersions.contains(parameters.protocolVersion) else {
            throw .unsupportedProtocolVersion(
                height: height, version: parameters.protocolVersion, executable: ledger.executableProtocolVersions)
        }
        blockWriteBytes = state.chargedBytes
        reserveCapacity(transactions: block.transactions.count)
        for (index, transaction) in block.transactions.enumerated() {
            let (hash, signatureError) = signatures[index]
            let receipt = try executeTransaction(transaction, hash: hash, index: UInt32(index), signatureError: signatureError)
                .withBoundedMessage()
            try keepEarlierLocation(of: hash, index: UInt32(index), status: receipt.status)
            record(receipt, transaction: transaction, hash: hash, index: UInt32(index))
        }
        let change = try governance.endBlock()
        if let (validators, activationHeight) = change { state.setRecord(StateLayout.announced(activationHeight), validators) }
        if let failure = state.failure { throw .storage(failure) }
        return try finish(validatorSetChange: change)
    }

    /// Sizes the per-block collections for `transactions` up front: growing a dictionary rehashes every
    /// entry, which a 2,000-transaction block otherwise does a dozen times per collection.
    private mutating func reserveCapacity(transactions: Int) {
        receipts.reserveCapacity(transactions)
        receiptHashes.reserveCapacity(transactions)
        locations.reserveCapacity(transactions)
        state.reserveCapacity(transactions: transactions)
        // The block's batch is not reserved up front: sized for 2,000 licences (12 operations and 1.6 KB each),
        // finalize took about 2 ms more CPU per block in the ledger benchmark, for no clear gain in execute
        // (issue 18, docs/performance.md "Block write path"). `finish` reserves it once for the tree's writes
        // and the flat state, whose sizes it knows by then.
    }

    // MARK: Transactions

    mutating func executeTransaction(
        _ transaction: Transaction, hash: Hash, index: UInt32, signatureError: TransactionSignatureError?
    ) throws(LedgerError) -> Receipt {
        let body = transaction.body
        let checked: Ledger.CheckedPayload
        switch Ledger.statelessCheck(transaction, chainId: ledger.genesis.chainId) {
        case .failure(let rejection): return Self.rejected(hash, rejection)
        case .success(let payload): checked = payload
        }
        if let signatureError { return Self.rejected(hash, .invalidSignature(signatureError.description)) }
        var account: AccountRecord
        switch try Ledger.senderCheck(transaction, state: state, height: height, parameters: parameters) {
        case .rejected(let rejection): return Self.rejected(hash, rejection)
        case .passed(let sender): account = sender
        }
        guard body.nonce == account.nonce else {
            return Self.rejected(
                hash,
                body.nonce < account.nonce
                    ? .nonceTooLow(expected: account.nonce, received: body.nonce) : .nonceGap(expected: account.nonce, received: body.nonce)
            )
        }
        let remaining = parameters.consensus.blockFuelMax - min(blockFuelUsed, parameters.consensus.blockFuelMax)
        guard body.fuelLimit <= remaining else {
            return Self.rejected(hash, .blockFuelExhausted(fuelLimit: body.fuelLimit, remaining: remaining))
        }
        account.nonce += 1
        state.setRecord(state.accountKey(body.sender), account)
        state.beginTransaction()
        var receipt: Receipt
        var governanceIndexes = WriteBatch()
        switch body.kind {
        case .call:
            receipt = try call(transaction, hash: hash, account: account, payload: checked.call)
        case .deploy:
            receipt = try deploy(transaction, hash: hash, account: account)
        case .governance:
            var governance = Governance(state: state, height: height, timestampMs: block.header.timestampMs)
            receipt = try governance.execute(transaction, hash: hash, account: account, index: index, indexes: &governanceIndexes)
        case .account:
            receipt = try manageAccount(transaction, hash: hash, admin: account)
        case .node:
            receipt = try manageNode(transaction, hash: hash, admin: account)
        }
        if body.kind != .call { receipt.fuelUsed = LedgerFuel.intrinsic(kind: body.kind, payloadBytes: body.payload.count) }
        let charge = state.transactionChargedBytes.addingSaturating(Self.receiptCharge(receipt))
        let budget = parameters.consensus.blockWriteBytesMax
        if receipt.status == .success, charge > budget - min(blockWriteBytes, budget) {
            state.undoTransaction()
            let fuelUsed = receipt.fuelUsed
            receipt = Self.reverted(hash, Self.budgetMessage(charge: charge, used: blockWriteBytes, budget: budget))
            receipt.fuelUsed = fuelUsed
        } else {
            state.endTransaction()
            blockWriteBytes = blockWriteBytes.addingSaturating(charge)
            indexes.append(contentsOf: governanceIndexes)
        }
        if body.kind == .governance { parameters = try state.parameters() }
        blockFuelUsed += receipt.fuelUsed
        return receipt
    }

    /// What a receipt costs against the block's write budget beyond its fixed part: its return data,
    /// and each event once per copy the indexes keep (`LedgerLimits.eventCopies`).
    static func receiptCharge(_ receipt: Receipt) -> UInt64 {
        let events = receipt.events.reduce(UInt64(0)) { sum, event in
            sum + UInt64(event.topic.utf8.count + event.data.count) + LedgerLimits.eventOverheadBytes
        }
        return UInt64(receipt.returnData.count) + events * LedgerLimits.eventCopies
    }

    static func budgetMessage(charge: UInt64, used: UInt64, budget: UInt64) -> String {
        charge > budget
            ? "the transaction writes \(charge) bytes of state and events, more than a block may write (blockWriteBytesMax \(budget))"
            : "the transaction writes \(charge) bytes of state and events, more than the \(budget - min(used, budget)) bytes left "
                + "in this block (blockWriteBytesMax \(budget)); send it again"
    }

    static func rejected(_ hash: Hash, _ rejection: TransactionRejection) -> Receipt {
        Receipt(transactionHash: hash, status: .rejected, fuelUsed: 0, errorMessage: rejection.description, events: [], returnData: [])
    }

    static func reverted(_ hash: Hash, _ message: String, events: [Event] = []) -> Receipt {
        Receipt(transactionHash: hash, status: .reverted, fuelUsed: 0, errorMessage: message, events: events, returnData: [])
    }

    static func succeeded(_ hash: Hash, events: [Event] = [], returnData: [UInt8] = []) -> Receipt {
        Receipt(transactionHash: hash, status: .success, fuelUsed: 0, errorMessage: "", events: events, returnData: returnData)
    }

    /// Runs a call; `decoded` is its payload as the stateless checks decoded it (nil: decode it here).
    mutating func call(
        _ transaction: Transaction, hash: Hash, account: AccountRecord, payload decoded: CallPayload?
    ) throws(LedgerError) -> Receipt {
        let body = transaction.body
        guard let payload = decoded ?? (try? CallPayload(canonicalBytes: body.payload)) else {
            return Self.rejected(hash, .malformedPayload("call payload"))
        }
        let context = CallContext(
            contract: payload.contract, caller: body.sender, callerDepartment: account.department,
            callerRoles: account.roles.map(\.contractRole), blockHeight: height, blockTimestamp: block.header.timestampMs,
            input: payload.input, fuelLimit: body.fuelLimit)
        let outcome = vm.call(context, storage: state)
        if outcome.status == .success {
            for write in outcome.writes {
                state.set(StateLayout.contractStorage(write.contract, key: write.key), write.value)
            }
        }
        return outcome.receipt(transactionHash: hash)
    }

    mutating func deploy(_ transaction: Transaction, hash: Hash, account: AccountRecord) throws(LedgerError) -> Receipt {
        let body = transaction.body
        guard let payload = try? DeployPayload(canonicalBytes: body.payload) else {
            return Self.rejected(hash, .malformedPayload("deploy payload"))
        }
        guard parameters.governance.departmentsMayDeploy else {
            return Self.reverted(
                hash, "departments may not deploy contracts on this chain; propose an upgradeContract instead")
        }
        let module: ContractModule
        do {
            module = try vm.validate(code: payload.code)
        } catch {
            return Self.reverted(hash, "invalid contract: \(error)")
        }
        let address = Address.contract(deployer: body.sender, nonce: body.nonce)
        guard try state.contractRecord(address) == nil else {
            return Self.reverted(hash, "a contract already lives at \(address)")
        }
        guard try state.contractAddresses().count < LedgerLimits.contractsMax else {
            return Self.reverted(hash, "the chain already lists the most contracts it can (\(LedgerLimits.contractsMax))")
        }
        try installContract(
            ContractRecord(
                name: payload.name, codeHash: module.codeHash, codeBytes: UInt32(payload.code.count), department: account.department,
                deployer: body.sender, isStandard: false, deployedHeight: height), address: address, code: payload.code)
        let event = SystemEvents.contractDeployed(address: address, name: payload.name, codeHash: module.codeHash)
        return Self.succeeded(hash, events: [event], returnData: address.bytes)
    }

    /// Records a contract (new or replaced) and its code; shared with governance upgrades.
    func installContract(_ record: ContractRecord, address: Address, code: [UInt8]) throws(LedgerError) {
        state.storeCode(code, hash: record.codeHash)
        let isNew = try state.contractRecord(address) == nil
        state.setRecord(StateLayout.contract(address), record)
        if isNew {
            var addresses = try state.contractAddresses()
            addresses.append(address)
            state.setRecord(StateLayout.contractList, RecordList(addresses))
        }
    }

    mutating func manageAccount(_ transaction: Transaction, hash: Hash, admin: AccountRecord) throws(LedgerError) -> Receipt {
        guard let action = try? AccountAction(canonicalBytes: transaction.body.payload) else {
            return Self.rejected(hash, .malformedPayload("account payload"))
        }
        let address = action.address
        let existing = try state.account(address)
        if let existing, existing.department != admin.department {
            return Self.reverted(hash, "account \(address) belongs to department \(existing.department), not \(admin.department)")
        }
        let updated: AccountRecord
        switch action {
        case .add(_, let roles):
            guard existing == nil else { return Self.reverted(hash, "account \(address) is already registered") }
            guard !roles.isEmpty else { return Self.reverted(hash, "an account needs at least one role") }
            state.createAccount(address, AccountRecord(department: admin.department, roles: roles))
            return Self.succeeded(hash, events: [SystemEvents.accountChanged(action, department: admin.department)])
        case .suspend:
            guard var record = existing else { return Self.reverted(hash, "unknown account \(address)") }
            guard address != transaction.body.sender else { return Self.reverted(hash, "an admin cannot suspend itself") }
            record.suspended = true
            updated = record
        case .reinstate:
            guard var record = existing else { return Self.reverted(hash, "unknown account \(address)") }
            record.suspended = false
            updated = record
        case .setRoles(_, let roles):
            guard var record = existing else { return Self.reverted(hash, "unknown account \(address)") }
            guard !roles.isEmpty else { return Self.reverted(hash, "an account needs at least one role") }
            record.roles = roles.sorted { $0.tag < $1.tag }
            updated = record
        }
        state.setRecord(StateLayout.account(address), updated)
        return Self.succeeded(hash, events: [SystemEvents.accountChanged(action, department: admin.department)])
    }

    mutating func manageNode(_ transaction: Transaction, hash: Hash, admin: AccountRecord) throws(LedgerError) -> Receipt {
        guard let action = try? NodeAction(canonicalBytes: transaction.body.payload) else {
            return Self.rejected(hash, .malformedPayload("node payload"))
        }
        switch try NodeRegistry.apply(action, department: admin.department, state: state) {
        case .failure(let refusal): return Self.reverted(hash, refusal.description)
        case .success: return Self.succeeded(hash, events: [SystemEvents.nodeChanged(action, department: admin.department)])
        }
    }

    // MARK: Indexes and the tree

    /// Decides where the transaction index points for `hash`: at the first inclusion that counted (not
    /// rejected); a rejected repeat keeps an earlier location, from this block or a finalized one.
    mutating func keepEarlierLocation(of hash: Hash, index: UInt32, status: ReceiptStatus) throws(LedgerError) {
        let key = DigestKey(hash)
        let here = TransactionLocation(height: height, index: index)
        if status != .rejected {
            locations[key] = (here, index)
            return
        }
        if let earlier = locations[key] {
            locations[key] = (earlier.intended, index)
            return
        }
        let stored: TransactionLocation?
        do {
            stored = try ledger.blocks.transactionLocation(hash)
        } catch {
            throw .storage(error)
        }
        locations[key] = (stored ?? here, index)
    }

    /// Appends `receipt` to the block's receipts with its hash, and records its index entries: one place, so
    /// `receipts` and `receiptHashes` (the receipts root's leaves) cannot drift apart.
    mutating func record(_ receipt: Receipt, transaction: Transaction, hash: Hash, index: UInt32) {
        // Encoded once for the index and the receipts root (`Receipt.hash` hashes the same bytes).
        let encoded = receipt.canonicalBytes
        receipts.append(receipt)
        receiptHashes.append(Hash.tagged(.receipt, encoded))
        indexes.put(encoded, for: IndexKeys.receipt(height: height, index: index), in: .indexes)
        indexes.put(
            hash.bytes, for: IndexKeys.sender(transaction.body.sender, height: height, index: index), in: .indexes)
        for (eventIndex, event) in receipt.events.enumerated() {
            // Encoded once for both indexes that keep it.
            let entry = IndexedEvent(transactionHash: hash, event: event).canonicalBytes
            indexes.put(
                entry, for: IndexKeys.contractEvent(event.contract, height: height, index: index, event: UInt16(eventIndex)),
                in: .indexes)
            if let id = RecordIndex.recordId(of: event) {
                indexes.put(
                    entry,
                    for: IndexKeys.recordHistory(event.contract, id: id, height: height, index: index, event: UInt16(eventIndex)),
                    in: .indexes)
            }
        }
    }

    /// Writes `finish` adds besides the tree's and the flat state's, for the batch's reservation: the roots
    /// entry and room for a few department-account markers (a block creating more grows the batch once more).
    static let finishingWritesMax = 16
    static let finishingBytesMax = 1_024

    mutating func finish(validatorSetChange: (ValidatorSet, UInt64)?) throws(LedgerError) -> ExecutedBlock {
        let changes = state.changes.map { StateChange(key: $0.key, value: $0.value) }
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: ledger.store, cache: ledger.treeNodes))
        let update: TreeUpdate
        do {
            update = try tree.update(changes, version: height, previousVersion: height - 1)
        } catch {
            throw .corruption("state tree update at \(height): \(error)")
        }
        let stateRoot = update.rootHash
        // Room in the batch for the tree's nodes and, beside them, the flat state (the writer reserves both at
        // once: a batch grown by doubling is copied at each step; issue 18).
        var flatStateBytes = 0
        for change in changes { flatStateBytes += IndexKeys.flatStateKeyByteCount + (change.value?.count ?? 0) }
        let extra = (operations: changes.count + Self.finishingWritesMax, bytes: flatStateBytes + Self.finishingBytesMax)
        // The block's index entries move into the writer rather than being shared with it: a shared batch
        // would be copied, every operation retained, on the writer's first append. The ledger's node cache
        // keeps the internal nodes: the update's own list, so that the cache can move them in at
        // finalization instead of copying them (issue 18).
        var writer = KeyValueTreeWriter()
        swap(&writer.batch, &indexes)
        let treeNodes = writer.write(taking: consume update, reservingAlso: extra)
        var batch = WriteBatch()
        swap(&batch, &writer.batch)
        for change in changes {
            if let value = change.value {
                batch.put(value, for: IndexKeys.flatState(change.key), in: .indexes)
            } else {
                batch.delete(IndexKeys.flatState(change.key), in: .indexes)
            }
        }
        for entry in try state.departmentAccountEntries() { batch.put(BlockState.departmentAccountMarker, for: entry, in: .indexes) }
        let receiptsRoot = MerkleRoot.of(receiptHashes)
        batch.put(
            HeightRoots(stateRoot: stateRoot, receiptsRoot: receiptsRoot).canonicalBytes, for: IndexKeys.roots(height: height),
            in: .indexes)
        return ExecutedBlock(
            block: block, stateRoot: stateRoot, receiptsRoot: receiptsRoot, receipts: receipts,
            validatorSetChange: validatorSetChange.map { (validators: $0.0, activationHeight: $0.1) }, writes: batch,
            locationFixups: locationFixups, treeNodes: treeNodes)
    }
}

extension Receipt {
    /// The receipt with its error message cut to `Limits.errorMessageBytesMax` (at a character boundary),
    /// so every stored receipt decodes: ledger messages quote contract-chosen names of any length.
    func withBoundedMessage() -> Receipt {
        guard errorMessage.utf8.count > Limits.errorMessageBytesMax else { return self }
        var copy = self
        var message = errorMessage
        while message.utf8.count > Limits.errorMessageBytesMax { message.removeLast() }
        copy.errorMessage = message
        return copy
    }
}

extension Genesis.Role {
    /// The role as the contract host API numbers it.
    var contractRole: ContractRole {
        switch self {
        case .admin: .admin
        case .issuer: .issuer
        case .submitter: .submitter
        case .auditor: .auditor
        }
    }
}

/// Events the ledger itself emits (contract address zero), encoded canonically.
enum SystemEvents {
    static let address = Address.zero

    static func contractDeployed(address: Address, name: String, codeHash: Hash) -> Event {
        var encoder = CanonicalEncoder()
        encoder.write(address)
        encoder.write(text: name)
        encoder.write(codeHash)
        return Event(contract: Self.address, topic: "ContractDeployed", data: encoder.bytes)
    }

    /// `NodeChanged`: text action (`registerObserver`, `removeObserver`, `setEndpoints`) ‖ text node ‖
    /// text department. Not the whole action: a certificate would not fit an event.
    static func nodeChanged(_ action: NodeAction, department: String) -> Event {
        var encoder = CanonicalEncoder()
        let kind =
            switch action {
            case .registerObserver: "registerObserver"
            case .removeObserver: "removeObserver"
            case .setEndpoints: "setEndpoints"
            case .rotateObserver: "rotateObserver"
            }
        encoder.write(text: kind)
        encoder.write(text: action.name)
        encoder.write(text: department)
        return Event(contract: address, topic: "NodeChanged", data: encoder.bytes)
    }

    static func accountChanged(_ action: AccountAction, department: String) -> Event {
        var encoder = CanonicalEncoder()
        encoder.write(action)
        encoder.write(text: department)
        return Event(contract: address, topic: "AccountChanged", data: encoder.bytes)
    }

    static func proposal(_ topic: String, id: UInt64, detail: String) -> Event {
        var encoder = CanonicalEncoder()
        encoder.write(id)
        encoder.write(text: detail)
        return Event(contract: address, topic: topic, data: encoder.bytes)
    }
}

/// Which events describe a record's history, and the record id they carry (`docs/ledger.md`).
///
/// The standard registries begin every lifecycle event with the record id (`docs/contracts.md`); the
/// ledger indexes those topics under (contract, id) so `records_getLicence` can list a history without
/// scanning. The rule depends only on the event, so every node builds the same index.
enum RecordIndex {
    static let topics: Set<String> = [
        "LicenceIssued", "LicenceRenewed", "LicenceSuspended", "LicenceReinstated", "LicenceRevoked", "LicenceTransferred",
        "CertificateIssued", "CertificateRevoked",
    ]

    static func recordId(of event: Event) -> String? {
        guard topics.contains(event.topic) else { return nil }
        var decoder = CanonicalDecoder(event.data)
        guard let id = try? decoder.readText(field: "id", limit: Limits.identifierBytesMax), !id.isEmpty else { return nil }
        return id
    }
}
