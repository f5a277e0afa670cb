/// An in-memory node store, for tests of the tree and for tools; a value, so it is trivially `Sendable`.
///
/// It keeps every node ever written plus the stale-node records, and prunes exactly as the key-value
/// store does, so tests can check pruning without storage.
public struct MemoryTreeStore: TreeReader, TreeWriter, Sendable {
    /// Every stored node by key, across all versions not yet pruned.
    public private(set) var nodes: [NodeKey: TreeNode] = [:]
    /// Stale-node records not yet pruned, in the order updates produced them.
    public private(set) var staleNodes: [StaleNodeRecord] = []

    public init() {}

    public func node(at key: NodeKey) throws(StateTreeError) -> TreeNode? {
        nodes[key]
    }

    public mutating func write(_ update: TreeUpdate) {
        for (key, node) in update.nodes { nodes[key] = node }
        staleNodes.append(contentsOf: update.staleNodes)
    }

    /// Deletes the nodes that no version at or above `retainedVersion` reaches, with their records.
    public mutating func prune(retaining retainedVersion: UInt64) {
        var kept: [StaleNodeRecord] = []
        for record in staleNodes {
            if record.staleSinceVersion <= retainedVersion {
                nodes[record.nodeKey] = nil
            } else {
                kept.append(record)
            }
        }
        staleNodes = kept
    }
}
