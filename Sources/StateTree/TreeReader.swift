/// Reads stored nodes by key: the only way the tree sees storage.
///
/// Implementations: `MemoryTreeStore` here, and the key-value-store-backed reader in `Storage`, which
/// works over the in-memory store and RocksDB alike. Keeping this protocol tiny is what keeps
/// `StateTree` free of storage imports (DESIGN §2).
public protocol TreeReader: Sendable {
    /// The node stored under `key`, or nil when there is none.
    func node(at key: NodeKey) throws(StateTreeError) -> TreeNode?
}

/// Records an update's new nodes and stale-node records.
///
/// The key-value implementation appends them to a `WriteBatch`, so the caller decides when (and with
/// which block) they reach disk.
public protocol TreeWriter {
    /// Records `update`'s nodes and stale-node records; a later write of the same node key wins.
    mutating func write(_ update: TreeUpdate)
}
