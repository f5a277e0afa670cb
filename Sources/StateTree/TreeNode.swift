import ChainTypes

/// A stored node of the state tree: the empty tree's root, an internal node or a leaf.
///
/// Its canonical encoding is the value stored under the node's key (`docs/state-tree.md` §Node layout);
/// the decoder rejects anything a correct writer would not have written, so a damaged node surfaces as
/// `StateTreeError.corruptNode` rather than as a wrong root.
public enum TreeNode: Hashable, Sendable {
    /// The root of a version whose tree holds no keys.
    case null
    case `internal`(InternalNode)
    case leaf(LeafNode)

    /// The node's hash; the empty hash for `.null`.
    public var hash: Hash {
        switch self {
        case .null: return TreeHasher.emptyHash
        case .internal(let node): return node.hash
        case .leaf(let leaf): return leaf.hash
        }
    }

    enum Tag: UInt8 {
        case null = 0
        case `internal` = 1
        case leaf = 2
    }
}

extension TreeNode: CanonicalCodable {
    /// The canonical encoding, in a buffer of its exact length: a block encodes thousands of nodes, and the
    /// encoder's default buffer grew twice for a full internal node (645 bytes) and once for most leaves.
    public var canonicalBytes: [UInt8] {
        var encoder = CanonicalEncoder(reservingCapacity: encodedByteCount)
        encode(to: &encoder)
        return encoder.bytes
    }

    /// The length of the canonical encoding.
    var encodedByteCount: Int {
        switch self {
        case .null: 1
        case .internal(let node): 5 + node.children.count * (Hash.byteCount + 8)
        case .leaf(let leaf): 1 + Hash.byteCount + 4 + leaf.value.count
        }
    }

    /// Appends `canonicalBytes` to `bytes` in one or two copies: an internal node's encoding, and a leaf's
    /// header, are assembled on the stack first.
    ///
    /// Why: written through `CanonicalEncoder`, a full internal node was about 150 appends (each version a
    /// byte at a time), each checking the buffer's uniqueness and room; at a million licences, with four
    /// validators sharing the cores, encoding a block's nodes into its batch was a tenth of execution
    /// (issue 18). `TreeNodeAppendTests` checks the bytes against the encoder's.
    public func appendCanonicalBytes(to bytes: inout [UInt8]) {
        switch self {
        case .null:
            bytes.append(Tag.null.rawValue)
        case .internal(let node):
            withUnsafeTemporaryAllocation(byteCount: encodedByteCount, alignment: 8) { raw in
                raw.storeBytes(of: Tag.internal.rawValue, toByteOffset: 0, as: UInt8.self)
                raw.storeBytes(of: node.existence.littleEndian, toByteOffset: 1, as: UInt16.self)
                raw.storeBytes(of: node.leaves.littleEndian, toByteOffset: 3, as: UInt16.self)
                var offset = 5
                node.children.withUnsafeBufferPointer { children in
                    for child in children {
                        Self.store(child.hash, in: raw, at: offset)
                        raw.storeBytes(of: child.version.littleEndian, toByteOffset: offset + Hash.byteCount, as: UInt64.self)
                        offset += Hash.byteCount + 8
                    }
                }
                bytes.append(contentsOf: UnsafeRawBufferPointer(raw))
            }
        case .leaf(let leaf):
            withUnsafeTemporaryAllocation(byteCount: 1 + Hash.byteCount + 4, alignment: 8) { raw in
                raw.storeBytes(of: Tag.leaf.rawValue, toByteOffset: 0, as: UInt8.self)
                Self.store(leaf.key.hash, in: raw, at: 1)
                // A value is at most `StateTreeLimits.valueBytesMax` (updates and the decoder check it).
                raw.storeBytes(
                    of: UInt32(truncatingIfNeeded: leaf.value.count).littleEndian, toByteOffset: 1 + Hash.byteCount, as: UInt32.self)
                bytes.append(contentsOf: UnsafeRawBufferPointer(raw))
            }
            bytes.append(contentsOf: leaf.value)
        }
    }

    /// Stores the 32 bytes of `hash` at `offset` of `raw`.
    @inline(__always)
    private static func store(_ hash: Hash, in raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        for index in 0..<4 { raw.storeBytes(of: hash.word(index).bigEndian, toByteOffset: offset + 8 * index, as: UInt64.self) }
    }

    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .null:
            encoder.write(Tag.null.rawValue)
        case .internal(let node):
            encoder.write(Tag.internal.rawValue)
            encoder.write(node.existence)
            encoder.write(node.leaves)
            for child in node.children {
                encoder.write(child.hash)
                encoder.write(child.version)
            }
        case .leaf(let leaf):
            encoder.write(Tag.leaf.rawValue)
            encoder.write(leaf.key.hash)
            encoder.write(bytes: leaf.value)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch Tag(rawValue: tag) {
        case .null:
            self = .null
        case .internal:
            self = .internal(try Self.decodeInternal(from: &decoder))
        case .leaf:
            let key = StateKey(hash: try decoder.read(Hash.self))
            let value = try decoder.readBytes(field: "leaf value", limit: StateTreeLimits.valueBytesMax)
            self = .leaf(LeafNode(key: key, value: value))
        case nil:
            throw .unknownVariant(type: "TreeNode", tag: UInt64(tag))
        }
    }

    private static func decodeInternal(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) -> InternalNode {
        let existence = try decoder.readUInt16()
        let leaves = try decoder.readUInt16()
        guard existence != 0 else { throw .invalidValue(field: "internal node", reason: "no children") }
        guard leaves & ~existence == 0 else {
            throw .invalidValue(field: "internal node", reason: "a leaf bit is set for an empty slot")
        }
        guard !(existence.nonzeroBitCount == 1 && leaves != 0) else {
            throw .invalidValue(field: "internal node", reason: "a single leaf child must replace its parent")
        }
        var pairs: [(nibble: Int, child: ChildReference)] = []
        pairs.reserveCapacity(existence.nonzeroBitCount)
        for nibble in 0..<16 where existence & (1 << UInt16(nibble)) != 0 {
            let hash = try decoder.read(Hash.self)
            let version = try decoder.readUInt64()
            let isLeaf = leaves & (1 << UInt16(nibble)) != 0
            pairs.append((nibble, ChildReference(hash: hash, version: version, isLeaf: isLeaf)))
        }
        guard let node = InternalNode(children: pairs) else {
            throw .invalidValue(field: "internal node", reason: "malformed children")
        }
        return node
    }
}
