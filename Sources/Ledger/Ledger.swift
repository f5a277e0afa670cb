import ChainTypes
import ContractVM
import Dispatch
import Foundation
import Keys
import StateTree
import Storage
import Synchronization

/// The permissioned ledger: genesis state, admission checks, deterministic block execution, and durable
/// state, receipts and indexes (DESIGN §4, §5).
///
/// Execution is single-threaded and deterministic except for signature recovery, which is spread over
/// every core before the sequential pass (its result does not depend on the order). Reads through `view`
/// may run on any thread at the same time as execution.
public final class Ledger: Application, @unchecked Sendable {
    public let genesis: Genesis
    /// Identifies the chain: the hash of the genesis document (`Genesis.hash`).
    public let genesisHash: Hash
    let store: any KeyValueStore
    let blocks: BlockStore
    /// Guards `pending` and the VM, and `committed` against `finalize`; held for the whole of `execute` and
    /// `finalize`.
    private let lock = NSLock()
    /// Guards `committed` for readers outside `execute` and `finalize` (`check`, `height`, `latestRoots`), so
    /// that mempool admission and RPC reads go on while a block executes and finalizes under `lock` instead
    /// of waiting for it (issue 18: with `lock` every admission check waited for the block in progress).
    /// `finalize` writes `committed` holding both locks; `execute` and `finalize` read it under `lock`.
    private let committedLock = NSLock()
    private let vm: ContractVM
    private var committed: (height: UInt64, roots: HeightRoots)
    private var pending: ExecutedBlock?
    /// Serializes read-only contract queries, which share one VM and its module cache.
    private let queryLock = NSLock()
    private let queryVM = ContractVM()
    /// Signatures already recovered by `check`, `screen` or `execute`; shared with the node's proposal screen.
    public let verifiedSignatures: VerifiedSignatures
    /// The chain protocol versions this ledger executes (`ChainProtocol.executable`; tests widen it).
    public let executableProtocolVersions: ClosedRange<UInt32>
    /// State tree nodes of the latest versions, which the next block's tree update reads first (written by
    /// `finalize`, read by execution only).
    let treeNodes: TreeNodeCache
    /// The snapshot and reads admission checks share until the next finalized block (`admissionReads(atLeast:)`).
    private let sharedAdmissionReads = Mutex<AdmissionReads?>(nil)
    /// The last stale-node record pruning deleted (`pruneStep`); nil: scan from the first record.
    let pruneCursor = Mutex<[UInt8]?>(nil)

    /// Opens the ledger in `store`, writing the genesis state first if the store is empty.
    ///
    /// `code` maps each genesis contract's name to its WebAssembly bytes (see `GenesisBundle`). A store
    /// written for another genesis is refused, so a node can never mix two chains' data.
    ///
    /// `executableProtocolVersions` is the build's (`ChainProtocol.executable`); tests pass another range to
    /// act as a build that executes more or fewer versions. `treeNodeCacheBytes` bounds the state tree nodes
    /// execution keeps in memory (a node gives its share of `storage.memory_bytes`).
    public init(
        store: any KeyValueStore, genesis: GenesisBundle, verifiedSignatures: VerifiedSignatures = VerifiedSignatures(),
        executableProtocolVersions: ClosedRange<UInt32> = ChainProtocol.executable,
        treeNodeCacheBytes: Int = TreeNodeCache.byteBudgetDefault
    ) throws(LedgerError) {
        self.treeNodes = TreeNodeCache(byteBudget: treeNodeCacheBytes)
        self.verifiedSignatures = verifiedSignatures
        self.executableProtocolVersions = executableProtocolVersions
        self.genesis = genesis.genesis
        self.genesisHash = genesis.genesis.hash
        self.store = store
        self.blocks = BlockStore(store: store)
        self.vm = ContractVM()
        let storedGenesis: [UInt8]?
        do {
            storedGenesis = try store.get(IndexKeys.genesisHash, in: .metadata)
        } catch {
            throw .storage(error)
        }
        if let storedGenesis {
            guard storedGenesis == genesisHash.bytes else {
                throw .genesisMismatch(stored: Hash(bytes: storedGenesis) ?? .zero, expected: genesisHash)
            }
        } else {
            try Self.writeGenesis(genesis, store: store)
        }
        let height: UInt64
        do {
            height = try blocks.latestHeight()
        } catch {
            throw .storage(error)
        }
        committed = (height, try Self.roots(at: height, in: store))
    }

