import ChainTypes

/// What the RPC server needs from the node: the server's only view of the ledger, mempool and consensus.
///
/// DESIGN §2 forbids `RPCServer` to import `Ledger`, `Consensus` or `Storage`; the node implements this
/// protocol over them instead, so the server and its tests run against any backend (the tests use a fake).
/// Expected outcomes are values (`nil` receipt, `TransactionSubmission.rejected`); failures are typed
/// `RPCBackendError`s that map to JSON-RPC error codes. Values the server cannot decode itself (contract
/// results and events, decoded by the contracts' interface descriptions) arrive as plain JSON.
public protocol RPCBackend: Sendable {
    // MARK: Node

    /// The node's identity and progress, for `node_status`.
    func nodeStatus() async throws(RPCBackendError) -> NodeStatus

    /// Whether the node should receive traffic (synced and connected to a quorum); drives GET `/readyz`.
    func isReady() async -> Bool

    /// The peers with an open, authenticated link, by name (`node_peers`).
    func peers() async throws(RPCBackendError) -> [PeerInfo]

    /// Why the node is or is not ready (`node_health`).
    func health() async throws(RPCBackendError) -> NodeHealth

    /// Writes a consistent copy of the node's data directory to `directory` on the node's machine
    /// (`node_backup`), marked so that a node started on it recovers before voting (ADR 0016).
    func backup(to directory: String) async throws(RPCBackendError) -> NodeBackup

    // MARK: Transactions

    /// Offers a decoded, not yet signature-checked transaction to the mempool.
    ///
    /// The node checks the signature, chain id, sender, nonce and limits; resubmitting a transaction that
    /// is already pending is accepted again (idempotent), so a client may retry after a lost response.
    func submitTransaction(_ transaction: Transaction) async throws(RPCBackendError) -> TransactionSubmission

    /// Offers several transactions, in order, with the outcome `submitTransaction` would give each.
    ///
    /// A batch of `tx_send` calls arrives here as one job (`RPCEngine`) instead of one job per call, so a
    /// node can recover the batch's signatures on every core before admitting the transactions one by one;
    /// the default submits them one after another.
    func submitTransactions(_ transactions: [Transaction]) async -> [Result<TransactionSubmission, RPCBackendError>]

    /// The receipt of a committed transaction with its position, or nil when no committed block holds it.
    func receipt(forTransaction hash: Hash) async throws(RPCBackendError) -> CommittedReceipt?

    /// A committed transaction with its position and outcome, or nil when no committed block holds it.
    func transaction(hash: Hash) async throws(RPCBackendError) -> CommittedTransaction?

    /// Whether the node's mempool holds the transaction (submitted, not yet committed), for `txStatus`.
    func isPending(transaction hash: Hash) async throws(RPCBackendError) -> Bool

    /// One page of the committed transactions matching `filter`, oldest first, strictly after `cursor`.
    ///
    /// A page holds at most `limit` transactions and ends early, with `nextCursor` set, when the search
    /// used up its scan budget (`RPCLimits.searchScanBlocksMax`, `searchScanEntriesMax`).
    func searchTransactions(_ filter: TransactionFilter, after cursor: TransactionCursor?, limit: Int) async throws(RPCBackendError)
        -> TransactionPage

    // MARK: Chain

    /// The height of the latest committed block (0 before the first block).
    func latestHeight() async throws(RPCBackendError) -> UInt64

    /// The committed block at `height`.
    ///
    /// Throws `.unknownBlock` above the latest height and `.pruned` below the lowest retained one.
    func block(atHeight height: UInt64) async throws(RPCBackendError) -> Block

    /// The committed block with this hash, or nil when no committed block has it.
    func block(hash: Hash) async throws(RPCBackendError) -> Block?

    /// The headers of blocks `from` through `to` that are committed, in height order.
    ///
    /// Throws `.unknownBlock` when `from` is above the latest height; a `to` above it is cut to it. The
    /// server keeps `to - from` below `RPCLimits.headersMax`.
    func headers(from: UInt64, to: UInt64) async throws(RPCBackendError) -> [BlockHeader]

    /// The commit certificate of the block at `height` (throws `.unknownBlock` above the latest height).
    func commitCertificate(atHeight height: UInt64) async throws(RPCBackendError) -> CommitCertificate

    /// The genesis document the chain started from.
    func genesis() async throws(RPCBackendError) -> Genesis

    // MARK: Events and state

    /// One page of the events matching `filter`, oldest first, strictly after `cursor` (as `searchTransactions`).
    func queryEvents(_ filter: EventFilter, after cursor: EventCursor?, limit: Int) async throws(RPCBackendError) -> EventPage

