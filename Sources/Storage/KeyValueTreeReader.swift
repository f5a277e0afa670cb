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
        if case .internal = node { cache?.insert([(key: key, node: node)]) }
        return node
    }

    /// The cache's nodes first, under one lock; the others with one `KeyValueReader.get(keys:in:)` per
    /// `StorageLimits.getKeysMax` keys.
    public func nodes(at keys: [NodeKey]) throws(StateTreeError) -> [TreeNode?] {
        var nodes = cache?.nodes(at: keys) ?? [TreeNode?](repeating: nil, count: keys.count)
        let missing = nodes.indices.filter { nodes[$0] == nil }
        var read: [(key: NodeKey, node: TreeNode)] = []
        defer { cache?.insert(read) }
        var start = 0
        while start < missing.count {
            let indices = missing[start..<min(missing.count, start + StorageLimits.getKeysMax)]
            start = indices.endIndex
            let values: [[UInt8]?]
            do {
                values = try store.get(keys: indices.map { TreeNodeKeys.node(keys[$0]) }, in: .treeNodes)
            } catch {
                throw .storage(message: error.description)
            }
            guard values.count == indices.count else {
                throw .storage(message: "the store returned \(values.count) values for \(indices.count) keys")
            }
            for (index, bytes) in zip(indices, values) {
                guard let bytes else { continue }
                let node = try decode(bytes, key: keys[index])
                nodes[index] = node
                read.append((keys[index], node))
            }
        }
        return nodes
    }

    private func read(_ key: NodeKey) throws(StateTreeError) -> TreeNode? {
        let bytes: [UInt8]?
        do {
            bytes = try store.get(TreeNodeKeys.node(key), in: .treeNodes)
        } catch {
            throw .storage(message: error.description)
        }
        guard let bytes else { return nil }
        return try decode(bytes, key: key)
    }

    private func decode(_ bytes: [UInt8], key: NodeKey) throws(StateTreeError) -> TreeNode {
        do {
            return try TreeNode(canonicalBytes: bytes)
        } catch {
            throw .corruptNode(key, reason: error.description)
        }
    }
}
