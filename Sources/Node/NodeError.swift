import Storage

/// Why the node cannot start or must stop: configuration, keys, storage, genesis, or a ledger fault.
///
/// A node never guesses past one of these: a damaged store or a state root that disagrees with the
/// chain stops it with the reason logged, so the operator can act (docs/operations.md).
public enum NodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case configuration(String)
    /// The data directory was written in a storage format this build cannot read (both versions named).
    case storageFormat(StorageFormatError)
    case keys(String)
    case storage(String)
    case genesis(String)
    case network(String)
    /// The ledger refused a committed block: the node has diverged or its store is damaged.
    case ledger(String)

    public var description: String {
        switch self {
        case .configuration(let message): "configuration: \(message)"
        case .keys(let message): "keys: \(message)"
        case .storage(let message): "storage: \(message)"
        case .storageFormat(let error): "storage: \(error)"
        case .genesis(let message): "genesis: \(message)"
        case .network(let message): "network: \(message)"
        case .ledger(let message): "ledger: \(message)"
        }
    }
}
