import ChainTypes

/// The one-pass batch update behind `SparseMerkleTree.update`: walks the old tree along the sorted
/// changes and collects the new version's nodes and the old nodes it makes stale.
///
/// Subtrees are returned bottom-up as `Subtree` values. A leaf is written only once its final position
/// is known (its parent decides: a parent left with a single leaf dissolves and the leaf rises), so no
/// node is ever written and then withdrawn.
struct BatchUpdater {
    /// A subtree after the update, as its parent sees it.
    enum Subtree {
        case empty
        /// A leaf not yet written at its final position; `key` is where it is stored now, if anywhere.
        case leaf(LeafNode, storedAt: NodeKey?)
        /// A node already stored (written by this update, or untouched by it).
        case stored(ChildReference)
    }

    /// A leaf to place, with where it is stored now.
    typealias Entry = (leaf: LeafNode, storedAt: NodeKey?)

    let loader: NodeLoader
    let version: UInt64
    private(set) var nodes: [(key: NodeKey, node: TreeNode)] = []
    private(set) var staleNodes: [StaleNodeRecord] = []
    private var rootHash = TreeHasher.emptyHash

    init(loader: NodeLoader, version: UInt64) {
        self.loader = loader
        self.version = version
    }

    mutating func markStale(_ key: NodeKey) {
        staleNodes.append(StaleNodeRecord(staleSinceVersion: version, nodeKey: key))
    }

    func finish() -> TreeUpdate {
        TreeUpdate(version: version, rootHash: rootHash, nodes: nodes, staleNodes: staleNodes)
    }

    /// Updates from the old root (already marked stale) and writes the new root at `(version, root)`.
    mutating func updateRoot(_ root: TreeNode, changes: ArraySlice<StateChange>) throws(StateTreeError) {
        let rootKey = NodeKey.root(version: version)
        let result: Subtree
        switch root {
        case .null:
            result = try build(entries(from: changes), path: .root)
        case .leaf(let leaf):
            result = try build(merge(leaf, storedAt: nil, with: changes), path: .root)
        case .internal(let node):
            if changes.isEmpty {
                write(.internal(node), at: rootKey)
                rootHash = node.hash
                return
            }
            result = try update(node, path: .root, changes: changes)
        }
        switch result {
        case .empty:
            write(.null, at: rootKey)
            rootHash = TreeHasher.emptyHash
        case .leaf(let leaf, let storedAt):
            if let storedAt { markStale(storedAt) }
            write(.leaf(leaf), at: rootKey)
            rootHash = leaf.hash
        case .stored(let child):
            precondition(!child.isLeaf && child.version == version, "a changed root is a new internal node")
            rootHash = child.hash
        }
    }

    /// Updates a stored internal node at `path` with the changes below it (at least one); the old node
    /// becomes stale by the caller.
    private mutating func update(
        _ node: InternalNode, path: NibblePath, changes: ArraySlice<StateChange>
    ) throws(StateTreeError) -> Subtree {
        let depth = path.count
        var results: [(nibble: Int, subtree: Subtree)] = []
        results.reserveCapacity(StateTreeLimits.childrenMax)
        var start = changes.startIndex
        var pairs = node.childPairs[...]
        for nibble in 0..<StateTreeLimits.childrenMax {
            var end = start
            while end < changes.endIndex, changes[end].key.nibble(at: depth) == nibble { end += 1 }
            let existing = pairs.first?.nibble == nibble ? pairs.popFirst()?.child : nil
            let group = changes[start..<end]
            start = end
            if group.isEmpty {
                if let existing { results.append((nibble, .stored(existing))) }
                continue
            }
            let childPath = path.appending(nibble)
            results.append((nibble, try update(existing, path: childPath, changes: group)))
        }
        return try makeInternal(path: path, children: results, replacing: node)
    }

    /// Updates the child `existing` (nil: an empty slot) at `path` with a non-empty group of changes.
    private mutating func update(
        _ existing: ChildReference?, path: NibblePath, changes: ArraySlice<StateChange>
    ) throws(StateTreeError) -> Subtree {
        guard let existing else { return try build(entries(from: changes), path: path) }
        let key = NodeKey(version: existing.version, path: path)
        switch try loader.load(key, expecting: existing) {
        case .leaf(let leaf):
            return try build(merge(leaf, storedAt: key, with: changes), path: path)
        case .internal(let node):
            markStale(key)
            return try update(node, path: path, changes: changes)
        case .null:
            throw .corruptNode(key, reason: "an empty-tree node below the root")
        }
    }

