import StateTree

/// Records state tree updates and prunes as puts and deletes in a `WriteBatch` for the `treeNodes` family.
///
/// Nothing is written here: the caller hands `batch` to `BlockStore.append(_:certificate:additionalWrites:)`
/// so a block and its tree nodes commit in one synced batch (DESIGN §4).
public struct KeyValueTreeWriter: TreeWriter, Sendable {
    /// The writes recorded so far; hand it to `BlockStore.append` or `KeyValueStore.write`.
    public var batch: WriteBatch
    /// The key of the last stale-node record `prune` deleted; pass it as `after` to the next call, so a
    /// scan does not walk again over the deletions (tombstones) at the front of the records.
    public private(set) var lastPrunedRecord: [UInt8]?

    public init(batch: WriteBatch = WriteBatch()) {
        self.batch = batch
    }

    /// Appends a put per new node and per stale-node record.
    public mutating func write(_ update: TreeUpdate) {
        for (key, node) in update.nodes {
            batch.put(node.canonicalBytes, for: TreeNodeKeys.node(key), in: .treeNodes)
        }
        for record in update.staleNodes {
            batch.put([], for: TreeNodeKeys.stale(record), in: .treeNodes)
        }
    }

    /// Appends a put of one node, for a node rebuilding a tree version from a snapshot's leaves
    /// (`TreeBuilder`; docs/adr/0017-state-sync.md). Such a version has no stale-node records: nothing older exists.
    public mutating func write(node: TreeNode, at key: NodeKey) {
        batch.put(node.canonicalBytes, for: TreeNodeKeys.node(key), in: .treeNodes)
    }

    /// Appends deletes for up to `recordsMax` stale nodes no version at or above `retainedVersion`
    /// reaches, with their records, and returns how many it found; call again while it returns
    /// `recordsMax`.
    ///
    /// Reads the records from `store` (the committed state), from the first one after `after` (nil: from
    /// the first); `recordsMax` bounds the batch (DESIGN §1.4) and must be within `StorageLimits.scanPairsMax`.
    public mutating func prune(
        retaining retainedVersion: UInt64, reading store: any KeyValueReader, recordsMax: Int, after: [UInt8]? = nil
    ) throws(StorageError) -> Int {
        let pairs = try store.scan(prefix: [TreeNodeKeys.staleTag], after: after, limit: recordsMax, in: .treeNodes)
        var pruned = 0
        for pair in pairs {
            guard let record = TreeNodeKeys.staleRecord(pair.key) else {
                throw .corruption(message: "stale tree node record key \(pair.key) does not decode")
            }
            if record.staleSinceVersion > retainedVersion { break }
            batch.delete(TreeNodeKeys.node(record.nodeKey), in: .treeNodes)
            batch.delete(pair.key, in: .treeNodes)
            lastPrunedRecord = pair.key
            pruned += 1
        }
        return pruned
    }
}
