import ChainTypes
import StateTree
import Storage
import Synchronization

/// The application behind consensus: everything the node asks of the ledger, and nothing else (DESIGN §4).
///
/// The node's replica driver calls `check` when a transaction arrives (mempool admission), `execute` for
/// each committed block in height order, then `finalize` with the block's commit certificate to make the
/// block and all its effects durable in one synced batch. RPC and peers read through `view`, a consistent
/// snapshot at the latest finalized height. Keeping the boundary this narrow lets tests drive the ledger
/// without a network and lets the node never touch ledger storage directly.
public protocol Application: AnyObject, Sendable {
    /// Checks `transaction` against the latest finalized state for admission to the mempool.
    ///
    /// `context` tells which of the sender's transactions the mempool already holds, so the expected nonce
    /// is the one after them (`AdmissionContext.expectedNonce(accountNonce:)`), and how far past it the
    /// mempool queues future nonces. An admitted transaction comes back with the account's nonce in the
    /// state the check read, so the mempool places it (ready or waiting for a gap) against that same state.
    func check(_ transaction: Transaction, context: AdmissionContext) -> Result<Admission, TransactionRejection>

    /// Executes the committed `block` (the next height) and returns its effects without writing them.
    func execute(_ block: Block) throws(LedgerError) -> ExecutedBlock

    /// Writes an executed block, its certificate, state, receipts and indexes in one synced batch.
    func finalize(_ executed: ExecutedBlock, certificate: CommitCertificate) throws(LedgerError)

    /// A read-only view of the latest finalized state, consistent across all of its reads.
    func view() throws(LedgerError) -> LedgerView
}

/// What the mempool knows about a sender when it asks the ledger to check a transaction.
public struct AdmissionContext: Hashable, Sendable {
    /// Transactions of this sender already admitted and not yet committed.
    public var pendingFromSender: UInt64
    /// The nonce of the first of those (they are consecutive), when the mempool says.
    ///
    /// The mempool drops a block's transactions only after the ledger has finalized the block, so for a
    /// moment its pending transactions may include some that the account's nonce already counts. Knowing
    /// where they start, the ledger expects the later of the account's nonce and the end of the pending run
    /// instead of their sum, which would refuse the sender's next transaction as a replay.
    public var firstPendingNonce: UInt64?

    /// How many nonces past the expected one the mempool queues until the gap fills; 0 refuses every gap.
    public var futureNonceWindow: UInt64

    public init(pendingFromSender: UInt64 = 0, firstPendingNonce: UInt64? = nil, futureNonceWindow: UInt64 = 0) {
        self.pendingFromSender = pendingFromSender
        self.firstPendingNonce = firstPendingNonce
        self.futureNonceWindow = futureNonceWindow
    }

    /// The nonce the sender's next transaction must carry when the account's next nonce is `accountNonce`.
    public func expectedNonce(accountNonce: UInt64) -> UInt64 {
        guard let first = firstPendingNonce, pendingFromSender > 0 else { return accountNonce &+ pendingFromSender }
        return max(accountNonce, first &+ pendingFromSender)
    }
}

/// What the ledger read when it admitted a transaction.
public struct Admission: Hashable, Sendable {
    /// The sender's next nonce in the state the check read (0 for an account that has sent nothing).
    public var accountNonce: UInt64
    /// The sender's department ("" for an account the state does not hold): blocks give departments
    /// turns before senders, so one department's many accounts cannot crowd out another department.
    public var department: String

    public init(accountNonce: UInt64, department: String = "") {
        self.accountNonce = accountNonce
        self.department = department
    }
}

/// The effects of one executed block: what consensus needs next, and the batch `finalize` writes.
public struct ExecutedBlock: Sendable {
    public let block: Block
    /// The state root after this block (carried by the header of the next block).
    public let stateRoot: Hash
    /// The Merkle root of `receipts` (carried by the header of the next block).
    public let receiptsRoot: Hash
    public let receipts: [Receipt]
    /// A validator set decided in this block, with the height it takes effect (PBFT-NOTES rule 20).
    public let validatorSetChange: (validators: ValidatorSet, activationHeight: UInt64)?
    /// Tree nodes, flat state, receipts and indexes of this block (not the block itself).
    let writes: WriteBatch
    /// Transaction-index entries written after the block's own, so a rejected replay keeps pointing at
    /// the inclusion that counted.
    let locationFixups: [(hash: Hash, location: TransactionLocation)]
    /// The state tree nodes among `writes`, for the ledger's node cache once they are finalized (it keeps the
    /// internal ones; the next block reads a leaf again only when it changes the same key).
    let treeNodes: TreeNodeHandoff

