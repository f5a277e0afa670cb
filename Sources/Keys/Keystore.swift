import ChainTypes
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A directory of encrypted keys, one `NAME.json` file per key (format in `docs/keystore.md`).
///
/// The directory is created with mode 0700 and each file with mode 0600. A key file is written to a
/// temporary name, flushed, then hard-linked to its final name: the link fails if the name exists, so
/// an existing key is never overwritten, and a crash never leaves a half-written key under its name.
public struct Keystore: Sendable {
    public static let fileExtension = "json"

    /// The directory holding the key files.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// `$SBP_HOME/keys` if `SBP_HOME` is set and not empty, else `~/.sbp/keys`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["SBP_HOME"], !home.isEmpty {
            return (home as NSString).appendingPathComponent("keys")
        }
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (userHome as NSString).appendingPathComponent(".sbp/keys")
    }

    /// Throws unless `name` is 1…64 characters from `[A-Za-z0-9._-]` starting with a letter or digit.
    public static func validate(name: String) throws(KeystoreError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw .invalidName(name, reason: "must not be empty") }
        guard bytes.count <= KeysLimits.keyNameBytesMax else {
            throw .invalidName(name, reason: "longer than \(KeysLimits.keyNameBytesMax) characters")
        }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
        }
        guard isAlphanumeric(bytes[0]) else { throw .invalidName(name, reason: "must start with a letter or digit") }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw .invalidName(name, reason: "only letters, digits, '.', '_' and '-' are allowed")
        }
    }

    /// The path of the file for key `name`.
    public func path(forKey name: String) -> String {
        (directory as NSString).appendingPathComponent("\(name).\(Self.fileExtension)")
    }

    /// Encrypts `key` under `password` and stores it as `name`; throws `.keyExists` rather than overwrite.
    @discardableResult
    public func create(
        name: String, key: PrivateKey = PrivateKey(), password: [UInt8], parameters: ScryptParameters = .standard
    ) throws(KeystoreError) -> KeystoreEntry {
        try Self.validate(name: name)
        let target = path(forKey: name)
        guard !FileManager.default.fileExists(atPath: target) else { throw .keyExists(name: name) }
        let file = try KeystoreFile.encrypt(key, name: name, password: password, parameters: parameters)
        try createDirectory()
        try writeNew(file.encoded(), to: target, name: name)
        return try file.entry()
    }

    /// The stored document for `name`.
    public func file(named name: String) throws(KeystoreError) -> KeystoreFile {
        try Self.validate(name: name)
        let target = path(forKey: name)
        guard FileManager.default.fileExists(atPath: target) else { throw .keyNotFound(name: name) }
        let file = try KeystoreFile.decode(readFile(target), source: target)
        guard file.name == name else {
            throw .tampered(source: target, reason: "file name does not match the key name \"\(file.name)\"")
        }
        return file
    }

    /// The name, address and public key of `name` (no password needed).
    public func entry(named name: String) throws(KeystoreError) -> KeystoreEntry {
        try file(named: name).entry()
    }

    /// Decrypts and returns the private key stored as `name`.
    public func privateKey(named name: String, password: [UInt8]) throws(KeystoreError) -> PrivateKey {
        try file(named: name).decrypt(password: password)
    }

    /// Every key in the directory, sorted by name; unreadable files are reported in `problems`.
    ///
    /// A missing directory is an empty keystore, not an error.
    public func list() throws(KeystoreError) -> KeystoreListing {
        guard FileManager.default.fileExists(atPath: directory) else { return KeystoreListing(entries: [], problems: []) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .fileSystem(path: directory, reason: "cannot list directory")
        }
        var entries: [KeystoreEntry] = []
        var problems: [KeystoreError] = []
        let suffix = "." + Self.fileExtension
        for fileName in names.sorted() where fileName.hasSuffix(suffix) && !fileName.hasPrefix(".") {
            do {
                entries.append(try entry(named: String(fileName.dropLast(suffix.count))))
            } catch {
                problems.append(error)
            }
        }
        return KeystoreListing(entries: entries.sorted { $0.name < $1.name }, problems: problems)
    }

    private func createDirectory() throws(KeystoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .fileSystem(path: directory, reason: "exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .fileSystem(path: directory, reason: "cannot create directory")
        }
        guard chmod(directory, 0o700) == 0 else { throw posixError(directory, "cannot set mode 0700") }
    }

    /// Writes `data` to a fresh temporary file (mode 0600), syncs it, and links it to `target` without
    /// replacing an existing file.
    private func writeNew(_ data: Data, to target: String, name: String) throws(KeystoreError) {
        let suffix = Hex.encode((0..<8).map { _ in UInt8.random(in: .min ... .max) })
        let temporary = (directory as NSString).appendingPathComponent(".\(name).\(suffix).tmp")
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw posixError(temporary, "cannot create file") }
        defer { unlink(temporary) }
        do {
            defer { close(descriptor) }
            guard fchmod(descriptor, 0o600) == 0 else { throw posixError(temporary, "cannot set mode 0600") }
            try writeAll(data, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else { throw posixError(temporary, "cannot sync file") }
        }
        guard link(temporary, target) == 0 else {
            if errno == EEXIST { throw .keyExists(name: name) }
            throw posixError(target, "cannot create key file")
        }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    private func writeAll(_ data: Data, to descriptor: Int32, path: String) throws(KeystoreError) {
        let failed: Bool = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return true
                }
                offset += written
            }
            return false
        }
        if failed { throw posixError(path, "cannot write file") }
    }

    /// Reads at most `KeysLimits.keystoreFileBytesMax` bytes, so a huge file is refused cheaply.
    private func readFile(_ path: String) throws(KeystoreError) -> Data {
        do {
            return Data(try BoundedFile.read(path, bytesMax: KeysLimits.keystoreFileBytesMax))
        } catch {
            switch error {
            case .unreadable: throw .fileSystem(path: path, reason: "cannot read file: \(error.reason)")
            case .tooLarge: throw .malformed(source: path, reason: "file is \(error.reason)")
            }
        }
    }

    private func posixError(_ path: String, _ action: String) -> KeystoreError {
        .fileSystem(path: path, reason: "\(action): \(String(cString: strerror(errno)))")
    }
}