    /// The latest finalized height.
    public var height: UInt64 {
        committedLock.withLock { committed.height }
    }

    /// The state root and receipts root after the latest finalized height.
    public var latestRoots: (stateRoot: Hash, receiptsRoot: Hash) {
        committedLock.withLock { (committed.roots.stateRoot, committed.roots.receiptsRoot) }
    }

    // MARK: Application

    public func check(_ transaction: Transaction, context: AdmissionContext) -> Result<Admission, TransactionRejection> {
        let (height, reads): (UInt64, AdmissionReads)
        do {
            // Height first: a snapshot taken after it holds at least that height's state.
            height = committedLock.withLock { committed.height }
            reads = try admissionReads(atLeast: height)
        } catch {
            return .failure(.unavailable("the ledger cannot read its state: \(error)"))
        }
        do {
            if let rejection = Self.statelessRejection(transaction, chainId: genesis.chainId) { return .failure(rejection) }
            let hash = transaction.hash
            if !verifiedSignatures.contains(hash, signature: transaction.signature) {
                if let error = Self.signatureError(transaction) { return .failure(.invalidSignature(error.description)) }
                verifiedSignatures.insert(hash, signature: transaction.signature)
            }
            let parameters = try reads.parameters.get()
            let nextHeight = height + 1
            // Read once per sender and finalized height (`AdmissionReads.sender`), not once per transaction.
            let sender = try reads.sender(transaction.body.sender)
            let account: AccountRecord
            switch Self.senderCheck(
                transaction, height: nextHeight, parameters: parameters, account: sender.account,
                departmentExists: { _ in sender.departmentExists })
            {
            case .rejected(let rejection): return .failure(rejection)
            case .passed(let passed): account = passed
            }
            let accountNonce = account.nonce
            if transaction.body.kind == .governance {
                let state = BlockState(reader: reads)
                if let rejection = try proposalRejection(transaction, state: state, height: height) { return .failure(rejection) }
                if let failure = state.failure { return .failure(.unavailable("the ledger cannot read its state: \(failure)")) }
            }
            let expected = context.expectedNonce(accountNonce: accountNonce)
            let nonce = transaction.body.nonce
            if nonce < expected { return .failure(.nonceTooLow(expected: expected, received: nonce)) }
            if nonce - expected > context.futureNonceWindow { return .failure(.nonceGap(expected: expected, received: nonce)) }
            return .success(Admission(accountNonce: accountNonce, department: account.department))
        } catch {
            return .failure(.unavailable("the ledger cannot read its state: \(error)"))
        }
    }

    /// Recovers the signatures of `transactions` and remembers each that recovers to its sender
    /// (`verifiedSignatures`), so the `check` of each that follows does not recover it again.
    ///
    /// Admission of a client's batch calls this first: `check` runs one transaction at a time, in order.
    /// `concurrently` spreads the recoveries over every core (Dispatch's threads, at the calling process's
    /// priority); false recovers them on the calling thread, at its priority, which the node's admission
    /// threads lower so that they yield the cores to block execution (issue 18). A signature that does not
    /// recover is left for `check` to refuse with its reason.
    public func verifySignatures(_ transactions: [Transaction], concurrently: Bool = true) {
        _ = Self.checkSignatures(transactions, verified: verifiedSignatures, concurrently: concurrently)
    }

    /// The reads admission shares (`AdmissionReads`), holding at least the state of finalized height `height`:
    /// the ones in use if they do, new ones over a fresh snapshot otherwise.
    ///
    /// Reads of a later height than the caller's serve it too (its own snapshot, taken now, would hold that
    /// state as well); older ones never do, so a check never sees a state older than the height it read.
    func admissionReads(atLeast height: UInt64) throws(StorageError) -> AdmissionReads {
        try sharedAdmissionReads.withLock { shared throws(StorageError) -> AdmissionReads in
            // Reads whose parameters failed to load are not shared: a transient read error must fail one
            // check, not every check until the next block.
            if let current = shared, current.height >= height, case .success = current.parameters { return current }
            let reads = AdmissionReads(height: height, snapshot: try store.snapshot())
            shared = reads
            return reads
        }
    }

