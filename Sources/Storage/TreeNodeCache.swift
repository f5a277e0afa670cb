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
/// Bounded by bytes (an estimate of each node's memory, `estimatedBytes`), in two generations of half the
/// budget each: when the current one is full it becomes the previous one and the oldest is dropped; a node
/// found in the previous generation moves to the current one, so the nodes every block reads stay.
public final class TreeNodeCache: Sendable {
    /// Bytes both generations may hold together (estimated).
    public let byteBudget: Int
    private let generations: Mutex<Generations>

    private struct Entry {
        let version: UInt64
        let node: TreeNode
    }

    private struct Generations {
        var current: [NibblePath: Entry] = [:]
        var currentBytes = 0
        var previous: [NibblePath: Entry] = [:]
    }

    /// Default budget: 16 MiB, the tree's top three levels and the paths of a few thousand changed keys; a
    /// node sizes it from its memory budget (`storage.memory_bytes`) instead.
    public static let byteBudgetDefault = 16 << 20
    public init(byteBudget: Int = TreeNodeCache.byteBudgetDefault) {
        self.byteBudget = max(1, byteBudget)
        generations = Mutex(Generations())
    }

    /// The node stored under `key`, if the cache holds that version at that path.
    public func node(at key: NodeKey) -> TreeNode? {
        generations.withLock { generations in
            if let entry = generations.current[key.path] {
                return entry.version == key.version ? entry.node : nil
            }
            guard let entry = generations.previous[key.path], entry.version == key.version else { return nil }
            Self.add(entry, at: key.path, to: &generations, generationBytes: byteBudget / 2)
            return entry.node
        }
    }

    /// Records nodes that are in the store under their keys (read from it, or just written to it); leaves
    /// are skipped, and a node older than the one held at its path is ignored.
    public func insert<Nodes: Sequence>(_ nodes: Nodes) where Nodes.Element == (key: NodeKey, node: TreeNode) {
        generations.withLock { generations in
            for (key, node) in nodes {
                guard case .internal = node else { continue }
                if let held = generations.current[key.path] ?? generations.previous[key.path], held.version > key.version { continue }
                Self.add(Entry(version: key.version, node: node), at: key.path, to: &generations, generationBytes: byteBudget / 2)
            }
        }
    }

    /// Nodes held now (both generations; a path in both counts twice).
    public var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    /// An estimate of the memory one cached node takes: the dictionary slot (path, version and the node's
    /// fixed part, at a load factor of about 3/4) and its children's array with the allocator's overhead.
    public static func estimatedBytes(_ node: TreeNode) -> Int {
        switch node {
        case .internal(let internalNode): 200 + 48 * internalNode.children.count
        case .leaf(let leaf): 200 + leaf.value.count
        case .null: 200
        }
    }

    private static func add(_ entry: Entry, at path: NibblePath, to generations: inout Generations, generationBytes: Int) {
        let bytes = estimatedBytes(entry.node)
        if let replaced = generations.current.updateValue(entry, forKey: path) {
            generations.currentBytes += bytes - estimatedBytes(replaced.node)
            return
        }
        generations.currentBytes += bytes
        if generations.currentBytes > generationBytes {
            generations.previous = generations.current
            generations.current = [:]
            generations.currentBytes = 0
        }
    }
}
