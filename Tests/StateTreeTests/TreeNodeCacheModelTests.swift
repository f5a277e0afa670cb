import ChainTypes
import StateTree
import Storage
import Testing

/// `TreeNodeCache` reads and replaces its entries in place, and takes a finalized block's nodes by moving them
/// (issue 18: copying them showed in profiles). What it holds and answers must stay exactly what the straightforward
/// rules give: this model states them with plain dictionary reads and writes, and random traffic over small
/// budgets (so the generations turn over and the deeper pinned share fills) must find the cache agreeing
/// with it after every step.
@Suite("Tree node cache against a model")
struct TreeNodeCacheModelTests {
    /// The cache's rules, written plainly: pinned levels, a deeper pinned share, then two generations.
    struct Model {
        let pinnedDepth: Int
        let deeperPinnedBudget: Int
        let generationBytes: Int
        var pinned: [NibblePath: (version: UInt64, node: TreeNode)] = [:]
        var deeperPinnedBytes = 0
        var current: [NibblePath: (version: UInt64, node: TreeNode)] = [:]
        var currentBytes = 0
        var previous: [NibblePath: (version: UInt64, node: TreeNode)] = [:]

        init(byteBudget: Int) {
            let budget = max(1, byteBudget)
            pinnedDepth = TreeNodeCache.pinnedDepth(byteBudget: budget)
            let pinnedBytes = budget / 4 * 3
            deeperPinnedBudget = max(0, pinnedBytes - TreeNodeCache.fullLevelsBytes(pinnedDepth))
            generationBytes = max(1, (budget - pinnedBytes) / 2)
        }

        var count: Int { pinned.count + current.count + previous.count }

        mutating func node(at key: NodeKey) -> TreeNode? {
            if let entry = pinned[key.path] { return entry.version == key.version ? entry.node : nil }
            if let entry = current[key.path] { return entry.version == key.version ? entry.node : nil }
            guard let entry = previous[key.path], entry.version == key.version else { return nil }
            add(entry, at: key.path)
            return entry.node
        }

        mutating func insert(_ nodes: [(key: NodeKey, node: TreeNode)]) {
            for (key, node) in nodes {
                guard case .internal = node else { continue }
                let entry = (version: key.version, node: node)
                let bytes = TreeNodeCache.estimatedBytes(node)
                if let held = pinned[key.path] {
                    guard held.version <= key.version else { continue }
                    pinned[key.path] = entry
                    if key.path.count >= pinnedDepth { deeperPinnedBytes += bytes - TreeNodeCache.estimatedBytes(held.node) }
                    continue
                }
                if key.path.count < pinnedDepth {
                    pinned[key.path] = entry
                    continue
                }
                if deeperPinnedBytes + bytes <= deeperPinnedBudget {
                    pinned[key.path] = entry
                    deeperPinnedBytes += bytes
                    if let moved = current.removeValue(forKey: key.path) { currentBytes -= TreeNodeCache.estimatedBytes(moved.node) }
                    previous[key.path] = nil
                    continue
                }
                if let held = current[key.path] ?? previous[key.path], held.version > key.version { continue }
                add(entry, at: key.path)
            }
        }

        mutating func add(_ entry: (version: UInt64, node: TreeNode), at path: NibblePath) {
            let bytes = TreeNodeCache.estimatedBytes(entry.node)
            if let replaced = current.updateValue(entry, forKey: path) {
                currentBytes += bytes - TreeNodeCache.estimatedBytes(replaced.node)
                return
            }
            currentBytes += bytes
            if currentBytes > generationBytes {
                previous = current
                current = [:]
                currentBytes = 0
            }
        }
    }

    /// An internal node of `children` children (two or more), distinct per `seed`.
    static func node(children: Int, seed: UInt64) -> TreeNode {
        let pairs = (0..<children).map { index in
            (
                nibble: index,
                child: ChildReference(
                    hash: Hash.tagged(.stateValue, [UInt8(index)] + seed.bigEndianBytes), version: seed, isLeaf: index % 3 == 0)
            )
        }
        guard let node = InternalNode(children: pairs) else { return .null }
        return .internal(node)
    }

    @Test(
        "inserts, lookups and generation turnover leave the cache holding and answering what the model does", arguments: [UInt64(1), 2, 3])
    func agreesWithModel(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        // Paths of depths 0 … 3 over the first two nibbles' values 0 … 3: few enough that paths repeat often.
        var paths: [NibblePath] = [.root]
        for depth in 1...3 {
            for path in paths where path.count == depth - 1 { for nibble in 0..<4 { paths.append(path.appending(nibble)) } }
        }
        for budget in [1, 2 * TreeNodeCache.fullLevelsBytes(1), 6_000, 20_000, 60_000] {
            let cache = TreeNodeCache(byteBudget: budget)
            var model = Model(byteBudget: budget)
            var version: UInt64 = 1
            var lastKeys: [NodeKey] = []
            for step in 0..<400 {
                if random.next() % 4 == 0 {
                    // Lookups, some of keys just inserted, some of older versions; one at a time and batched.
                    let keys = (0..<8).map { _ in
                        let key = lastKeys.isEmpty ? NodeKey.root(version: version) : lastKeys[Int(random.next() % UInt64(lastKeys.count))]
                        return random.next() % 3 == 0 ? NodeKey(version: key.version &- 1, path: key.path) : key
                    }
                    // A node found in the previous generation moves to the current one, which may turn it over:
                    // the model takes the lookups in the cache's order, the batch's first.
                    let batched = cache.nodes(at: keys)
                    let expected = keys.map { model.node(at: $0) }
                    #expect(batched == expected, "budget \(budget), step \(step)")
                    for key in keys { #expect(cache.node(at: key) == model.node(at: key), "budget \(budget), step \(step), key \(key)") }
                } else {
                    // A block's nodes: mostly newer versions, sometimes an older one; a leaf now and then.
                    version += 1
                    let nodes = (0..<Int(1 + random.next() % 6)).map { _ -> (key: NodeKey, node: TreeNode) in
                        let path = paths[Int(random.next() % UInt64(paths.count))]
                        let written = random.next() % 5 == 0 ? version - min(version - 1, 1 + random.next() % 3) : version
                        let key = NodeKey(version: written, path: path)
                        if random.next() % 10 == 0 {
                            return (key, .leaf(LeafNode(key: StateKey(namespace: [1], key: [UInt8(step & 0xff)]), value: [1])))
                        }
                        return (key, Self.node(children: Int(2 + random.next() % 15), seed: random.next()))
                    }
                    if random.next() % 2 == 0 {
                        // A list of its own, as a finalized block hands over: its nodes are moved in, in order.
                        cache.insert(taking: nodes.map { $0 })
                    } else {
                        cache.insert(nodes)
                    }
                    model.insert(nodes)
                    lastKeys = nodes.map(\.key)
                }
                #expect(cache.count == model.count, "budget \(budget), step \(step)")
                #expect(cache.pinnedCount == model.pinned.count, "budget \(budget), step \(step)")
            }
        }
    }
}

extension UInt64 {
    fileprivate var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> UInt64(56 - 8 * $0)) } }
}
