/// Where a node is stored: the version (block height) that wrote it and its position in the tree.
///
/// Jellyfish's rule: a node is never overwritten. An update writes new nodes under its own version and
/// leaves the old ones in place, so every past version stays readable from its root `(version, root)`
/// until pruning removes nodes no retained version reaches.
public struct NodeKey: Hashable, Sendable, CustomStringConvertible {
    /// The version (block height) whose update wrote the node.
    public let version: UInt64
    /// The node's position: the nibbles shared by every key below it.
    public let path: NibblePath

    public init(version: UInt64, path: NibblePath) {
        self.version = version
        self.path = path
    }

    /// The key of the root node of `version`.
    public static func root(version: UInt64) -> NodeKey { NodeKey(version: version, path: .root) }

    /// The storage encoding: `version` (u64 big-endian, so keys sort by version), the nibble count (u8),
    /// then the packed nibbles (`docs/state-tree.md` §Storage).
    public var encodedBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encodedByteCount)
        append(to: &bytes)
        return bytes
    }

    /// The length of `encodedBytes`.
    public var encodedByteCount: Int { 9 + (path.count + 1) / 2 }

    /// Appends `encodedBytes` to `bytes` without building them apart: a block writes and reads thousands of
    /// node keys, each behind a one-byte tag (issue 18). Assembled on the stack and appended in one copy (a
    /// byte at a time, it was 10 to 42 appends).
    public func append(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(byteCount: 9 + NibblePath.packedWordsMax * 8, alignment: 8) { raw in
            raw.storeBytes(of: version.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: UInt8(truncatingIfNeeded: path.count), toByteOffset: 8, as: UInt8.self)
            let packedCount = (path.count + 1) / 2
            for index in 0..<(packedCount + 7) / 8 {
                raw.storeBytes(of: path.packedWord(index).bigEndian, toByteOffset: 9 + 8 * index, as: UInt64.self)
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<9 + packedCount]))
        }
    }

    /// Decodes `encodedBytes`; nil when the bytes are not exactly a node key's encoding.
    public init?(encodedBytes bytes: ArraySlice<UInt8>) {
        guard bytes.count >= 9 else { return nil }
        let start = bytes.startIndex
        var version: UInt64 = 0
        for index in start..<start + 8 { version = version << 8 | UInt64(bytes[index]) }
        let nibbles = Int(bytes[start + 8])
        guard let path = NibblePath(nibbles: nibbles, packed: bytes[(start + 9)...]) else { return nil }
        self.init(version: version, path: path)
    }

    public var description: String { "\(version)\(path)" }
}
