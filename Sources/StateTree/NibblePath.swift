/// The position of a node: the first `count` nibbles of the keys below it.
///
/// Packed into four words like `StateKey` (unused nibbles zero), so node keys hash and compare without
/// heap allocation while a batch update builds tens of thousands of them.
public struct NibblePath: Hashable, Sendable, CustomStringConvertible {
    /// Nibbles in the path, 0 (the root) ... `StateTreeLimits.pathNibblesMax`.
    public let count: Int
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The empty path: the root's position.
    public static let root = NibblePath(count: 0, words: (0, 0, 0, 0))

    private init(count: Int, words: (UInt64, UInt64, UInt64, UInt64)) {
        self.count = count
        (w0, w1, w2, w3) = words
    }

    /// The first `count` nibbles of `key`.
    public init(key: StateKey, count: Int) {
        precondition(count >= 0 && count <= StateTreeLimits.pathNibblesMax, "path length out of range")
        let bits = count * 4
        func masked(_ index: Int) -> UInt64 {
            let start = index * 64
            if bits <= start { return 0 }
            if bits >= start + 64 { return key.word(index) }
            return key.word(index) & ~(UInt64.max >> UInt64(bits - start))
        }
        self.init(count: count, words: (masked(0), masked(1), masked(2), masked(3)))
    }

    /// Decodes the packed form of `bytes` (`nibbles` nibbles, high nibble first); nil when the bytes do
    /// not have exactly `(nibbles + 1) / 2` bytes or a padding nibble is not zero.
    public init?(nibbles: Int, packed bytes: ArraySlice<UInt8>) {
        guard nibbles >= 0, nibbles <= StateTreeLimits.pathNibblesMax, bytes.count == (nibbles + 1) / 2 else { return nil }
        if nibbles % 2 == 1, let last = bytes.last, last & 0x0F != 0 { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (offset, byte) in bytes.enumerated() {
            words[offset / 8] |= UInt64(byte) << UInt64(56 - 8 * (offset % 8))
        }
        self.init(count: nibbles, words: (words[0], words[1], words[2], words[3]))
    }

    private func word(_ index: Int) -> UInt64 {
        switch index {
        case 0: return w0
        case 1: return w1
        case 2: return w2
        default: return w3
        }
    }

    /// The nibble at `index` (< `count`).
    public func nibble(at index: Int) -> Int {
        precondition(index >= 0 && index < count, "nibble index out of range")
        return Int(truncatingIfNeeded: (word(index / 16) >> UInt64(60 - 4 * (index % 16))) & 0xF)
    }

    /// This path extended by one nibble: the position of a child.
    public func appending(_ nibble: Int) -> NibblePath {
        precondition(count < StateTreeLimits.pathNibblesMax && nibble >= 0 && nibble < 16, "cannot extend path")
        let bits = UInt64(nibble) << UInt64(60 - 4 * (count % 16))
        let words: (UInt64, UInt64, UInt64, UInt64)
        switch count / 16 {
        case 0: words = (w0 | bits, w1, w2, w3)
        case 1: words = (w0, w1 | bits, w2, w3)
        case 2: words = (w0, w1, w2 | bits, w3)
        default: words = (w0, w1, w2, w3 | bits)
        }
        return NibblePath(count: count + 1, words: words)
    }

    /// The packed nibbles, two per byte, high nibble first; an odd count leaves the last low nibble zero.
    public var packedBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity((count + 1) / 2)
        appendPacked(to: &bytes)
        return bytes
    }

    /// Words of packed nibbles a path holds at most: 64 nibbles.
    static let packedWordsMax = 4

    /// Packed bytes `8 * index ..< 8 * index + 8` as a big-endian word (`index` 0 ..< 4); nibbles past
    /// `count` are zero.
    func packedWord(_ index: Int) -> UInt64 { word(index) }

    /// Appends `packedBytes` to `bytes`.
    public func appendPacked(to bytes: inout [UInt8]) {
        for offset in 0..<(count + 1) / 2 {
            bytes.append(UInt8(truncatingIfNeeded: word(offset / 8) >> UInt64(56 - 8 * (offset % 8))))
        }
    }

    /// Hashes one word for paths under 16 nibbles (every node of a tree of fewer than 16^15 keys): their
    /// low nibble of `w0` is zero, so `w0 | count` alone tells them apart. The caches of internal nodes
    /// look paths up by the thousand per block (issue 18: 5 % of a block's tree update hashed them).
    public func hash(into hasher: inout Hasher) {
        if count < 16 {
            hasher.combine(w0 | UInt64(count))
        } else {
            hasher.combine(count)
            hasher.combine(w0)
            hasher.combine(w1)
            hasher.combine(w2)
            hasher.combine(w3)
        }
    }

    public var description: String {
        let digits = Array("0123456789abcdef")
        return "[" + String((0..<count).map { digits[nibble(at: $0)] }) + "]"
    }
}
