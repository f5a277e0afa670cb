import ChainTypes

/// A 16-ary node: up to one child per nibble value, hashed as the 4-level binary tree it stands for.
///
/// Storing 16-way nodes keeps a 1M-key tree about five nodes deep, so an update reads and writes few
/// nodes; hashing them as binary subtrees keeps proofs to one sibling per bit (ADR 0002). The binary
/// hash of a range of children is the empty hash when it holds none, the leaf's own hash when it holds
/// exactly one leaf (leaves rise to the shallowest unique position), and a node hash of its two halves
/// otherwise.
///
/// A node also keeps, in memory only, the hashes of its inner ranges that cost a SHA-256 call (never
/// encoded: they follow from the children), so that the node an update builds from it rehashes only the
/// ranges over changed slots, and a proof reads its siblings instead of rehashing them (issue 18: at a
/// million keys a block rebuilds thousands of full nodes, most with one child changed, 4 hashes instead
/// of 15).
public struct InternalNode: Hashable, Sendable {
    /// Bit `n` set when nibble `n` has a child.
    public let existence: UInt16
    /// Bit `n` set when the child at nibble `n` is a leaf (a subset of `existence`).
    public let leaves: UInt16
    /// Bit `i` set when `rangeHashes` holds the hash of range `i` (`SlotRange` numbering).
    let keptRanges: UInt16
    /// The children's references, in nibble order, one per bit of `existence`.
    public let children: [ChildReference]
    /// The node's hash: the binary hash of all 16 slots.
    public let hash: Hash
    /// The hashes of the ranges in `keptRanges`, from the highest range number down.
    let rangeHashes: [Hash]

    /// The inner ranges whose hashes a node keeps when they cost a SHA-256 call: all fourteen (2 … 15).
    ///
    /// Keeping only the ranges of 4 and 8 slots (2 … 7) would save 8 × 32 bytes per full node and cost
    /// one more hash per changed slot (5 instead of 4); docs/performance.md has the measurement.
    static let keptRangesMask: UInt16 = 0xFFFC
    /// The most range hashes a node keeps (a node whose slots are all full).
    public static let keptRangeHashCountMax = keptRangesMask.nonzeroBitCount

    /// Makes a node from `(nibble, child)` pairs in ascending nibble order; nil when they are unsorted,
    /// repeat a nibble, or are fewer than one.
    public init?(children pairs: [(nibble: Int, child: ChildReference)]) {
        self.init(children: pairs, reusing: nil)
    }

    /// Makes a node like `init(children:)`, reusing the range hashes of `previous` (the node this one
    /// replaces) wherever no slot below differs from it in presence, kind or hash.
    ///
    /// A block's update rebuilds every node on the paths of the keys it changes, usually with one or two
    /// of sixteen children changed; rehashing only their ranges makes a full node cost 4 hashes, not 15.
    /// The result is the same node, bit for bit, whatever `previous` is: a range is reused only when all
    /// its slots are equal.
    public init?(children pairs: [(nibble: Int, child: ChildReference)], reusing previous: InternalNode?) {
        guard !pairs.isEmpty, pairs.count <= StateTreeLimits.childrenMax else { return nil }
        var existence: UInt16 = 0
        var leaves: UInt16 = 0
        var previousNibble = -1
        for (nibble, child) in pairs {
            guard nibble > previousNibble, nibble < StateTreeLimits.childrenMax else { return nil }
            previousNibble = nibble
            existence |= 1 << UInt16(nibble)
            if child.isLeaf { leaves |= 1 << UInt16(nibble) }
        }
        self.init(existence: existence, leaves: leaves, children: pairs.map(\.child), reusing: previous)
    }

