import ChainTypes
import StateTree
import Synchronization

/// Internal nodes of the latest state tree, by position, so that block execution's tree update finds them in
/// memory instead of reading and decoding them from the store again.
///
/// Every block rewrites the nodes on the paths of the keys it changes, root included, and the next block
/// reads those nodes back first (issue 18, deliver 6); with a million licences in state, the tree's upper
/// levels (about 70,000 internal nodes for the first five) are read by every block and no longer fit the
/// store's block cache beside the flat state (deliver 3). A node key (version, path) is written once, by the
/// update that creates its version, and never rewritten, so a cached node is the stored node: the cache
/// answers a key only when it holds that exact version at that path, and the tree still checks each loaded
/// node's hash against its parent's reference (`NodeLoader`). Only readers of the latest version should use
/// it (block execution): it keeps one version per path, the newest it was given.
///
/// Leaves are not kept: they carry the values (up to kilobytes), and an update that reads a leaf rewrites it
/// at a new version or a new position, so the cached copy would never be read again.
///
/// Bounded by bytes (an estimate of each node's memory, `estimatedBytes`), in two tiers:
/// - **Pinned**, three quarters of the budget, never evicted. The top `pinnedDepth` levels, as many as fit in
///   half the budget with every node full, always enter; deeper nodes enter while the rest of the pinned
///   share lasts. A block of 2,000 licences reads these nodes at random: at a million in state, each of the
///   65,536 nodes of level 4 is read once every 33 blocks or so and each of the level-5 nodes once every few
///   hundred, and an LRU-like tier dropped most of them before their turn came, so a block read 5,000 of
///   its 9,000 internal nodes from the store (issue 18, deliver 3). A deeper position stays pinned even
///   once its node is gone (licences deleted below it); the pinned share bounds that. A restarted node fills
///   this tier at once (`warm`).
/// - **Generations** of what the pinned tier leaves, half each of the last quarter: when the current one is
///   full it becomes the previous one and the oldest is dropped; a node found in the previous generation
///   moves to the current one, so the deeper nodes every block reads stay.
public final class TreeNodeCache: Sendable {
    /// Bytes the cache may hold (estimated): the pinned levels and both generations together.
    public let byteBudget: Int
    /// Nodes at a depth below this (the root is depth 0) are always pinned: the levels that fit, full, in
    /// half the budget (`pinnedDepth(byteBudget:)`).
    public let pinnedDepth: Int
    /// Bytes the pinned tier may hold below `pinnedDepth`: three quarters of the budget less what the top
    /// levels take when full.
    private let deeperPinnedBytes: Int
    private let generationBytes: Int
    private let generations: Mutex<Generations>

    /// An internal node and the version it was stored under. Only internal nodes are kept, so the entry
    /// holds `InternalNode` (64 bytes) rather than `TreeNode` (sized for a leaf, 137): a million licences
    /// keep about 340,000 entries, and the smaller slots halve the memory lookups and inserts walk.
    private struct Entry {
        let version: UInt64
        let node: InternalNode
    }

    private struct Generations {
        var pinned: [NibblePath: Entry] = [:]
        /// Estimated bytes of the pinned nodes at or below `pinnedDepth`.
        var deeperPinnedBytes = 0
        var current: [NibblePath: Entry] = [:]
        var currentBytes = 0
        var previous: [NibblePath: Entry] = [:]
    }

    /// Default budget: 16 MiB, the tree's top three levels and the paths of a few thousand changed keys; a
    /// node sizes it from its memory budget (`storage.memory_bytes`) instead.
    public static let byteBudgetDefault = 16 << 20
    public init(byteBudget: Int = TreeNodeCache.byteBudgetDefault) {
        self.byteBudget = max(1, byteBudget)
        pinnedDepth = Self.pinnedDepth(byteBudget: self.byteBudget)
        let pinnedBytes = self.byteBudget / 4 * 3
        deeperPinnedBytes = max(0, pinnedBytes - Self.fullLevelsBytes(pinnedDepth))
        generationBytes = max(1, (self.byteBudget - pinnedBytes) / 2)
        generations = Mutex(Generations())
    }

    /// The number of levels, from the root, that fit in half of `byteBudget` with every position filled by
    /// a node of 16 children; at most `StateTreeLimits.pathNibblesMax` (every level).
    public static func pinnedDepth(byteBudget: Int) -> Int {
        var depth = 0
        while depth < StateTreeLimits.pathNibblesMax, fullLevelsBytes(depth + 1) <= byteBudget / 2 { depth += 1 }
        return depth
    }