    /// Returns once no block is executing or finalizing (at once when none is).
    ///
    /// Peer gossip admission waits here before each transaction, as it did when `check` took the execution
    /// lock: with several validators sharing cores, gossip admitted while a block executes took CPU from
    /// the replica driver, the consensus path, and four validators ran about a quarter slower in alternation
    /// (issue 18). Clients' transactions (`tx_send`) do not wait, so one validator admits while it executes.
    public func awaitBlockInProgress() {
        lock.lock()
        lock.unlock()
    }

    public func execute(_ block: Block) throws(LedgerError) -> ExecutedBlock {
        lock.lock()
        defer { lock.unlock() }
        let height = block.height
        guard height == committed.height + 1 else { throw .unexpectedHeight(expected: committed.height + 1, received: height) }
        guard block.header.chainId == genesis.chainId else { throw .invalidBlock("block for chain \(block.header.chainId)") }
        let signatures = Self.checkSignatures(block.transactions, verified: verifiedSignatures)
        do {
            try block.checkStructure(transactionHashes: signatures.map(\.hash))
        } catch {
            throw .invalidBlock("\(error)")
        }
        guard block.header.stateRoot == committed.roots.stateRoot else {
            throw .stateRootMismatch(height: height, header: block.header.stateRoot, local: committed.roots.stateRoot)
        }
        guard block.header.previousReceiptsRoot == committed.roots.receiptsRoot else {
            throw .previousReceiptsRootMismatch(
                height: height, header: block.header.previousReceiptsRoot, local: committed.roots.receiptsRoot)
        }
        var execution = try BlockExecution(ledger: self, block: block, state: BlockState(reader: store), vm: vm)
        let executed = try execution.run(signatures: signatures)
        pending = executed
        return executed
    }

    public func finalize(_ executed: ExecutedBlock, certificate: CommitCertificate) throws(LedgerError) {
        lock.lock()
        defer { lock.unlock() }
        guard let pending, pending.block.hash == executed.block.hash, executed.height == committed.height + 1 else {
            throw .notExecuted(height: executed.height)
        }
        var entries: WriteBatch
        do {
            entries = try blocks.entries(appending: executed.block, certificate: certificate)
        } catch {
            throw .blockStore(error)
        }
        for (hash, location) in executed.locationFixups {
            entries.put(location.canonicalBytes, for: BlockStore.Keys.transaction(hash), in: .indexes)
        }
        do {
            // One atomic write: the block's state, receipts and indexes, then the block store's entries and
            // the fixups (which must follow them), without copying the block's large batch.
            try store.write([executed.writes, entries], sync: true)
        } catch {
            throw .storage(error)
        }
        committedLock.withLock {
            committed = (executed.height, HeightRoots(stateRoot: executed.stateRoot, receiptsRoot: executed.receiptsRoot))
        }
        // Checks from now on read the new height and need a snapshot holding it; release the old one now.
        sharedAdmissionReads.withLock { $0 = nil }
        self.pending = nil
        treeNodes.insert(taking: executed.treeNodes.take())
    }

    /// Reads the upper levels of the latest state tree into the cache block execution reads first
    /// (`TreeNodeCache.warm`), and returns how many nodes it read.
    ///
    /// Why: a node that has just started would otherwise read most of those nodes from the store during its
    /// first blocks, one at a time; with a million licences in state, a block of 2,000 then took three times
    /// as long to execute for the next hundred blocks (issue 18, deliver 3), which slows a restarted node's
    /// catching up. Safe beside execution: the cache answers only the exact node key it holds, and keeps the
    /// newest version per position. Blocks on the store: call it from a thread of its own.
    @discardableResult
    public func warmTreeNodeCache() -> Int {
        let height = committedLock.withLock { committed.height }
        return treeNodes.warm(root: NodeKey.root(version: height), reader: KeyValueTreeReader(store: store))
    }

