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
        ///
        /// Indirect: inline, the leaf and its key made every subtree about 160 bytes, copied with `memmove`
        /// for each of a node's 16 slots as the update collects and places them (issue 18: 7 % of the
        /// update at a million keys). Boxed, a subtree is a child reference's size, and only leaves allocate.
        indirect case leaf(LeafNode, storedAt: NodeKey?)
        /// A node already stored (written by this update, or untouched by it).
        case stored(ChildReference)
    }

    /// A leaf to place, with where it is stored now.
    typealias Entry = (leaf: LeafNode, storedAt: NodeKey?)

    let loader: NodeLoader
    let version: UInt64
    private(set) var nodes: [(key: NodeKey, node: TreeNode)] = []
    private(set) var staleNodes: [StaleNodeRecord] = []
    /// `nodes` in their storage form, encoded while each node is at hand (`TreeUpdate.encodedNodes`).
    private var encodedNodes: [UInt8] = []
    private var encodedNodeBounds: [(keyEnd: Int, end: Int)] = []
    private var rootHash = TreeHasher.emptyHash
    /// Nodes `readAhead` read for the update, a level per depth (index 0: depth 1), each in path order:
    /// the order in which the update's depth-first walk loads them, so `load` takes them in turn.
    private var readLevels: [ReadLevel] = []

    /// The nodes `readAhead` read at one depth, and how many of them the update has taken.
    ///
    /// A list with a cursor, not a dictionary by node key: hashing each key twice (stored, then taken)
    /// showed in profiles of a block at a million keys (issue 18), and the walk takes them in order.
    struct ReadLevel {
        var keys: [NodeKey]
        var nodes: [TreeNode]
        var taken = 0
    }

    init(loader: NodeLoader, version: UInt64) {
        self.loader = loader
        self.version = version
    }

    /// Room for the nodes and stale records of an update of `changes` keys, so the lists do not grow (and
    /// move their elements) a doubling at a time.
    mutating func reserveCapacity(changes: Int) {
        let expected = min(changes, StateTreeLimits.batchChangesMax) * Self.nodesPerChangeExpected + StateTreeLimits.pathNibblesMax
        nodes.reserveCapacity(expected)
        staleNodes.reserveCapacity(expected)
        encodedNodeBounds.reserveCapacity(expected)
        encodedNodes.reserveCapacity(min(expected * Self.encodedBytesPerNodeExpected, Self.encodedBytesReservedMax))
    }

    /// Bytes of a node's key and encoding, on average, a little more than at a million licences (about 330):
    /// a full internal node is 654, most leaves under 150.
    static let encodedBytesPerNodeExpected = 384
    /// The most the storage form reserves up front: a block of 2,000 licences at a million needs about 5 MiB;
    /// a batch of `StateTreeLimits.batchChangesMax` changes would reserve hundreds, and grows instead.
    static let encodedBytesReservedMax = 16 << 20

    /// Nodes an update writes per changed key, a little more than at a million licences (two million keys):
    /// 8 nodes per licence, of about two new keys and an updated one (issue 18).
    static let nodesPerChangeExpected = 5

    mutating func markStale(_ key: NodeKey) {
        staleNodes.append(StaleNodeRecord(staleSinceVersion: version, nodeKey: key))
    }

    func finish() -> TreeUpdate {
        TreeUpdate(
            version: version, rootHash: rootHash, nodes: nodes, staleNodes: staleNodes, encodedNodes: encodedNodes,
            encodedNodeBounds: encodedNodeBounds)
    }

    /// Updates from the old root (already marked stale) and writes the new root at `(version, root)`.
    mutating func updateRoot(_ root: TreeNode, changes: ArraySlice<StateChange>) throws(StateTreeError) {
        let rootKey = NodeKey.root(version: version)
        let result: Subtree
        switch root {
        case .null:
            result = try build(entries(from: changes)[...], path: .root)
        case .leaf(let leaf):
            result = try build(merge(leaf, storedAt: nil, with: changes)[...], path: .root)
        case .internal(let node):
            if changes.isEmpty {
                write(.internal(node), at: rootKey)
                rootHash = node.hash
                return
            }
            try readAhead(below: node, changes: changes)
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
        for nibble in 0..<StateTreeLimits.childrenMax {
            var end = start
            while end < changes.endIndex, changes[end].key.nibble(at: depth) == nibble { end += 1 }
            let existing = node.child(at: nibble)
            let group = changes[start..<end]
            start = end
            if group.isEmpty {
                if let existing { results.append((nibble, .stored(existing))) }
                continue
            }
            let subtree = try update(existing, path: path.appending(nibble), changes: group)
            if case .empty = subtree { continue }
            results.append((nibble, subtree))
        }
        return try makeInternal(path: path, children: results, replacing: node)
    }

    /// Updates the child `existing` (nil: an empty slot) at `path` with a non-empty group of changes.
    private mutating func update(
        _ existing: ChildReference?, path: NibblePath, changes: ArraySlice<StateChange>
    ) throws(StateTreeError) -> Subtree {
        guard let existing else { return try build(entries(from: changes)[...], path: path) }
        let key = NodeKey(version: existing.version, path: path)
        switch try load(key, expecting: existing) {
        case .leaf(let leaf):
            return try build(merge(leaf, storedAt: key, with: changes)[...], path: path)
        case .internal(let node):
            markStale(key)
            return try update(node, path: path, changes: changes)
        case .null:
            throw .corruptNode(key, reason: "an empty-tree node below the root")
        }
    }

    /// Reads every stored node the update of `root` will load for `changes` (each child with changes below
    /// it, down to the leaves), a level at a time, one `NodeLoader.load(_:)` per level.
    ///
    /// At a million keys a block of 2,000 licences loads about 2,000 leaves and the internal nodes the cache
    /// no longer holds, and read one at a time, each paid RocksDB's full lookup: 40 % of the update's time
    /// (issue 18). Read per level, the store looks them up together. The update then takes them from
    /// `readNodes`, checked against their parents' references like any loaded node.
    private mutating func readAhead(below root: InternalNode, changes: ArraySlice<StateChange>) throws(StateTreeError) {
        var level: [(node: InternalNode, path: NibblePath, changes: ArraySlice<StateChange>)] = [(root, .root, changes)]
        while !level.isEmpty {
            var wanted: [(key: NodeKey, child: ChildReference)] = []
            var groups: [ArraySlice<StateChange>] = []
            for (node, path, changes) in level {
                let depth = path.count
                var start = changes.startIndex
                while start < changes.endIndex {
                    let nibble = changes[start].key.nibble(at: depth)
                    var end = start + 1
                    while end < changes.endIndex, changes[end].key.nibble(at: depth) == nibble { end += 1 }
                    if let child = node.child(at: nibble) {
                        wanted.append((NodeKey(version: child.version, path: path.appending(nibble)), child))
                        groups.append(changes[start..<end])
                    }
                    start = end
                }
            }
            if wanted.isEmpty { return }
            let nodes = try loader.load(wanted)
            level = []
            level.reserveCapacity(nodes.count)
            for (index, node) in nodes.enumerated() {
                if case .internal(let internalNode) = node { level.append((internalNode, wanted[index].key.path, groups[index])) }
            }
            readLevels.append(ReadLevel(keys: wanted.map(\.key), nodes: nodes))
        }
    }

    /// The node a parent references: taken from what `readAhead` read when it is the next node of its
    /// depth there (checked against `child` again), else read now.
    private mutating func load(_ key: NodeKey, expecting child: ChildReference) throws(StateTreeError) -> TreeNode {
        let depth = key.path.count &- 1
        if depth >= 0, depth < readLevels.count {
            let taken = readLevels[depth].taken
            if taken < readLevels[depth].keys.count, readLevels[depth].keys[taken] == key {
                readLevels[depth].taken = taken + 1
                var node = TreeNode.null
                swap(&node, &readLevels[depth].nodes[taken])
                return try NodeLoader.check(node, at: key, expecting: child)
            }
        }
        return try loader.load(key, expecting: child)
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
    private mutating func build(_ entries: ArraySlice<Entry>, path: NibblePath) throws(StateTreeError) -> Subtree {
        guard let first = entries.first else { return .empty }
        if entries.count == 1 { return .leaf(first.leaf, storedAt: first.storedAt) }
        let depth = path.count
        var results: [(nibble: Int, subtree: Subtree)] = []
        var start = entries.startIndex
        while start < entries.endIndex {
            let nibble = entries[start].leaf.key.nibble(at: depth)
            var end = start + 1
            while end < entries.endIndex, entries[end].leaf.key.nibble(at: depth) == nibble { end += 1 }
            results.append((nibble, try build(entries[start..<end], path: path.appending(nibble))))
            start = end
        }
        return try makeInternal(path: path, children: results, replacing: nil)
    }

    /// Finishes the node at `path` from its children's subtrees (none empty, in nibble order): nothing, a
    /// rising leaf, or a new internal node written at `(version, path)`, hashed reusing `previous` (the
    /// node it replaces, if any) wherever its children are unchanged.
    private mutating func makeInternal(
        path: NibblePath, children: [(nibble: Int, subtree: Subtree)], replacing previous: InternalNode?
    ) throws(StateTreeError) -> Subtree {
        guard let only = children.first else { return .empty }
        if children.count == 1 {
            switch only.subtree {
            case .leaf:
                return only.subtree
            case .stored(let child) where child.isLeaf:
                let key = NodeKey(version: child.version, path: path.appending(only.nibble))
                guard case .leaf(let leaf) = try load(key, expecting: child) else {
                    throw .corruptNode(key, reason: "expected a leaf")
                }
                return .leaf(leaf, storedAt: key)
            default:
                break
            }
        }
        var existence: UInt16 = 0
        var leaves: UInt16 = 0
        var references: [ChildReference] = []
        references.reserveCapacity(children.count)
        var previousNibble = -1
        for (nibble, subtree) in children {
            precondition(nibble > previousNibble && nibble < StateTreeLimits.childrenMax, "children are built in nibble order")
            previousNibble = nibble
            let child = place(subtree, at: path.appending(nibble))
            existence |= 1 << UInt16(nibble)
            if child.isLeaf { leaves |= 1 << UInt16(nibble) }
            references.append(child)
        }
        let node = InternalNode(existence: existence, leaves: leaves, children: references, reusing: previous)
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
        key.append(to: &encodedNodes)
        let keyEnd = encodedNodes.count
        node.appendCanonicalBytes(to: &encodedNodes)
        encodedNodeBounds.append((keyEnd, encodedNodes.count))
        nodes.append((key, node))
    }
}
