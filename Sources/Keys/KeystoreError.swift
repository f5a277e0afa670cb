/// Why a keystore operation failed; every case is an operating error a user can act on.
///
/// `source` names the key or file concerned (a key name or a path), so the one-line message is enough
/// to find the problem.
public enum KeystoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Key names become file names, so only `[A-Za-z0-9._-]`, starting with a letter or digit, are allowed.
    case invalidName(String, reason: String)
    /// A key with this name exists; the keystore never overwrites a key.
    case keyExists(name: String)
    /// No key with this name is in the keystore.
    case keyNotFound(name: String)
    /// The password is empty (when creating) or longer than `KeysLimits.passwordBytesMax`.
    case invalidPassword(reason: String)
    /// The password does not match the one the key was encrypted with.
    case wrongPassword(source: String)
    /// The file is not a keystore document: bad JSON, a missing field, bad hex, a wrong length.
    case malformed(source: String, reason: String)
    /// The file uses a version, KDF or cipher this build does not know.
    case unsupported(source: String, reason: String)
    /// The scrypt parameters are outside `KeysLimits` (refused before any memory is allocated).
    case kdfParametersOutOfRange(source: String, reason: String)
    /// The password is right but authentication failed or the clear fields disagree with the key.
    case tampered(source: String, reason: String)
    /// A file-system call failed.
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidName(let name, let reason): "invalid key name \"\(name)\": \(reason)"
        case .keyExists(let name): "key \"\(name)\" already exists; refusing to overwrite it"
        case .keyNotFound(let name): "no key named \"\(name)\" in the keystore"
        case .invalidPassword(let reason): "invalid password: \(reason)"
        case .wrongPassword(let source): "\(source): wrong password"
        case .malformed(let source, let reason): "\(source): not a valid keystore file: \(reason)"
        case .unsupported(let source, let reason): "\(source): unsupported keystore file: \(reason)"
        case .kdfParametersOutOfRange(let source, let reason): "\(source): scrypt parameters refused: \(reason)"
        case .tampered(let source, let reason): "\(source): keystore file was modified or corrupted: \(reason)"
        case .fileSystem(let path, let reason): "\(path): \(reason)"
        }
    }
}
