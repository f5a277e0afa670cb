import ChainTypes

extension SparseMerkleTree {
    /// The value of `key` at `version` and a proof of it (of its absence when the value is nil).
    ///
    /// Walks the stored 16-ary nodes but emits binary siblings: inside each node the path splits its
    /// 16 slots in halves four times, and stops early where the half it enters holds nothing or one
    /// leaf, exactly where the binary tree the hashes describe has an empty subtree or a leaf.
    public func proof(for key: StateKey, at version: UInt64) throws(StateTreeError) -> (value: [UInt8]?, proof: StateProof) {
        var siblings: [Hash] = []
        var node = try rootNode(at: version)
        var path = NibblePath.root
        while true {
            switch node {
            case .null:
                return (nil, StateProof(siblings: siblings, leaf: nil))
            case .leaf(let leaf):
                return Self.ending(at: leaf, for: key, siblings: siblings)
            case .internal(let internalNode):
                let nibble = key.nibble(at: path.count)
                var low = 0
                var width = StateTreeLimits.childrenMax
                while width > 1 {
                    width /= 2
                    let goesRight = nibble >= low + width
                    siblings.append(internalNode.rangeHash(low: goesRight ? low : low + width, width: width))
                    if goesRight { low += width }
                    if internalNode.childCount(low: low, width: width) == 0 {
                        return (nil, StateProof(siblings: siblings, leaf: nil))
                    }
                    if let leafNibble = internalNode.soleLeafNibble(low: low, width: width) {
                        return try leafEnding(internalNode, nibble: leafNibble, path: path, for: key, siblings: siblings)
                    }
                }
                guard let child = internalNode.child(at: nibble) else {
                    preconditionFailure("a width-1 range with a child has that child")
                }
                path = path.appending(nibble)
                node = try load(NodeKey(version: child.version, path: path), expecting: child)
            }
        }
    }

    private func leafEnding(
        _ node: InternalNode, nibble: Int, path: NibblePath, for key: StateKey, siblings: [Hash]
    ) throws(StateTreeError) -> (value: [UInt8]?, proof: StateProof) {
        guard let child = node.child(at: nibble) else { preconditionFailure("soleLeafNibble names a child") }
        let leafKey = NodeKey(version: child.version, path: path.appending(nibble))
        guard case .leaf(let leaf) = try load(leafKey, expecting: child) else {
            throw .corruptNode(leafKey, reason: "expected a leaf")
        }
        return Self.ending(at: leaf, for: key, siblings: siblings)
    }

    private static func ending(at leaf: LeafNode, for key: StateKey, siblings: [Hash]) -> (value: [UInt8]?, proof: StateProof) {
        let proofLeaf = StateProofLeaf(key: leaf.key.hash, valueHash: leaf.valueHash)
        return (leaf.key == key ? leaf.value : nil, StateProof(siblings: siblings, leaf: proofLeaf))
    }
}
