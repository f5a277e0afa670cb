import StateTree

/// Key layout of the `treeNodes` column family (`docs/storage.md`, `docs/state-tree.md` §Storage).
///
/// | key                                                  | value                  |
/// |------------------------------------------------------|------------------------|
/// | `0x01` ‖ version (u64 BE) ‖ nibbles (u8) ‖ packed path | canonical `TreeNode`   |
/// | `0x02` ‖ stale-since version (u64 BE) ‖ node key       | empty                  |
///
/// Versions are big-endian so stale records scan in version order: pruning reads from the front and
/// stops at the first record it must keep.
enum TreeNodeKeys {
    static let nodeTag: UInt8 = 0x01
    static let staleTag: UInt8 = 0x02

    static func node(_ key: NodeKey) -> [UInt8] {
        [nodeTag] + key.encodedBytes
    }

    static func stale(_ record: StaleNodeRecord) -> [UInt8] {
        var bytes: [UInt8] = [staleTag]
        bytes.reserveCapacity(1 + 8 + 9 + 32)
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: record.staleSinceVersion >> UInt64(shift)))
        }
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
}
