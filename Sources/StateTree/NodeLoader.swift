/// Reads nodes for the tree's algorithms and checks each against what its parent recorded.
///
/// Not generic over the reader: the update and proof code it serves then compiles to concrete code once,
/// instead of running unspecialized when `SparseMerkleTree<Reader>` is used from another module.
struct NodeLoader: Sendable {
    let reader: any TreeReader

    /// The root node of `version`; `missingVersion` when none is stored.
    func rootNode(at version: UInt64) throws(StateTreeError) -> TreeNode {
        guard let node = try reader.node(at: .root(version: version)) else { throw .missingVersion(version) }
        return node
    }

    /// Reads the node a parent references and checks it is what the parent recorded (paired check).
    func load(_ key: NodeKey, expecting child: ChildReference) throws(StateTreeError) -> TreeNode {
        try Self.check(reader.node(at: key), at: key, expecting: child)
    }

    /// Reads the nodes parents reference with one `TreeReader.nodes(at:)`, checking each as `load` does;
    /// throws what loading them one at a time, in order, would throw first.
    ///
    /// Each node is moved out of what the reader returned, not copied: a copy retained the node's arrays, and
    /// freeing the reader's list released them again (issue 18).
    func load(_ references: [(key: NodeKey, child: ChildReference)]) throws(StateTreeError) -> [TreeNode] {
        var nodes = try reader.nodes(at: references.map(\.key))
        guard nodes.count == references.count else {
            throw .storage(message: "read \(nodes.count) nodes for \(references.count) keys")
        }
        var checked: [TreeNode] = []
        checked.reserveCapacity(nodes.count)
        for index in nodes.indices {
            checked.append(try Self.check(nodes[index].take(), at: references[index].key, expecting: references[index].child))
        }
        return checked
    }

    /// `node`, read under `key`, when it is what the parent recorded in `child` (paired check).
    static func check(_ node: TreeNode?, at key: NodeKey, expecting child: ChildReference) throws(StateTreeError) -> TreeNode {
        guard let node else { throw .missingNode(key) }
        if case .internal = node, key.path.count >= StateTreeLimits.pathNibblesMax {
            throw .corruptNode(key, reason: "an internal node below the deepest nibble")
        }
        switch node {
        case .leaf where child.isLeaf, .internal where !child.isLeaf:
            guard node.hash == child.hash else {
                throw .corruptNode(key, reason: "hash \(node.hash) differs from the parent's \(child.hash)")
            }
            return node
        default:
            throw .corruptNode(key, reason: "node kind differs from the parent's record")
        }
    }
}
