/// Reads stored nodes by key: the only way the tree sees storage.
///
/// Implementations: `MemoryTreeStore` here, and the key-value-store-backed reader in `Storage`, which
/// works over the in-memory store and RocksDB alike. Keeping this protocol tiny is what keeps
/// `StateTree` free of storage imports (DESIGN §2).
public protocol TreeReader: Sendable {
    /// The node stored under `key`, or nil when there is none.
    func node(at key: NodeKey) throws(StateTreeError) -> TreeNode?

    /// The nodes stored under `keys`, in order: for each, what `node(at:)` returns.
    ///
    /// A block's update needs thousands of nodes at each level of the tree, at a million keys mostly leaves
    /// that no cache holds; a store reads them together (RocksDB's MultiGet) for less than one read each.
    /// Throws what reading the keys one at a time, in order, would throw first. The default does that.
    func nodes(at keys: [NodeKey]) throws(StateTreeError) -> [TreeNode?]
}

extension TreeReader {
    public func nodes(at keys: [NodeKey]) throws(StateTreeError) -> [TreeNode?] {
        var nodes: [TreeNode?] = []
        nodes.reserveCapacity(keys.count)
        for key in keys { nodes.append(try node(at: key)) }
        return nodes
    }
}

/// Records an update's new nodes and stale-node records.
///
/// The key-value implementation appends them to a `WriteBatch`, so the caller decides when (and with
/// which block) they reach disk.
public protocol TreeWriter {
    /// Records `update`'s nodes and stale-node records; a later write of the same node key wins.
    mutating func write(_ update: TreeUpdate)
}
