import ChainTypes

/// The authenticated state tree, read and updated through a `TreeReader`: a versioned, Jellyfish-style
/// sparse Merkle tree over 256-bit keys.
///
/// A pure value (DESIGN §1.1): reads go through `reader`, updates return a `TreeUpdate` for a
/// `TreeWriter` to record, nothing is written here. Versions are block heights; every version written
/// stays readable until pruned (`docs/state-tree.md`, ADR 0002).
public struct SparseMerkleTree<Reader: TreeReader>: Sendable {
    /// Where nodes are read from: a key-value store or snapshot, or a `MemoryTreeStore`.
    public let reader: Reader

    public init(reader: Reader) {
        self.reader = reader
    }

    /// The root hash at `version`.
    public func rootHash(at version: UInt64) throws(StateTreeError) -> Hash {
        try rootNode(at: version).hash
    }

    /// The value of `key` at `version`, or nil when the key is absent there.
    public func value(for key: StateKey, at version: UInt64) throws(StateTreeError) -> [UInt8]? {
        var node = try rootNode(at: version)
        var path = NibblePath.root
        while true {
            switch node {
            case .null:
                return nil
            case .leaf(let leaf):
                return leaf.key == key ? leaf.value : nil
            case .internal(let internalNode):
                let nibble = key.nibble(at: path.count)
                guard let child = internalNode.child(at: nibble) else { return nil }
                path = path.appending(nibble)
                node = try load(NodeKey(version: child.version, path: path), expecting: child)
            }
        }
    }

    /// Applies `changes` to the tree at `previousVersion` (nil: the empty tree) and returns the nodes of
    /// `version`.
    ///
    /// One pass over the sorted batch: each touched node is read once and each new node written once,
    /// so a block's 10,000 changes cost one walk of the shared upper levels, not 10,000 walks. The root
    /// of `version` is always written, even for an empty batch, so every version has a root.
    public func update(
        _ changes: [StateChange], version: UInt64, previousVersion: UInt64?
    ) throws(StateTreeError) -> TreeUpdate {
        if let previousVersion, version <= previousVersion {
            throw .versionNotIncreasing(version: version, previous: previousVersion)
        }
        let sorted = try Self.checked(changes)
        var updater = BatchUpdater(loader: NodeLoader(reader: reader), version: version)
        updater.reserveCapacity(changes: sorted.count)
        let root: TreeNode
        if let previousVersion {
            let rootKey = NodeKey.root(version: previousVersion)
            root = try rootNode(at: previousVersion)
            updater.markStale(rootKey)
            try updater.updateRoot(root, changes: sorted[...])
        } else {
            try updater.updateRoot(.null, changes: sorted[...])
        }
        return updater.finish()
    }

    /// Sorts a batch by key and rejects duplicates, oversized values and oversized batches.
    static func checked(_ changes: [StateChange]) throws(StateTreeError) -> [StateChange] {
        guard changes.count <= StateTreeLimits.batchChangesMax else {
            throw .batchTooLarge(changes: changes.count, limit: StateTreeLimits.batchChangesMax)
        }
        let sorted = changes.sorted { $0.key < $1.key }
        for (index, change) in sorted.enumerated() {
            if index > 0, sorted[index - 1].key == change.key { throw .duplicateKey(change.key) }
            if let value = change.value, value.count > StateTreeLimits.valueBytesMax {
                throw .valueTooLarge(key: change.key, bytes: value.count, limit: StateTreeLimits.valueBytesMax)
            }
        }
        return sorted
    }

    func rootNode(at version: UInt64) throws(StateTreeError) -> TreeNode {
        try NodeLoader(reader: reader).rootNode(at: version)
    }

    func load(_ key: NodeKey, expecting child: ChildReference) throws(StateTreeError) -> TreeNode {
        try NodeLoader(reader: reader).load(key, expecting: child)
    }
}
