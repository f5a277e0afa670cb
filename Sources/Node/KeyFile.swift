import ChainTypes
import Foundation
import Keys

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Secret files a node reads without a prompt: plaintext secp256k1 keys and PEM private keys, mode 0600.
///
/// A devnet must start unattended, so `sbp network init` writes keys in the clear by default, readable by
/// their owner only (the choice is explained in `docs/network-init.md`). A plaintext key file is the 32-byte
/// scalar as 64 lower-case hex digits and a newline. Encrypted keys use the keystore (`docs/keystore.md`)
/// and are read by `privateKey(at:password:)` when the path ends in `.json`.
public enum KeyFile {
    /// The extension of plaintext secp256k1 key files.
    public static let plaintextExtension = "key"
    /// The variable that supplies a keystore password to a node, as for `sbp keys`.
    public static let passwordEnvironmentVariable = "SBP_KEYSTORE_PASSWORD"

    /// Writes `key` as hex to a new file with mode 0600; never replaces an existing file.
    public static func writePlaintext(_ key: PrivateKey, to path: String) throws(KeyFileError) {
        let text = key.withUnsafeSecretBytes { secret in Hex.encode(secret) } + "\n"
        try writeSecret(Array(text.utf8), to: path)
    }

    /// Reads a plaintext key file: 64 hex digits (an optional `0x` and surrounding whitespace are allowed).
    public static func readPlaintext(_ path: String) throws(KeyFileError) -> PrivateKey {
        let text = String(decoding: try readSmallFile(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Hex.decode(text), bytes.count == PrivateKey.byteCount else {
            throw .malformed(path: path, reason: "expected a secp256k1 private key as 64 hex digits")
        }
        do {
            return try PrivateKey(bytes: bytes)
        } catch {
            throw .malformed(path: path, reason: "\(error)")
        }
    }

    /// Reads a secp256k1 key: a keystore document if `path` ends in `.json`, else a plaintext key file.
    ///
    /// `password` is called only for a keystore document, so a plaintext devnet never needs one.
    public static func privateKey(at path: String, password: () throws(KeyFileError) -> [UInt8]) throws(KeyFileError) -> PrivateKey {
        let name = (path as NSString).lastPathComponent
        guard name.hasSuffix("." + Keystore.fileExtension) else { return try readPlaintext(path) }
        let keystore = Keystore(directory: (path as NSString).deletingLastPathComponent)
        do {
            return try keystore.privateKey(named: String(name.dropLast(Keystore.fileExtension.count + 1)), password: try password())
        } catch let error as KeystoreError {
            throw .keystore(error)
        } catch let error as KeyFileError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
    }

    /// The first line of a password file, without its line ending (the `sbp keys --password-file` rule).
    public static func readPassword(file: String) throws(KeyFileError) -> [UInt8] {
        var line = Array(try readSmallFile(file).prefix { $0 != UInt8(ascii: "\n") })
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }

    /// Writes `bytes` to a new file created with mode 0600 and synced; fails if the file exists.
    public static func writeSecret(_ bytes: [UInt8], to path: String) throws(KeyFileError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .exists(path: path) }
            throw posixError(path, "cannot create file")
        }
        defer { close(descriptor) }
        // The umask cannot widen 0600, but a restrictive one could narrow it; set the mode explicitly.
        guard fchmod(descriptor, 0o600) == 0 else { throw posixError(path, "cannot set mode 0600") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in write(descriptor, raw.baseAddress! + offset, raw.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw posixError(path, "cannot write file")
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw posixError(path, "cannot sync file") }
    }

    /// Reads at most `NodeLimits.keyFileBytesMax` bytes; a larger file is refused unread.
    static func readSmallFile(_ path: String) throws(KeyFileError) -> [UInt8] {
        do {
            return try BoundedFile.read(path, bytesMax: NodeLimits.keyFileBytesMax)
        } catch {
            switch error {
            case .unreadable(_, let reason): throw .unreadable(path: path, reason: reason)
            case .tooLarge: throw .malformed(path: path, reason: error.reason)
            }
        }
    }

    private static func posixError(_ path: String, _ action: String) -> KeyFileError {
        .unreadable(path: path, reason: "\(action): \(String(cString: strerror(errno)))")
    }
}

/// Why a key, certificate or password file could not be read or written.
public enum KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is missing, unreadable, or a file-system call failed.
    case unreadable(path: String, reason: String)
    /// The file was read but does not hold what it should.
    case malformed(path: String, reason: String)
    /// A secret file was about to be written over an existing one; keys are never overwritten.
    case exists(path: String)
    /// The key is an encrypted keystore document and no password was configured.
    case noPassword(path: String)
    /// The keystore refused the document (wrong password, tampered file, …).
    case keystore(KeystoreError)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): \(reason)"
        case .malformed(let path, let reason): "\(path): \(reason)"
        case .exists(let path): "\(path): already exists; refusing to overwrite a key"
        case .noPassword(let path):
            "\(path) is encrypted: set \(KeyFile.passwordEnvironmentVariable) or keys.keystore_password_file in the config"
        case .keystore(let error): error.description
        }
    }
}