    public func view() throws(LedgerError) -> LedgerView {
        // The height comes from the snapshot itself, so the view's height and its state always agree.
        let snapshot: any KeyValueSnapshot
        let height: UInt64
        let heightBytes: [UInt8]?
        do {
            snapshot = try store.snapshot()
            heightBytes = try snapshot.get(BlockStore.Keys.latestHeight, in: .metadata)
        } catch {
            throw .storage(error)
        }
        do {
            height = try heightBytes.map { try UInt64(canonicalBytes: $0) } ?? 0
        } catch {
            throw .corruption("the latest height does not decode: \(error)")
        }
        return LedgerView(ledger: self, snapshot: snapshot, height: height, oldestStateHeight: try Self.oldestStateHeight(in: snapshot))
    }

    /// Refuses a governance proposal that the state at `height` would revert, so that a bad parameter or
    /// certificate gets its reason at the door instead of a reverted receipt (issue 14, defect 1 and 2).
    /// Certificates must be valid at the time of the latest block.
    func proposalRejection(_ transaction: Transaction, state: BlockState, height: UInt64) throws(LedgerError) -> TransactionRejection? {
        guard transaction.body.kind == .governance,
            case .propose(let change, _, _) = try? GovernanceAction(canonicalBytes: transaction.body.payload)
        else { return nil }
        let timestampMs: UInt64
        do {
            timestampMs = try blocks.block(at: height)?.header.timestampMs ?? genesis.genesisTimeMs
        } catch {
            throw .storage(error)
        }
        if case .setProtocolVersion(let version) = change, !executableProtocolVersions.contains(version) {
            // Admission only, never execution: builds differ here, and blocks must execute alike on all of them.
            return .invalidProposal(
                "this node's build does not execute chain protocol version \(version) (it executes "
                    + "\(executableProtocolVersions.lowerBound)…\(executableProtocolVersions.upperBound)); upgrade the nodes to a build that "
                    + "does before proposing it, or the chain halts where it activates")
        }
        return try Governance.problem(with: change, state: state, atMs: timestampMs).map { .invalidProposal($0) }
    }

    /// Runs a read-only contract call on the shared query VM.
    func runQuery(_ context: CallContext, storage: any ContractStorage) -> ContractOutcome {
        queryLock.withLock { queryVM.query(context, storage: storage) }
    }

    // MARK: Checks shared by admission and execution

    /// Checks that need no state: size, chain, fuel against the protocol maximum, payload form.
    static func statelessRejection(_ transaction: Transaction, chainId: String) -> TransactionRejection? {
        if case .failure(let rejection) = statelessCheck(transaction, chainId: chainId) { return rejection }
        return nil
    }

    /// A call's payload as the stateless checks decoded it, so that execution does not decode it again.
    struct CheckedPayload {
        /// Set for a call; nil for the other kinds, whose execution decodes its own payload.
        var call: CallPayload?
    }

    /// `statelessRejection`'s checks, returning a call's decoded payload when they pass.
    static func statelessCheck(_ transaction: Transaction, chainId: String) -> Result<CheckedPayload, TransactionRejection> {
        let size = transaction.encodedByteCount
        guard size <= Limits.transactionBytesMax else { return .failure(.tooLarge(bytes: size, limit: Limits.transactionBytesMax)) }
        guard transaction.body.chainId == chainId else {
            return .failure(.wrongChain(expected: chainId, received: transaction.body.chainId))
        }
        var checked = CheckedPayload(call: nil)
        do {
            switch transaction.body.kind {
            case .deploy: _ = try DeployPayload(canonicalBytes: transaction.body.payload)
            case .call: checked.call = try CallPayload(canonicalBytes: transaction.body.payload)
            case .governance: _ = try GovernanceAction(canonicalBytes: transaction.body.payload)
            case .account: _ = try AccountAction(canonicalBytes: transaction.body.payload)
            case .node: _ = try NodeAction(canonicalBytes: transaction.body.payload)
            }
        } catch {
            return .failure(.malformedPayload("\(transaction.body.kind) payload: \(error)"))
        }
        return .success(checked)
    }

    /// What the checks of a sender against state found.
    enum SenderCheck {
        /// The sender may send the transaction; its account as the state holds it (read once, used by the caller).
        case passed(AccountRecord)
        case rejected(TransactionRejection)
    }

