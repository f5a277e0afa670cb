/// Why a state tree read, update or proof request failed.
///
/// Operating errors (DESIGN §1.5): a version that was never written or was pruned, a node missing or
/// damaged in storage, a batch that breaks a limit. The tree never crashes on bytes read from storage.
public enum StateTreeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No root is stored for `version`: it was never written, or pruning removed it.
    case missingVersion(UInt64)
    /// A node that a stored parent references is not in storage.
    case missingNode(NodeKey)
    /// A stored node did not decode, or contradicts its parent; `reason` says how.
    case corruptNode(NodeKey, reason: String)
    /// The backing store failed; `message` carries its error.
    case storage(message: String)
    /// The same key appears twice in one update batch.
    case duplicateKey(StateKey)
    /// A value is larger than `StateTreeLimits.valueBytesMax`.
    case valueTooLarge(key: StateKey, bytes: Int, limit: Int)
    /// An update batch has more changes than `StateTreeLimits.batchChangesMax`.
    case batchTooLarge(changes: Int, limit: Int)
    /// An update's version is not above the version it builds on.
    case versionNotIncreasing(version: UInt64, previous: UInt64)

    public var description: String {
        switch self {
        case .missingVersion(let version): return "no state tree root stored for version \(version)"
        case .missingNode(let key): return "state tree node \(key) is missing"
        case .corruptNode(let key, let reason): return "state tree node \(key) is corrupt: \(reason)"
        case .storage(let message): return "state tree storage failed: \(message)"
        case .duplicateKey(let key): return "key \(key) appears twice in one update"
        case .valueTooLarge(let key, let bytes, let limit): return "value of \(bytes) bytes for \(key) exceeds \(limit)"
        case .batchTooLarge(let changes, let limit): return "update of \(changes) changes exceeds \(limit)"
        case .versionNotIncreasing(let version, let previous): return "version \(version) does not follow \(previous)"
        }
    }
}
