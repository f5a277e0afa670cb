import StateTree

/// Key layout of the `treeNodes` column family (`docs/storage.md`, `docs/state-tree.md` §Storage).
///
/// | key                                                            | value                              |
/// |----------------------------------------------------------------|------------------------------------|
/// | `0x01` ‖ version (u64 BE) ‖ nibbles (u8) ‖ packed path           | canonical `TreeNode`               |
/// | `0x02` ‖ stale-since version (u64 BE) ‖ node key                 | empty (read only; format ≤ 2)      |
/// | `0x03` ‖ stale-since version (u64 BE) ‖ chunk (u32 BE)           | node keys, each u8 length ‖ bytes  |
///
/// Versions are big-endian so stale records scan in version order: pruning reads from the front and
/// stops at the first record it must keep. Stores of format 3 (`StorageFormat.staleLists`) write one list
/// per version (in chunks of `staleListNodesMax`) instead of one record per node; older stores' `0x02`
/// records are all stale since versions below every list's, so pruning reads them first.
enum TreeNodeKeys {
    static let nodeTag: UInt8 = 0x01
    static let staleTag: UInt8 = 0x02
    static let staleListTag: UInt8 = 0x03

    /// Node keys in one stale list record, at most: 4,096 keys of at most 42 bytes is 168 KiB, far inside
    /// `StorageLimits.valueBytesMax`, and small enough that a pruning step's reads stay bounded.
    static let staleListNodesMax = 4_096

    static func node(_ key: NodeKey) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 + key.encodedByteCount)
        appendNode(key, to: &bytes)
        return bytes
    }

    /// Appends `node(key)` to `bytes` (a batch's buffer) without building it apart.
    static func appendNode(_ key: NodeKey, to bytes: inout [UInt8]) {
        bytes.append(nodeTag)
        key.append(to: &bytes)
    }

    static func stale(_ record: StaleNodeRecord) -> [UInt8] {
        var bytes: [UInt8] = [staleTag]
        bytes.reserveCapacity(1 + 8 + 9 + 32)
        appendBigEndian(record.staleSinceVersion, bytes: 8, to: &bytes)
        bytes.append(contentsOf: record.nodeKey.encodedBytes)
        return bytes
    }

    /// Decodes a stale record key; nil when it is not one.
    static func staleRecord(_ bytes: [UInt8]) -> StaleNodeRecord? {
        guard bytes.count >= 1 + 8 + 9, bytes[0] == staleTag else { return nil }
        var version: UInt64 = 0
        for index in 1...8 { version = version << 8 | UInt64(bytes[index]) }
        guard let nodeKey = NodeKey(encodedBytes: bytes[9...]) else { return nil }
        return StaleNodeRecord(staleSinceVersion: version, nodeKey: nodeKey)
    }

    /// The key of chunk `chunk` of the nodes stale since `version`.
    static func staleList(version: UInt64, chunk: UInt32) -> [UInt8] {
        var bytes: [UInt8] = [staleListTag]
        bytes.reserveCapacity(1 + 8 + 4)
        appendBigEndian(version, bytes: 8, to: &bytes)
        appendBigEndian(UInt64(chunk), bytes: 4, to: &bytes)
        return bytes
    }

    /// The stale-since version of a stale list key; nil when it is not one.
    static func staleListVersion(_ bytes: [UInt8]) -> UInt64? {
        guard bytes.count == 1 + 8 + 4, bytes[0] == staleListTag else { return nil }
        var version: UInt64 = 0
        for index in 1...8 { version = version << 8 | UInt64(bytes[index]) }
        return version
    }

    /// The value of a stale list record: each node key's encoding after its length in one byte.
    static func encodeStaleList<Keys: Collection>(_ keys: Keys) -> [UInt8] where Keys.Element == NodeKey {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(keys.count * 16)
        for key in keys {
            bytes.append(UInt8(truncatingIfNeeded: key.encodedByteCount))
            key.append(to: &bytes)
        }
        return bytes
    }

    /// Decodes a stale list record's value; nil when it is not a sequence of node keys.
    static func decodeStaleList(_ bytes: [UInt8]) -> [NodeKey]? {
        var keys: [NodeKey] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let count = Int(bytes[index])
            let start = index + 1
            guard count >= 9, bytes.endIndex - start >= count, let key = NodeKey(encodedBytes: bytes[start..<start + count]) else {
                return nil
            }
            keys.append(key)
            index = start + count
        }
        return keys
    }

    private static func appendBigEndian(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: 8 * (count - 1), through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
