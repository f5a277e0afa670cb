import ChainTypes
import Keys
import Node

/// Why `sbp network init`, `sbp department init` or `sbp node init` made nothing; none of them leaves
/// anything behind in its output directory on any of these.
public enum SetupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An option is out of range or malformed; `option` is its command-line spelling, e.g. `--departments`.
    case invalidOption(option: String, reason: String)
    /// The output directory holds files and `--force` was not given.
    case outputNotEmpty(path: String)
    /// `--force` was given but the directory does not look like an earlier network (no `network.json`), so
    /// deleting it could destroy someone's files.
    case refusingToReplace(path: String, reason: String)
    /// A file the command reads (a genesis document, `department.json`, a join request or a registration)
    /// does not hold what it should.
    case invalidFile(path: String, reason: String)
    /// The standard contracts could not be read.
    case contracts(path: String, reason: String)
    /// A file or directory could not be created, written, read or moved.
    case fileSystem(path: String, reason: String)
    /// A certificate or TLS key could not be made.
    case certificate(reason: String)
    /// A key could not be written.
    case keyFile(KeyFileError)
    /// A key could not be encrypted into the keystore.
    case keystore(KeystoreError)
    /// The generated genesis failed its own validation (a bug in the initializer, reported rather than written).
    case genesis(GenesisError)

    public var description: String {
        switch self {
        case .invalidOption(let option, let reason): "\(option): \(reason)"
        case .outputNotEmpty(let path): "\(path) is not empty; use --force to replace an earlier network there"
        case .refusingToReplace(let path, let reason): "refusing to replace \(path): \(reason)"
        case .invalidFile(let path, let reason): "\(path): \(reason)"
        case .contracts(let path, let reason): "standard contracts \(path): \(reason)"
        case .fileSystem(let path, let reason): "\(path): \(reason)"
        case .certificate(let reason): "certificate: \(reason)"
        case .keyFile(let error): error.description
        case .keystore(let error): error.description
        case .genesis(let error): "generated \(error)"
        }
    }
}