    /// A contract storage value after block `height` (default: the latest committed block).
    func storageValue(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> StateValue

    /// A contract storage value with its state proof, the root it proves against, and the header and
    /// commit certificate that certify that root (DESIGN §4 record proof).
    ///
    /// `height` defaults to the latest height whose root a committed header carries (the latest height
    /// minus one); for the latest height itself the header and certificate are nil until the next block.
    func storageProof(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> StorageProofRecord

    /// The canonical encoding of an evidence bundle for a storage value after `height` (default: the
    /// latest certified height); `.unknownBlock` when no committed header certifies that state yet.
    func evidence(contract: Address, key: [UInt8], height: UInt64?) async throws(RPCBackendError) -> [UInt8]

    // MARK: Contracts

    /// Runs a read-only contract call after block `height` (default: the latest); writes and events trap.
    ///
    /// Throws `.invalidArgument` when a `{method, args}` input does not match the contract's interface
    /// or the contract has none, and `.notFound` when no contract is at `contract`.
    func callContract(_ contract: Address, input: ContractCallInput, height: UInt64?) async throws(RPCBackendError)
        -> ContractCallResult

    /// A deployed contract's record and interface, or nil when no contract is at `address`.
    func contractInfo(_ address: Address) async throws(RPCBackendError) -> ContractInfo?

    /// The current state of licence or certificate `id` and its history, decoded, or nil when unknown.
    func record(_ kind: RecordKind, id: String) async throws(RPCBackendError) -> RecordInfo?

    // MARK: Consensus, membership, governance

    /// The validator set deciding block `height` (default: the next block).
    ///
    /// Throws `.unknownBlock` for a height above the next one, whose set is not yet known.
    func validators(atHeight height: UInt64?) async throws(RPCBackendError) -> ValidatorEpoch

    /// The replica's progress as the node sees it (`consensus_getStatus`).
    func consensusStatus() async throws(RPCBackendError) -> ConsensusStatus

    /// The chain parameters in force (set at genesis, changed by governance).
    func parameters() async throws(RPCBackendError) -> NetworkParameters

    /// Every department, in registration order.
    func departments() async throws(RPCBackendError) -> [DepartmentInfo]

    /// Every registered node: the current validators in set order, then the observers in order registered.
    func nodes() async throws(RPCBackendError) -> [NodeInfo]

    /// A registered account, or nil when `address` is not one.
    func account(_ address: Address) async throws(RPCBackendError) -> AccountInfo?

    /// The accounts of department `department` in address order, after `after`, at most `limit`; nil when no
    /// department has that id.
    func accounts(department: String, after: Address?, limit: Int) async throws(RPCBackendError) -> [AccountInfo]?

    /// Governance proposals, newest first, optionally only those with `status`, with ids below `beforeId`.
    func proposals(status: ProposalState?, beforeId: UInt64?, limit: Int) async throws(RPCBackendError) -> [ProposalInfo]
}

/// Why the backend could not answer; each case maps to one JSON-RPC error code.
extension RPCBackend {
    public func submitTransactions(_ transactions: [Transaction]) async -> [Result<TransactionSubmission, RPCBackendError>] {
        await submitOneByOne(transactions)
    }

    /// `submitTransaction` of each transaction in turn: what `submitTransactions` answers, for backends that
    /// add work around it (recovering the signatures first).
    public func submitOneByOne(_ transactions: [Transaction]) async -> [Result<TransactionSubmission, RPCBackendError>] {
        var outcomes: [Result<TransactionSubmission, RPCBackendError>] = []
        outcomes.reserveCapacity(transactions.count)
        for transaction in transactions {
            do throws(RPCBackendError) {
                outcomes.append(.success(try await submitTransaction(transaction)))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }

    /// Backends without a data directory (tests, other servers) have nothing to back up.
    public func backup(to directory: String) async throws(RPCBackendError) -> NodeBackup {
        throw .internalFailure("this server keeps no data directory to back up")
    }
}

/// A backup `node_backup` made: where, and the height the copy holds at least.
public struct NodeBackup: Hashable, Sendable {
    /// The backup's directory on the node's machine: a data directory, to be copied into place to restore.
    public var directory: String
    /// The node's committed height just before the copy; the copy holds this block or a later one.
    public var heightAtLeast: UInt64

    public init(directory: String, heightAtLeast: UInt64) {
        self.directory = directory
        self.heightAtLeast = heightAtLeast
    }
}

public enum RPCBackendError: Error, Equatable, Sendable {
    /// No block at `height`; `latestHeight` is the node's highest committed block (−32002).
    case unknownBlock(height: UInt64, latestHeight: UInt64)
    /// The block or record at `height` is no longer kept; the lowest retained height is given (−32003).
    case pruned(height: UInt64, lowestRetainedHeight: UInt64)
    /// A named record does not exist (−32001).
    case notFound(String)
    /// A well-formed parameter the node cannot use, such as arguments that do not fit a contract
    /// method (−32602); the text says why.
    case invalidArgument(String)
    /// The node failed (storage error, shutting down); the detail is logged, never sent to clients (−32603).
    case internalFailure(String)
}

/// The outcome of offering a transaction to the node.
public enum TransactionSubmission: Equatable, Sendable {
    /// The mempool holds the transaction; it will be proposed in a later block.
    case accepted
    /// The node refused it, for a reason the client can act on.
    case rejected(TransactionRejection)
}