    /// Checks of the sender against state: registered, not suspended, department present, role, expiry, fuel.
    static func senderCheck(
        _ transaction: Transaction, state: BlockState, height: UInt64, parameters: ChainParameters
    ) throws(LedgerError) -> SenderCheck {
        if let rejection = limitsRejection(transaction, height: height, parameters: parameters) { return .rejected(rejection) }
        return rightsCheck(transaction, account: try state.account(transaction.body.sender), departmentExists: state.departmentExists)
    }

    /// `senderCheck` with the sender's account already read (nil: none), and `departmentExists` answering
    /// for the account's department; admission passes what it remembers for the sender
    /// (`AdmissionReads.sender`). The checks and their order are the same as for execution.
    static func senderCheck(
        _ transaction: Transaction, height: UInt64, parameters: ChainParameters, account: AccountRecord?,
        departmentExists: (String) -> Bool
    ) -> SenderCheck {
        if let rejection = limitsRejection(transaction, height: height, parameters: parameters) { return .rejected(rejection) }
        return rightsCheck(transaction, account: account, departmentExists: departmentExists)
    }

    /// The checks of `senderCheck` against the sender's account: registered, not suspended, department present, role.
    private static func rightsCheck(
        _ transaction: Transaction, account: AccountRecord?, departmentExists: (String) -> Bool
    ) -> SenderCheck {
        let body = transaction.body
        guard let account else { return .rejected(.unknownSender(body.sender)) }
        guard !account.suspended else { return .rejected(.senderSuspended(body.sender)) }
        guard departmentExists(account.department) else { return .rejected(.departmentRemoved(account.department)) }
        let required = requiredRoles(body.kind)
        guard required.contains(where: account.has) else { return .rejected(.roleNotAllowed(kind: body.kind, required: required)) }
        return .passed(account)
    }

    /// The checks of `senderCheck` that need only the transaction and the chain parameters: fuel and expiry.
    private static func limitsRejection(_ transaction: Transaction, height: UInt64, parameters: ChainParameters) -> TransactionRejection? {
        let body = transaction.body
        guard body.fuelLimit <= parameters.consensus.blockFuelMax else {
            return .fuelLimitTooHigh(fuelLimit: body.fuelLimit, blockFuelMax: parameters.consensus.blockFuelMax)
        }
        guard body.fuelLimit <= parameters.consensus.transactionFuelMax else {
            return .transactionFuelTooHigh(fuelLimit: body.fuelLimit, transactionFuelMax: parameters.consensus.transactionFuelMax)
        }
        let intrinsic = LedgerFuel.intrinsic(kind: body.kind, payloadBytes: body.payload.count)
        guard body.fuelLimit >= intrinsic else { return .fuelLimitTooLow(fuelLimit: body.fuelLimit, required: intrinsic) }
        guard body.expiryHeight >= height else { return .expired(expiryHeight: body.expiryHeight, height: height) }
        return nil
    }

    /// The roles that may send each kind of transaction (DESIGN §5: auditors only read).
    static func requiredRoles(_ kind: TransactionKind) -> [Genesis.Role] {
        switch kind {
        case .call: callerRoles
        case .deploy, .governance, .account, .node: adminRoles
        }
    }

    /// Built once: `senderCheck` asks for every transaction.
    private static let callerRoles: [Genesis.Role] = [.admin, .issuer, .submitter]
    private static let adminRoles: [Genesis.Role] = [.admin]

    /// Whether every transaction passes the checks that need no state: form, size, chain, payload and
    /// signature (PBFT-NOTES rule 24: replicas refuse a pre-prepare carrying a transaction no correct
    /// primary could have admitted). Signatures are recovered on every core, except those `verified` holds.
    public static func screen(_ transactions: [Transaction], chainId: String, verified: VerifiedSignatures? = nil) -> Bool {
        guard transactions.allSatisfy({ statelessRejection($0, chainId: chainId) == nil }) else { return false }
        return checkSignatures(transactions, verified: verified).allSatisfy { $0.error == nil }
    }

