import ChainTypes

/// The output of one batch update: the new root and every node write it implies.
///
/// A value, not an effect (DESIGN §1.1): a `TreeWriter` turns it into storage writes, normally into the
/// same `WriteBatch` as the block that produced it, so the tree and the block commit atomically.
public struct TreeUpdate: Sendable {
    /// The version (block height) the update writes.
    public let version: UInt64
    /// The root hash of the tree at `version`.
    public let rootHash: Hash
    /// Nodes to store, each under its key; all have `version` as their version.
    public let nodes: [(key: NodeKey, node: TreeNode)]
    /// Nodes that `version` no longer reaches; they can be pruned once no version below `version` is kept.
    public let staleNodes: [StaleNodeRecord]
    /// `nodes` in their storage form, in the same order: each node's key (`NodeKey.encodedBytes`), then its
    /// canonical encoding, back to back; `encodedNodeBounds[i]` is where node `i`'s key and encoding end.
    ///
    /// Why: encoded when the update builds each node, while it is in the processor's caches; encoded by the
    /// writer, every node was read from memory again, and with four validators sharing the cores at a million
    /// licences that was about a tenth of execution (issue 18). A writer copies these bytes as they are.
    public let encodedNodes: [UInt8]
    /// Where each node's key, then its encoding, ends in `encodedNodes`, in `nodes`' order.
    public let encodedNodeBounds: [(keyEnd: Int, end: Int)]

    /// `nodes`, taken from the update it ends: the list is then not shared, so its holder can change it in
    /// place and move its nodes out without copying them (block execution hands them to the node cache).
    public consuming func takeNodes() -> [(key: NodeKey, node: TreeNode)] {
        nodes
    }
}

/// A node that became unreachable at `staleSinceVersion`: versions before it still need it, later ones not.
///
/// Pruning keeps every version at or above a retained version `r` by deleting exactly the nodes whose
/// record has `staleSinceVersion <= r` (`docs/state-tree.md` §Pruning).
public struct StaleNodeRecord: Hashable, Sendable {
    public let staleSinceVersion: UInt64
    public let nodeKey: NodeKey

    public init(staleSinceVersion: UInt64, nodeKey: NodeKey) {
        self.staleSinceVersion = staleSinceVersion
        self.nodeKey = nodeKey
    }
}
