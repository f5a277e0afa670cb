/// The binary ranges of a 16-ary node's slots, numbered as a heap: range 1 is all 16 slots, ranges `2i`
/// and `2i + 1` are the halves of range `i`, and range `16 + n` is slot `n` alone.
///
/// One number per range lets a node keep the hashes of its inner ranges (2 … 15) in a bitmap-indexed
/// array, and walk them bottom up (from 15 down to 1, every half before its whole) without recursion.
enum SlotRange {
    /// The whole node.
    static let whole = 1
    /// The first range of one slot (slot 0); ranges below it are inner ranges of two slots or more.
    static let firstSlot = StateTreeLimits.childrenMax

    /// The range of `width` slots (a power of two, at most 16) starting at `low` (a multiple of `width`).
    @inline(__always) static func index(low: Int, width: Int) -> Int {
        firstSlot / width + low / width
    }

    /// The slots of range `index` (1 … 31) as a bitmap, bit `n` for slot `n`.
    @inline(__always) static func mask(_ index: Int) -> UInt16 {
        let level = Int.bitWidth - 1 - index.leadingZeroBitCount
        let width = firstSlot >> level
        let low = (index - (1 << level)) * width
        return UInt16(truncatingIfNeeded: ((1 << width) - 1) << low)
    }

    /// Whether range `index` hashes with a SHA-256 call: it spans two slots or more and holds two children
    /// or more, or one internal child. An empty range hashes to the empty hash and a range whose only child
    /// is a leaf to that leaf's hash (docs/state-tree.md §3), at no cost.
    @inline(__always) static func isHashed(_ index: Int, existence: UInt16, leaves: UInt16) -> Bool {
        guard index < firstSlot else { return false }
        let present = existence & mask(index)
        return present != 0 && !(present.nonzeroBitCount == 1 && leaves & present != 0)
    }
}