    /// The estimated bytes of the top `depth` levels when full: 1 + 16 + … + 16^(depth-1) nodes of 16
    /// children, each keeping all its range hashes; saturates instead of overflowing.
    public static func fullLevelsBytes(_ depth: Int) -> Int {
        let nodeBytes = estimatedBytes(childCount: StateTreeLimits.childrenMax, keptRangeHashCount: InternalNode.keptRangeHashCountMax)
        var total = 0
        var level = 1
        for _ in 0..<depth {
            let (bytes, overflow) = level.multipliedReportingOverflow(by: nodeBytes)
            guard !overflow, total <= Int.max - bytes else { return Int.max }
            total += bytes
            let (next, levelOverflow) = level.multipliedReportingOverflow(by: StateTreeLimits.childrenMax)
            level = levelOverflow ? Int.max / 2 : next
        }
        return total
    }

    /// The node stored under `key`, if the cache holds that version at that path.
    public func node(at key: NodeKey) -> TreeNode? {
        generations.withLock { generations in Self.node(at: key, in: &generations, generationBytes: generationBytes) }
    }

    /// What `node(at:)` returns for each of `keys`, in order, under one acquisition of the lock.
    public func nodes(at keys: [NodeKey]) -> [TreeNode?] {
        generations.withLock { generations in
            keys.map { key in Self.node(at: key, in: &generations, generationBytes: generationBytes) }
        }
    }

    /// The held entry is read in its slot (`node(in:version:)`), and only its node is copied, when its version
    /// matches: taking the entry out by key, or by index through `values[slot]`, copied it whole first (a
    /// retain and a release more of each of its node's arrays per lookup, issue 18).
    private static func node(at key: NodeKey, in generations: inout Generations, generationBytes: Int) -> TreeNode? {
        if let slot = generations.pinned.index(forKey: key.path) {
            return node(in: &generations.pinned.values[slot], version: key.version)
        }
        if let slot = generations.current.index(forKey: key.path) {
            return node(in: &generations.current.values[slot], version: key.version)
        }
        guard let slot = generations.previous.index(forKey: key.path), generations.previous.values[slot].version == key.version else {
            return nil
        }
        let entry = generations.previous.values[slot]
        add(entry, at: key.path, to: &generations, generationBytes: generationBytes)
        return .internal(entry.node)
    }

    /// The node of `entry` if it is of `version`. The entry is lent in place (inout, never changed): read by
    /// value, the dictionary's getter copied it whole.
    private static func node(in entry: inout Entry, version: UInt64) -> TreeNode? {
        entry.version == version ? .internal(entry.node) : nil
    }

    /// Records nodes that are in the store under their keys (read from it, or just written to it); leaves
    /// are skipped, and a node older than the one held at its path is ignored.
    ///
    /// An array, not any sequence: called from other modules, a generic sequence was iterated unspecialized,
    /// through witness calls, at thousands of nodes per block. Its elements are read in place, by index: a
    /// `for` over the pairs copied each one out through the runtime's generic tuple copy, retaining and
    /// releasing its path and node (issue 18: a quarter of the insert).
    public func insert(_ nodes: [(key: NodeKey, node: TreeNode)]) {
        generations.withLock { generations in
            for index in nodes.indices {
                guard case .internal(let internalNode) = nodes[index].node else { continue }
                insert(Entry(version: nodes[index].key.version, node: internalNode), at: nodes[index].key.path, into: &generations)
            }
        }
    }

    /// Records nodes like `insert(_:)`, moving each internal node out of `nodes` into the cache instead of
    /// copying it, when `nodes` is the only reference to its list (a block's own nodes at finalization).
    ///
    /// Why: a copy is a retain of each of a node's two arrays, and freeing the list afterwards their release;
    /// at four validators, a block's nodes were the largest single source of retains (issue 18). Inserted in
    /// the list's order, as `insert(_:)` does.
    public func insert(taking nodes: consuming [(key: NodeKey, node: TreeNode)]) {
        var nodes = nodes
        generations.withLock { generations in
            for index in nodes.indices {
                // Swapped out for `.null`, a move; leaves go with the list.
                var node = TreeNode.null
                swap(&node, &nodes[index].node)
                guard case .internal(let internalNode) = consume node else { continue }
                insert(Entry(version: nodes[index].key.version, node: internalNode), at: nodes[index].key.path, into: &generations)
            }
        }
    }

    /// Entries are replaced in their slot, by index: copying the held one out cost a retain and a release of
    /// each of its node's two arrays, which at a million licences are rarely in the processor's caches
    /// (issue 18: about a third of inserting a block's nodes).
    private func insert(_ entry: consuming Entry, at path: NibblePath, into generations: inout Generations) {
        let deeper = path.count >= pinnedDepth
        // Most inserts replace a pinned node with its next version: found once, replaced in place.
        if let slot = generations.pinned.index(forKey: path) {
            if let change = Self.replace(&generations.pinned.values[slot], with: entry, measuring: deeper) {
                generations.deeperPinnedBytes += change
            }
            return
        }
        if !deeper {
            generations.pinned[path] = entry
            return
        }
        let bytes = Self.estimatedBytes(entry.node)
        if generations.deeperPinnedBytes + bytes <= deeperPinnedBytes {
            generations.pinned[path] = entry
            generations.deeperPinnedBytes += bytes
            if let moved = generations.current.removeValue(forKey: path) {
                generations.currentBytes -= Self.estimatedBytes(moved.node)
            }
            generations.previous[path] = nil
            return
        }
        if let slot = generations.current.index(forKey: path) {
            if let change = Self.replace(&generations.current.values[slot], with: entry, measuring: true) {
                generations.currentBytes += change
            }
            return
        }
        if let slot = generations.previous.index(forKey: path), generations.previous.values[slot].version > entry.version { return }
        Self.add(entry, at: path, to: &generations, generationBytes: generationBytes)
    }