    /// Makes a node from its bitmaps and its children in nibble order, one per bit of `existence`, with a
    /// leaf bit for each leaf child: what the batch update builds, without the pairs and their checks.
    init(existence: UInt16, leaves: UInt16, children: [ChildReference], reusing previous: InternalNode?) {
        let hashed = Self.hashRanges(existence: existence, leaves: leaves, children: children, reusing: previous)
        self.existence = existence
        self.leaves = leaves
        self.children = children
        self.hash = hashed.hash
        self.keptRanges = hashed.keptRanges
        self.rangeHashes = hashed.rangeHashes
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

    /// How many range hashes the node keeps in memory (for memory estimates; `TreeNodeCache`).
    public var keptRangeHashCount: Int { rangeHashes.count }

    /// Children in the slots `low ..< low + width`.
    func childCount(low: Int, width: Int) -> Int {
        (existence & SlotRange.mask(SlotRange.index(low: low, width: width))).nonzeroBitCount
    }

    /// The nibble of the only child in `low ..< low + width` when that child is a leaf.
    func soleLeafNibble(low: Int, width: Int) -> Int? {
        let mask = SlotRange.mask(SlotRange.index(low: low, width: width))
        guard (existence & mask).nonzeroBitCount == 1, leaves & mask != 0 else { return nil }
        return (leaves & mask).trailingZeroBitCount
    }

    /// The binary hash of the slots `low ..< low + width` (a power of two, aligned).
    func rangeHash(low: Int, width: Int) -> Hash {
        rangeHash(SlotRange.index(low: low, width: width))
    }

    /// The hash of range `index`: free, kept, or (for a range this node does not keep) rehashed.
    func rangeHash(_ index: Int) -> Hash {
        if let free = Self.freeHash(index, existence: existence, leaves: leaves, children: children) { return free }
        if let kept = keptHash(index) { return kept }
        return TreeHasher.nodeHash(left: rangeHash(2 * index), right: rangeHash(2 * index + 1))
    }

    /// The hash of range `index` if this node holds it: the whole node's, or a kept inner range's.
    func keptHash(_ index: Int) -> Hash? {
        if index == SlotRange.whole { return hash }
        guard index < SlotRange.firstSlot, keptRanges & (1 << UInt16(index)) != 0 else { return nil }
        return rangeHashes[(keptRanges >> UInt16(index + 1)).nonzeroBitCount]
    }

    /// The hash of range `index` when it costs no SHA-256 call (empty, one slot, or a lone leaf), else nil.
    static func freeHash(_ index: Int, existence: UInt16, leaves: UInt16, children: [ChildReference]) -> Hash? {
        let present = existence & SlotRange.mask(index)
        if present == 0 { return TreeHasher.emptyHash }
        guard index >= SlotRange.firstSlot || (present.nonzeroBitCount == 1 && leaves & present != 0) else { return nil }
        let bit = present & (0 &- present)
        return children[(existence & (bit &- 1)).nonzeroBitCount].hash
    }

    /// A node's hashes: its own, the inner ones it keeps, and how many SHA-256 calls they took.
    struct HashedRanges {
        let hash: Hash
        let keptRanges: UInt16
        let rangeHashes: [Hash]
        let hashCount: Int
    }

    /// Hashes the ranges of a node bottom up (15 down to 1), taking from `previous` each range whose
    /// slots are all unchanged.
    static func hashRanges(
        existence: UInt16, leaves: UInt16, children: [ChildReference], reusing previous: InternalNode?
    ) -> HashedRanges {
        let changed = previous.map { changedSlots(existence: existence, leaves: leaves, children: children, from: $0) } ?? 0xFFFF
        var hashedRanges: UInt16 = 0
        for index in SlotRange.whole..<SlotRange.firstSlot where SlotRange.isHashed(index, existence: existence, leaves: leaves) {
            hashedRanges |= 1 << UInt16(index)
        }
        let keptRanges = hashedRanges & keptRangesMask
        var rangeHashes: [Hash] = []
        rangeHashes.reserveCapacity(keptRanges.nonzeroBitCount)
        var hashCount = 0
        let hash = withUnsafeTemporaryAllocation(of: Hash.self, capacity: SlotRange.firstSlot) { hashed in
            hashed.initialize(repeating: TreeHasher.emptyHash)
            func value(_ index: Int) -> Hash {
                if index < SlotRange.firstSlot, hashedRanges & (1 << UInt16(index)) != 0 { return hashed[index] }
                return freeHash(index, existence: existence, leaves: leaves, children: children) ?? TreeHasher.emptyHash
            }
            for index in stride(from: SlotRange.firstSlot - 1, through: SlotRange.whole, by: -1)
            where hashedRanges & (1 << UInt16(index)) != 0 {
                if SlotRange.mask(index) & changed == 0, let reused = previous?.keptHash(index) {
                    hashed[index] = reused
                } else {
                    hashed[index] = TreeHasher.nodeHash(left: value(2 * index), right: value(2 * index + 1))
                    hashCount += 1
                }
                if keptRanges & (1 << UInt16(index)) != 0 { rangeHashes.append(hashed[index]) }
            }
            return value(SlotRange.whole)
        }
        return HashedRanges(hash: hash, keptRanges: keptRanges, rangeHashes: rangeHashes, hashCount: hashCount)
    }

    /// The slots where a node with these children differs from `previous`: in presence, kind or hash.
    static func changedSlots(existence: UInt16, leaves: UInt16, children: [ChildReference], from previous: InternalNode) -> UInt16 {
        var changed = (existence ^ previous.existence) | (leaves ^ previous.leaves)
        var both = existence & previous.existence
        while both != 0 {
            let bit = both & (0 &- both)
            let new = children[(existence & (bit &- 1)).nonzeroBitCount]
            let old = previous.children[(previous.existence & (bit &- 1)).nonzeroBitCount]
            if new.hash != old.hash { changed |= bit }
            both &= both &- 1
        }
        return changed
    }

    public static func == (lhs: InternalNode, rhs: InternalNode) -> Bool {
        lhs.existence == rhs.existence && lhs.leaves == rhs.leaves && lhs.children == rhs.children
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(existence); hasher.combine(children) }
}
