/// One change in an update batch: a key gets a value, or loses it.
///
/// A block's changes form one batch for `SparseMerkleTree.update`, in any order, each key at most once.
public struct StateChange: Hashable, Sendable {
    /// The key that changes.
    public let key: StateKey
    /// The new value; nil deletes the key (deleting an absent key changes nothing).
    public let value: [UInt8]?

    public init(key: StateKey, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// Sets `key` to `value`.
    public static func put(_ key: StateKey, _ value: [UInt8]) -> StateChange { StateChange(key: key, value: value) }

    /// Removes `key`.
    public static func delete(_ key: StateKey) -> StateChange { StateChange(key: key, value: nil) }
}
