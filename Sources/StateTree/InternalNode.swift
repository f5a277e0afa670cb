import ChainTypes

/// A 16-ary node: up to one child per nibble value, hashed as the 4-level binary tree it stands for.
///
/// Storing 16-way nodes keeps a 1M-key tree about five nodes deep, so an update reads and writes few
/// nodes; hashing them as binary subtrees keeps proofs to one sibling per bit (ADR 0002). The binary
/// hash of a range of children is the empty hash when it holds none, the leaf's own hash when it holds
/// exactly one leaf (leaves rise to the shallowest unique position), and a node hash of its two halves
/// otherwise.
public struct InternalNode: Hashable, Sendable {
    /// Bit `n` set when nibble `n` has a child.
    public let existence: UInt16
    /// Bit `n` set when the child at nibble `n` is a leaf (a subset of `existence`).
    public let leaves: UInt16
    /// The children's references, in nibble order, one per bit of `existence`.
    public let children: [ChildReference]
    /// The node's hash: the binary hash of all 16 slots.
    public let hash: Hash

    /// Makes a node from `(nibble, child)` pairs in ascending nibble order; nil when they are unsorted,
    /// repeat a nibble, or are fewer than one.
    public init?(children pairs: [(nibble: Int, child: ChildReference)]) {
        guard !pairs.isEmpty, pairs.count <= StateTreeLimits.childrenMax else { return nil }
        var existence: UInt16 = 0
        var leaves: UInt16 = 0
        var previous = -1
        for (nibble, child) in pairs {
            guard nibble > previous, nibble < StateTreeLimits.childrenMax else { return nil }
            previous = nibble
            existence |= 1 << UInt16(nibble)
            if child.isLeaf { leaves |= 1 << UInt16(nibble) }
        }
        self.existence = existence
        self.leaves = leaves
        self.children = pairs.map(\.child)
        var scratch = TreeHasher.makeScratch()
        self.hash = Self.rangeHash(existence: existence, leaves: leaves, children: children, low: 0, width: 16, scratch: &scratch)
    }

    /// The child at `nibble`, or nil when that slot is empty.
    public func child(at nibble: Int) -> ChildReference? {
        let bit: UInt16 = 1 << UInt16(nibble)
        guard existence & bit != 0 else { return nil }
        return children[(existence & (bit &- 1)).nonzeroBitCount]
    }

    /// The children as `(nibble, child)` pairs in nibble order.
    public var childPairs: [(nibble: Int, child: ChildReference)] {
        var pairs: [(nibble: Int, child: ChildReference)] = []
        pairs.reserveCapacity(children.count)
        var index = 0
        for nibble in 0..<16 where existence & (1 << UInt16(nibble)) != 0 {
            pairs.append((nibble, children[index]))
            index += 1
        }
        return pairs
    }

    static func mask(low: Int, width: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: ((1 << width) - 1) << low)
    }

    /// Children in the slots `low ..< low + width`.
    func childCount(low: Int, width: Int) -> Int {
        (existence & Self.mask(low: low, width: width)).nonzeroBitCount
    }

    /// The nibble of the only child in `low ..< low + width` when that child is a leaf.
    func soleLeafNibble(low: Int, width: Int) -> Int? {
        let mask = Self.mask(low: low, width: width)
        guard (existence & mask).nonzeroBitCount == 1, leaves & mask != 0 else { return nil }
        return (leaves & mask).trailingZeroBitCount
    }

    /// The binary hash of the slots `low ..< low + width` (a power of two, aligned).
    func rangeHash(low: Int, width: Int) -> Hash {
        var scratch = TreeHasher.makeScratch()
        return Self.rangeHash(existence: existence, leaves: leaves, children: children, low: low, width: width, scratch: &scratch)
    }

    private static func rangeHash(
        existence: UInt16, leaves: UInt16, children: [ChildReference], low: Int, width: Int, scratch: inout [UInt8]
    ) -> Hash {
        let mask = mask(low: low, width: width)
        let present = existence & mask
        if present == 0 { return TreeHasher.emptyHash }
        if width == 1 || (present.nonzeroBitCount == 1 && leaves & mask != 0) {
            let nibble = present.trailingZeroBitCount
            return children[(existence & ((1 << UInt16(nibble)) &- 1)).nonzeroBitCount].hash
        }
        let half = width / 2
        let left = rangeHash(existence: existence, leaves: leaves, children: children, low: low, width: half, scratch: &scratch)
        let right = rangeHash(existence: existence, leaves: leaves, children: children, low: low + half, width: half, scratch: &scratch)
        return TreeHasher.nodeHash(left: left, right: right, scratch: &scratch)
    }

    public static func == (lhs: InternalNode, rhs: InternalNode) -> Bool {
        lhs.existence == rhs.existence && lhs.leaves == rhs.leaves && lhs.children == rhs.children
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(existence); hasher.combine(children) }
}
