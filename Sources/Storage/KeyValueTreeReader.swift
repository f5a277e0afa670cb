import ChainTypes
import StateTree

/// Reads state tree nodes from the `treeNodes` family of any key-value store or snapshot.
///
/// Generic over the store by protocol, so the same code runs on `MemoryKeyValueStore` and RocksDB;
/// reading through a snapshot gives a tree that later blocks cannot change under a reader.
public struct KeyValueTreeReader: TreeReader {
    /// The store or snapshot the nodes are read from.
    public let store: any KeyValueReader
    /// Nodes of the latest versions kept in memory (block execution's reader only); nil: every node is read.
    public let cache: TreeNodeCache?

    public init(store: any KeyValueReader, cache: TreeNodeCache? = nil) {
        self.store = store
        self.cache = cache
    }

    public func node(at key: NodeKey) throws(StateTreeError) -> TreeNode? {
        if let cache, let node = cache.node(at: key) { return node }
        guard let node = try read(key) else { return nil }
        cache?.insert(CollectionOfOne((key: key, node: node)))
        return node
    }

    private func read(_ key: NodeKey) throws(StateTreeError) -> TreeNode? {
        let bytes: [UInt8]?
        do {
            bytes = try store.get(TreeNodeKeys.node(key), in: .treeNodes)
        } catch {
            throw .storage(message: error.description)
        }
        guard let bytes else { return nil }
        do {
            return try TreeNode(canonicalBytes: bytes)
        } catch {
            throw .corruptNode(key, reason: error.description)
        }
    }
}