    /// Puts `entry` in `slot` unless the slot holds a newer version, and returns the change in estimated
    /// bytes (0 unless `measuring`); nil when the slot is kept.
    private static func replace(_ slot: inout Entry, with entry: consuming Entry, measuring: Bool) -> Int? {
        guard slot.version <= entry.version else { return nil }
        let change = measuring ? estimatedBytes(entry.node) - estimatedBytes(slot.node) : 0
        slot = entry
        return change
    }

    /// Reads the internal nodes of the tree whose root is `root` from `reader`, breadth first down to
    /// `pinnedDepth` (one level below the levels always pinned), and keeps them, so that a node that has just
    /// started executes its first blocks at the speed of a warm one instead of reading most of those nodes
    /// from the store (a million licences: about 670,000 nodes, about ten seconds).
    ///
    /// Returns the number of nodes read. Stops at the first read that fails (a closed store): what it kept
    /// is still exact, since a node key is never rewritten. Blocks on the store, so run it on a thread of
    /// its own, never on the Swift cooperative pool.
    @discardableResult
    public func warm(root: NodeKey, reader: any TreeReader) -> Int {
        var level = [root]
        var read = 0
        while !level.isEmpty, let depth = level.first?.path.count, depth <= pinnedDepth {
            var next: [NodeKey] = []
            // A level's nodes are read together (`TreeReader.nodes(at:)`), a store's batch at a time.
            var start = 0
            while start < level.count {
                let keys = Array(level[start..<min(level.count, start + StorageLimits.getKeysMax)])
                start += keys.count
                guard let nodes = try? reader.nodes(at: keys) else { return read }
                var kept: [(key: NodeKey, node: TreeNode)] = []
                defer { insert(kept) }
                for (key, node) in zip(keys, nodes) {
                    guard let node else { return read }
                    read += 1
                    guard case .internal(let internalNode) = node else { continue }
                    kept.append((key, node))
                    for (nibble, child) in internalNode.childPairs where !child.isLeaf {
                        next.append(NodeKey(version: child.version, path: key.path.appending(nibble)))
                    }
                }
            }
            level = next
        }
        return read
    }

    /// Nodes held now (pinned levels and both generations; a path in both generations counts twice).
    public var count: Int { generations.withLock { $0.pinned.count + $0.current.count + $0.previous.count } }

    /// Nodes held in the pinned levels now.
    public var pinnedCount: Int { generations.withLock { $0.pinned.count } }

    /// An estimate of the memory one cached node takes: the dictionary slot (path, version and the node's
    /// fixed part, at a load factor of about 3/4), its children's array and the range hashes it keeps
    /// (`InternalNode.keptRangeHashCount`), each array with its header and the allocator's overhead.
    public static func estimatedBytes(_ node: TreeNode) -> Int {
        switch node {
        case .internal(let internalNode): estimatedBytes(internalNode)
        case .leaf(let leaf): 200 + leaf.value.count
        case .null: 200
        }
    }

    static func estimatedBytes(_ node: InternalNode) -> Int {
        estimatedBytes(childCount: node.children.count, keptRangeHashCount: node.keptRangeHashCount)
    }

    /// The estimate for an internal node of `childCount` children keeping `keptRangeHashCount` range hashes
    /// (a full node: 16 and 14, about 1.4 KiB).
    static func estimatedBytes(childCount: Int, keptRangeHashCount: Int) -> Int {
        let rangeHashesBytes = keptRangeHashCount == 0 ? 0 : 48 + Hash.byteCount * keptRangeHashCount
        return 200 + 48 * childCount + rangeHashesBytes
    }

    private static func add(_ entry: consuming Entry, at path: NibblePath, to generations: inout Generations, generationBytes: Int) {
        let bytes = estimatedBytes(entry.node)
        if let replaced = generations.current.updateValue(entry, forKey: path) {
            generations.currentBytes += bytes - estimatedBytes(replaced.node)
            return
        }
        generations.currentBytes += bytes
        if generations.currentBytes > generationBytes {
            generations.previous = generations.current
            // The next generation holds about as many nodes: room for them at once, not a doubling at a time.
            generations.current = Dictionary(minimumCapacity: generations.previous.count)
            generations.currentBytes = 0
        }
    }
}