    /// The puts of `changes` as fresh leaves, in key order.
    private func entries(from changes: ArraySlice<StateChange>) -> [Entry] {
        changes.compactMap { change in change.value.map { (LeafNode(key: change.key, value: $0), nil) } }
    }

    /// The puts of `changes` plus `leaf` unless a change replaces or deletes it, in key order.
    private mutating func merge(_ leaf: LeafNode, storedAt: NodeKey?, with changes: ArraySlice<StateChange>) -> [Entry] {
        var result = entries(from: changes)
        if changes.contains(where: { $0.key == leaf.key }) {
            if let storedAt { markStale(storedAt) }
            return result
        }
        let index = result.firstIndex { leaf.key < $0.leaf.key } ?? result.endIndex
        result.insert((leaf, storedAt), at: index)
        return result
    }

    /// Builds the subtree at `path` holding exactly `entries` (sorted, all sharing `path`).
    private mutating func build(_ entries: [Entry], path: NibblePath) throws(StateTreeError) -> Subtree {
        if entries.isEmpty { return .empty }
        if entries.count == 1 { return .leaf(entries[0].leaf, storedAt: entries[0].storedAt) }
        let depth = path.count
        var results: [(nibble: Int, subtree: Subtree)] = []
        var start = 0
        while start < entries.count {
            let nibble = entries[start].leaf.key.nibble(at: depth)
            var end = start + 1
            while end < entries.count, entries[end].leaf.key.nibble(at: depth) == nibble { end += 1 }
            results.append((nibble, try build(Array(entries[start..<end]), path: path.appending(nibble))))
            start = end
        }
        return try makeInternal(path: path, children: results, replacing: nil)
    }

    /// Finishes the node at `path` from its children's subtrees: nothing, a rising leaf, or a new
    /// internal node written at `(version, path)`, hashed reusing `previous` (the node it replaces, if
    /// any) wherever its children are unchanged.
    private mutating func makeInternal(
        path: NibblePath, children: [(nibble: Int, subtree: Subtree)], replacing previous: InternalNode?
    ) throws(StateTreeError) -> Subtree {
        let present = children.filter { if case .empty = $0.subtree { return false } else { return true } }
        if present.isEmpty { return .empty }
        if present.count == 1 {
            switch present[0].subtree {
            case .leaf:
                return present[0].subtree
            case .stored(let child) where child.isLeaf:
                let key = NodeKey(version: child.version, path: path.appending(present[0].nibble))
                guard case .leaf(let leaf) = try loader.load(key, expecting: child) else {
                    throw .corruptNode(key, reason: "expected a leaf")
                }
                return .leaf(leaf, storedAt: key)
            default:
                break
            }
        }
        var references: [(nibble: Int, child: ChildReference)] = []
        references.reserveCapacity(present.count)
        for (nibble, subtree) in present {
            references.append((nibble, place(subtree, at: path.appending(nibble))))
        }
        guard let node = InternalNode(children: references, reusing: previous) else {
            preconditionFailure("children are built in nibble order")
        }
        write(.internal(node), at: NodeKey(version: version, path: path))
        return .stored(ChildReference(hash: node.hash, version: version, isLeaf: false))
    }

    /// The reference a parent records for `subtree` at `path`, writing a leaf there unless it already is.
    private mutating func place(_ subtree: Subtree, at path: NibblePath) -> ChildReference {
        switch subtree {
        case .stored(let child):
            return child
        case .leaf(let leaf, let storedAt):
            if let storedAt, storedAt.path == path {
                return ChildReference(hash: leaf.hash, version: storedAt.version, isLeaf: true)
            }
            if let storedAt { markStale(storedAt) }
            write(.leaf(leaf), at: NodeKey(version: version, path: path))
            return ChildReference(hash: leaf.hash, version: version, isLeaf: true)
        case .empty:
            preconditionFailure("empty subtrees are filtered out")
        }
    }

    private mutating func write(_ node: TreeNode, at key: NodeKey) {
        nodes.append((key, node))
    }
}