    /// Hashes every transaction and recovers its signer, in parallel over every core; the error is nil
    /// where the signature recovers to the sender. Each hash is computed once and reused by execution.
    /// A transaction whose exact signature `verified` holds is not recovered again, and every signature
    /// that recovers to its sender is added to it.
    ///
    /// The cache is asked first, on the calling thread, and only the signatures it does not hold are spread
    /// over the cores. Why: a proposal's and a committed block's transactions were all admitted here
    /// before, so usually every one is a hit, and asking from every core at once only made the cores wait
    /// for the cache's locks (issue 18). Each signature the cache did not hold is looked up once more just
    /// before it is recovered, which costs a lookup beside a recovery's 40-odd µs.
    ///
    /// `recover` is `signatureError` but in tests, which count the recoveries.
    static func checkSignatures(
        _ transactions: [Transaction], verified: VerifiedSignatures? = nil, concurrently: Bool = true,
        recover: @escaping @Sendable (Transaction) -> TransactionSignatureError? = signatureError
    ) -> [(hash: Hash, error: TransactionSignatureError?)] {
        var results = transactions.map { (hash: $0.hash, error: TransactionSignatureError?.none) }
        let unverified = transactions.indices.filter { index in
            guard let verified else { return true }
            return !verified.contains(results[index].hash, signature: transactions[index].signature)
        }
        let count = unverified.count
        guard count > 0 else { return results }
        let chunks = concurrently ? min(count, processorCount * 4) : 1
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let output = buffer
            let recoverChunk: @Sendable (Int) -> Void = { chunk in
                for index in unverified[(count * chunk / chunks)..<(count * (chunk + 1) / chunks)] {
                    let hash = output[index].hash
                    let signature = transactions[index].signature
                    // Asked again: gossip admission or another block's check may have recovered it since the
                    // filter above. A proposal's recoveries overlapped the gossip admitting the same
                    // transactions, and both recovered them: up to 11 % more recoveries per node (issue 18).
                    if let verified, verified.contains(hash, signature: signature) { continue }
                    let error = recover(transactions[index])
                    if error == nil { verified?.insert(hash, signature: signature) }
                    output[index].error = error
                }
            }
            if chunks == 1 {
                recoverChunk(0)
            } else {
                DispatchQueue.concurrentPerform(iterations: chunks, execute: recoverChunk)
            }
        }
        return results
    }

    /// The cores signature recovery spreads over, read once: `ProcessInfo` reads a file every time it is asked.
    private static let processorCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Why the signature of `transaction` does not recover to its sender (`Transaction.verifySignature`); nil
    /// when it does.
    static func signatureError(_ transaction: Transaction) -> TransactionSignatureError? {
        do {
            try transaction.verifySignature()
            return nil
        } catch {
            return error
        }
    }

    // MARK: Genesis

    static func writeGenesis(_ bundle: GenesisBundle, store: any KeyValueStore) throws(LedgerError) {
        let state = BlockState(reader: store)
        try GenesisState.apply(bundle, to: state)
        let changes = state.changes.map { StateChange(key: $0.key, value: $0.value) }
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        let update: TreeUpdate
        do {
            update = try tree.update(changes, version: 0, previousVersion: nil)
        } catch {
            throw .corruption("genesis state tree: \(error)")
        }
        var writer = KeyValueTreeWriter()
        writer.write(update)
        var batch = writer.batch
        for change in changes {
            if let value = change.value { batch.put(value, for: IndexKeys.flatState(change.key), in: .indexes) }
        }
        for entry in try state.departmentAccountEntries() { batch.put(BlockState.departmentAccountMarker, for: entry, in: .indexes) }
        batch.put(BlockState.departmentAccountMarker, for: IndexKeys.departmentAccountsComplete, in: .metadata)
        batch.put(
            HeightRoots(stateRoot: update.rootHash, receiptsRoot: MerkleRoot.empty).canonicalBytes, for: IndexKeys.roots(height: 0),
            in: .indexes)
        batch.put(bundle.genesis.hash.bytes, for: IndexKeys.genesisHash, in: .metadata)
        do {
            try store.write(batch, sync: true)
        } catch {
            throw .storage(error)
        }
    }

    static func roots(at height: UInt64, in store: any KeyValueReader) throws(LedgerError) -> HeightRoots {
        let bytes: [UInt8]?
        do {
            bytes = try store.get(IndexKeys.roots(height: height), in: .indexes)
        } catch {
            throw .storage(error)
        }
        guard let bytes else { throw .corruption("no roots recorded for height \(height)") }
        do {
            return try HeightRoots(canonicalBytes: bytes)
        } catch {
            throw .corruption("roots of height \(height): \(error)")
        }
    }
}
