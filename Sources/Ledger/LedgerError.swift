import ChainTypes
import StateTree
import Storage

/// Why the ledger cannot execute, finalize or read: storage failures and blocks that break the chain.
///
/// These are node-level faults, not transaction failures: a block that does not follow the ledger, a
/// state root that disagrees with the header, or a damaged store. The node stops and reports them.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The key-value store failed (I/O, a closed store, a refused batch).
    case storage(StorageError)
    /// The block store refused a block or failed to read or write one.
    case blockStore(BlockStoreError)
    /// The state tree failed to read, prove or update a version (`version` is the tree version asked for).
    case stateTree(StateTreeError, version: UInt64)
    case corruption(String)
    /// A block that is not the next height.
    case unexpectedHeight(expected: UInt64, received: UInt64)
    /// The header's state root is not this ledger's root after the parent: the node has diverged.
    case stateRootMismatch(height: UInt64, header: Hash, local: Hash)
    case previousReceiptsRootMismatch(height: UInt64, header: Hash, local: Hash)
    /// `finalize` was given a block other than the one last executed.
    case notExecuted(height: UInt64)
    case genesis(GenesisError)
    /// The store belongs to another chain (its genesis hash differs).
    case genesisMismatch(stored: Hash, expected: Hash)
    case invalidBlock(String)
    /// The state after `height` is no longer kept (`storage.history = "recent N"`); the oldest kept state
    /// is the one after `oldestHeight`.
    case statePruned(height: UInt64, oldestHeight: UInt64)

    public var description: String {
        switch self {
        case .storage(let error): "storage: \(error)"
        case .blockStore(let error): "block store: \(error)"
        case .stateTree(let error, let version): "state tree at version \(version): \(error)"
        case .corruption(let message): "corrupted ledger: \(message)"
        case .unexpectedHeight(let expected, let received): "expected block \(expected), received \(received)"
        case .stateRootMismatch(let height, let header, let local):
            "block \(height) carries state root \(header), but the local state root is \(local)"
        case .previousReceiptsRootMismatch(let height, let header, let local):
            "block \(height) carries receipts root \(header), but the local receipts root is \(local)"
        case .notExecuted(let height): "block \(height) was not the block last executed"
        case .genesis(let error): error.description
        case .genesisMismatch(let stored, let expected): "the data directory holds chain \(stored), not \(expected)"
        case .invalidBlock(let message): "invalid block: \(message)"
        case .statePruned(let height, let oldestHeight):
            "the state after height \(height) is pruned; the oldest state this node keeps is after height \(oldestHeight)"
        }
    }
}
