import ChainTypes
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

    /// Appends a put per new node and, per version whose nodes went stale, one stale list (in chunks of
    /// `TreeNodeKeys.staleListNodesMax`), with the format version that reads them (`StorageFormat.staleLists`).
    ///
    /// Why lists: a record per stale node was a memtable insert per node, five per licence at a million
    /// licences in state (27 % of a block's keys), and their keys, ordered before every newer node's,
    /// made each flushed file of the family overlap every other, so compaction rewrote them again and again
    /// (issue 18; docs/adr/0019-stale-node-lists.md).
    public mutating func write(_ update: TreeUpdate) {
        write(update, reservingAlso: (0, 0))
    }

    /// Records `update` as `write(_:)` does, reserving room in `batch` for it and for `extra` more writes at
    /// once, and returns the update's node list for the node cache.
    ///
    /// Why reserving: grown by doubling, a block's batch (megabytes at a million licences) was copied again at
    /// each step into freshly faulted pages. Why taking: the list is handed on without being shared, so its
    /// holder can move the nodes out (issue 18).
    public mutating func write(
        taking update: consuming TreeUpdate, reservingAlso extra: (operations: Int, bytes: Int) = (0, 0)
    ) -> [(key: NodeKey, node: TreeNode)] {
        write(update, reservingAlso: extra)
        return update.takeNodes()
    }

    /// The nodes are copied from the update's storage form (`TreeUpdate.encodedNodes`), each key behind the
    /// family's tag: the nodes themselves are not read again.
    private mutating func write(_ update: borrowing TreeUpdate, reservingAlso extra: (operations: Int, bytes: Int)) {
        let staleSize = Self.staleListsSize(update.staleNodes)
        let nodeCount = update.encodedNodeBounds.count
        batch.reserveCapacity(
            operations: nodeCount + staleSize.operations + max(0, extra.operations),
            bytes: nodeCount + update.encodedNodes.count + staleSize.bytes + max(0, extra.bytes))
        update.encodedNodes.withUnsafeBufferPointer { encoded in
            var start = 0
            for (keyEnd, end) in update.encodedNodeBounds {
                batch.put(
                    in: .treeNodes,
                    key: {
                        $0.append(TreeNodeKeys.nodeTag)
                        $0.append(contentsOf: UnsafeBufferPointer(rebasing: encoded[start..<keyEnd]))
                    },
                    value: { $0.append(contentsOf: UnsafeBufferPointer(rebasing: encoded[keyEnd..<end])) })
                start = end
            }
        }
        writeStaleLists(update.staleNodes)
    }

    /// One list per version whose nodes went stale, in chunks, and the format version that reads them.
    private mutating func writeStaleLists(_ staleNodes: [StaleNodeRecord]) {
        guard !staleNodes.isEmpty else { return }
        var byVersion: [UInt64: [NodeKey]] = [:]
        for record in staleNodes { byVersion[record.staleSinceVersion, default: []].append(record.nodeKey) }
        for (version, keys) in byVersion.sorted(by: { $0.key < $1.key }) {
            var chunk: UInt32 = 0
            for start in stride(from: 0, to: keys.count, by: TreeNodeKeys.staleListNodesMax) {
                let slice = keys[start..<min(keys.count, start + TreeNodeKeys.staleListNodesMax)]
                batch.put(TreeNodeKeys.encodeStaleList(slice), for: TreeNodeKeys.staleList(version: version, chunk: chunk), in: .treeNodes)
                chunk &+= 1
            }
        }
        StorageFormat.recordCurrent(in: &batch)
    }

    /// The operations and bytes the stale lists of `staleNodes` add, at most when they are all stale since one
    /// version (an update's are: its own).
    private static func staleListsSize(_ staleNodes: [StaleNodeRecord]) -> (operations: Int, bytes: Int) {
        guard !staleNodes.isEmpty else { return (0, 0) }
        var bytes = 0
        for record in staleNodes { bytes += 1 + record.nodeKey.encodedByteCount }
        // Each list's key (tag, version, chunk), and the format record.
        let lists = staleNodes.count / TreeNodeKeys.staleListNodesMax + 1
        return (lists + 1, bytes + lists * 13 + 64)
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
    /// the first): first the per-node records of stores written before format 3, then the stale lists,
    /// whose versions are all above theirs. A list longer than what is left of `recordsMax` is cut: its
    /// first nodes are deleted and the list is written back with the rest, in the same batch.
    /// `recordsMax` bounds the batch (DESIGN §1.4) and must be within `StorageLimits.scanPairsMax`.
    public mutating func prune(
        retaining retainedVersion: UInt64, reading store: any KeyValueReader, recordsMax: Int, after: [UInt8]? = nil
    ) throws(StorageError) -> Int {
        var pruned = 0
        if after?.first != TreeNodeKeys.staleListTag {
            pruned = try pruneNodeRecords(retaining: retainedVersion, reading: store, recordsMax: recordsMax, after: after)
            if pruned == recordsMax { return pruned }
        }
        let listsAfter = after?.first == TreeNodeKeys.staleListTag ? after : nil
        return pruned + (try pruneLists(retaining: retainedVersion, reading: store, nodesMax: recordsMax - pruned, after: listsAfter))
    }

    /// Per-node records (`0x02`) of stores written before format 3.
    private mutating func pruneNodeRecords(
        retaining retainedVersion: UInt64, reading store: any KeyValueReader, recordsMax: Int, after: [UInt8]?
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

    /// Stale lists (`0x03`), a few records per read: each holds up to `TreeNodeKeys.staleListNodesMax` keys.
    private mutating func pruneLists(
        retaining retainedVersion: UInt64, reading store: any KeyValueReader, nodesMax: Int, after: [UInt8]?
    ) throws(StorageError) -> Int {
        var pruned = 0
        var cursor = after
        while pruned < nodesMax {
            let pairs = try store.scan(prefix: [TreeNodeKeys.staleListTag], after: cursor, limit: Self.listsPerRead, in: .treeNodes)
            for pair in pairs {
                guard let version = TreeNodeKeys.staleListVersion(pair.key), let keys = TreeNodeKeys.decodeStaleList(pair.value) else {
                    throw .corruption(message: "stale tree node list \(pair.key) does not decode")
                }
                if version > retainedVersion { return pruned }
                let taken = min(keys.count, nodesMax - pruned)
                for key in keys[..<taken] { batch.delete(TreeNodeKeys.node(key), in: .treeNodes) }
                pruned += taken
                guard taken == keys.count else {
                    batch.put(TreeNodeKeys.encodeStaleList(keys[taken...]), for: pair.key, in: .treeNodes)
                    return pruned
                }
                batch.delete(pair.key, in: .treeNodes)
                lastPrunedRecord = pair.key
                if pruned == nodesMax { return pruned }
            }
            guard pairs.count == Self.listsPerRead, let last = pairs.last else { return pruned }
            cursor = last.key
        }
        return pruned
    }

    /// Stale lists read at a time while pruning: at most 16 × 168 KiB.
    static let listsPerRead = 16
}
