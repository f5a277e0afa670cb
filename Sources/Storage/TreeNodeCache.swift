import StateTree
import Synchronization

/// State tree nodes the ledger wrote or read recently, by node key, so that the next block's tree update
/// finds the upper levels in memory instead of reading and decoding them from the store again.
///
/// Every block rewrites the nodes on the paths of the keys it changes, root included, and the next block
/// reads those nodes back first; with blocks of a few hundred transactions that is most of the update's reads
/// (issue 18, deliver 6). A node key (version, path) is written once, by the update that creates its version,
/// and never rewritten, so a cached node is the stored node; the tree still checks each loaded node's hash
/// against its parent's reference (`NodeLoader`). Only readers of the latest versions should use it (block
/// execution): pruning may delete an old version's nodes while the cache still holds them.
///
/// Bounded by two generations of `generationCapacity` nodes: when the current one is full it becomes the
/// previous one and the oldest is dropped, so the nodes used by the last blocks stay.
public final class TreeNodeCache: Sendable {
    /// Nodes per generation; the cache holds at most twice this many.
    public let generationCapacity: Int
    private let generations: Mutex<Generations>

    private struct Generations {
        var current: [NodeKey: TreeNode] = [:]
        var previous: [NodeKey: TreeNode] = [:]
    }

    /// Default nodes per generation: the top three levels of a 16-ary tree (273 nodes) and the paths of a
    /// few thousand changed keys; a full internal node takes about 1 KiB, so both generations stay under 16 MiB.
    public static let generationCapacityDefault = 8_192

    public init(generationCapacity: Int = TreeNodeCache.generationCapacityDefault) {
        precondition(generationCapacity >= 1, "a generation must hold at least one node")
        self.generationCapacity = generationCapacity
        generations = Mutex(Generations())
    }

    /// The node stored under `key`, if the cache holds it.
    public func node(at key: NodeKey) -> TreeNode? {
        generations.withLock { generations in
            if let node = generations.current[key] { return node }
            guard let node = generations.previous[key] else { return nil }
            Self.add(node, at: key, to: &generations, capacity: generationCapacity)
            return node
        }
    }

    /// Records nodes that are in the store under their keys (read from it, or just written to it).
    public func insert<Nodes: Sequence>(_ nodes: Nodes) where Nodes.Element == (key: NodeKey, node: TreeNode) {
        generations.withLock { generations in
            for (key, node) in nodes { Self.add(node, at: key, to: &generations, capacity: generationCapacity) }
        }
    }

    /// Nodes held now (both generations; a key in both counts twice).
    public var count: Int { generations.withLock { $0.current.count + $0.previous.count } }

    private static func add(_ node: TreeNode, at key: NodeKey, to generations: inout Generations, capacity: Int) {
        if generations.current.count >= capacity {
            generations.previous = generations.current
            generations.current = [:]
            generations.current.reserveCapacity(capacity)
        }
        generations.current[key] = node
    }
}
