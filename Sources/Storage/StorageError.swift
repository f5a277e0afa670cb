/// Why a storage operation failed.
///
/// These are operating errors (DESIGN §1.5): a full disk, a damaged file or a call on a closed store
/// reach the caller as values, and a node never crashes on bytes it reads back from disk.
public enum StorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The store was closed; every call after `close()` fails with this error.
    case closed
    /// The operating system or the database engine failed to read or write.
    case io(message: String)
    /// Stored bytes are not what a writer put there: a decoder rejected them or a paired check failed.
    case corruption(message: String)
    /// The request breaks a rule of the store, such as a key or batch above its limit.
    case invalidArgument(message: String)

    public var description: String {
        switch self {
        case .closed: return "the store is closed"
        case .io(let message): return "storage I/O error: \(message)"
        case .corruption(let message): return "storage corruption: \(message)"
        case .invalidArgument(let message): return "invalid storage request: \(message)"
        }
    }
}