    init(
        block: Block, stateRoot: Hash, receiptsRoot: Hash, receipts: [Receipt],
        validatorSetChange: (validators: ValidatorSet, activationHeight: UInt64)?, writes: WriteBatch,
        locationFixups: [(hash: Hash, location: TransactionLocation)], treeNodes: [(key: NodeKey, node: TreeNode)] = []
    ) {
        self.treeNodes = TreeNodeHandoff(treeNodes)
        self.locationFixups = locationFixups
        self.block = block
        self.stateRoot = stateRoot
        self.receiptsRoot = receiptsRoot
        self.receipts = receipts
        self.validatorSetChange = validatorSetChange
        self.writes = writes
    }

    public var height: UInt64 { block.height }

    /// Bytes of keys and values `finalize` writes besides the block and its certificate (tests compare it
    /// with the write budget, `docs/ledger.md` §5).
    public var writeBytes: Int { writes.byteCount }

    /// The keys `finalize` writes besides the block and its certificate, grouped by column family and first
    /// key byte (which tells the kinds of record in a family apart: tree nodes from stale-node records, one
    /// index from another), in family and byte order.
    ///
    /// Why: each key is one insert into a memtable's skip list, and those inserts are most of what a
    /// block's synced write costs (issue 18, deliver 6); benchmarks print this beside finalize's time.
    public var writeGroups: [WriteGroup] {
        var groups: [WriteGroup.Kind: (keys: Int, bytes: Int)] = [:]
        for entry in writes.entries {
            let kind = WriteGroup.Kind(family: entry.family, firstKeyByte: writes.key(of: entry).first)
            groups[kind, default: (0, 0)].keys += 1
            groups[kind, default: (0, 0)].bytes += entry.keyCount + entry.valueCount
        }
        return groups.map { WriteGroup(kind: $0.key, keys: $0.value.keys, bytes: $0.value.bytes) }.sorted { $0.kind < $1.kind }
    }
}

/// The keys of one kind an executed block writes (`ExecutedBlock.writeGroups`).
public struct WriteGroup: Hashable, Sendable {
    /// A column family and the first byte of the keys written to it (nil for an empty key).
    public struct Kind: Hashable, Sendable, Comparable {
        public let family: ColumnFamily
        public let firstKeyByte: UInt8?

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            if lhs.family != rhs.family { return lhs.family < rhs.family }
            return (lhs.firstKeyByte.map { Int($0) } ?? -1) < (rhs.firstKeyByte.map { Int($0) } ?? -1)
        }
    }

    public let kind: Kind
    /// Operations (puts and deletes) of this kind.
    public let keys: Int
    /// Bytes of their keys and values.
    public let bytes: Int
}

/// An executed block's state tree nodes, held until the block is finalized and then taken, once, by the
/// ledger's node cache (`TreeNodeCache.insert(taking:)`).
///
/// Why taken rather than read: the update's own list, held here alone, lets the cache move each internal node
/// in instead of copying it. Read, every node cost a retain and a release of each of its two arrays, and
/// filtered into a list of their own beforehand, as many again and an allocation (issue 18: the largest
/// share of a block's retains). The leaves it keeps alive until then, values the block's batch holds a copy
/// of anyway, are freed with it at finalization (before: at the end of execution).
final class TreeNodeHandoff: Sendable {
    private let nodes: Mutex<[(key: NodeKey, node: TreeNode)]>

    init(_ nodes: [(key: NodeKey, node: TreeNode)]) {
        self.nodes = Mutex(nodes)
    }

    /// The nodes, taken out: later calls return none.
    func take() -> [(key: NodeKey, node: TreeNode)] {
        nodes.withLock { nodes in
            var taken: [(key: NodeKey, node: TreeNode)] = []
            swap(&taken, &nodes)
            return taken
        }
    }
}
