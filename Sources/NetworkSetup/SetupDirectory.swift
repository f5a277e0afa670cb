import ChainTypes
import Foundation
import Keys
import Node

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The directory a setup command writes: a staging directory beside the target, moved into place at the end.
///
/// Every setup command writes everything into a hidden staging directory (`.NAME.init-RANDOM`) and renames
/// it onto the target only when all is written, so a failure leaves nothing half-made. Paths given to the
/// write methods are relative to the root, so the finished directory can be moved as a whole.
struct SetupDirectory {
    /// The staging directory while writing.
    let root: String
    let keyStorage: KeyStorage

    /// Makes a staging directory beside `target`, runs `write` into it and renames it onto `target`.
    ///
    /// `replacing` says that `target` exists and may be removed first (the caller has checked that it is
    /// empty, or an earlier network that `--force` replaces).
    static func stage<Output>(
        target: String, replacing: Bool, keyStorage: KeyStorage, write: (SetupDirectory) throws(SetupError) -> Output
    ) throws(SetupError) -> Output {
        let staging = try makeStagingDirectory(beside: target)
        var moved = false
        defer {
            if !moved { try? FileManager.default.removeItem(atPath: staging) }
        }
        let result = try write(SetupDirectory(root: staging, keyStorage: keyStorage))
        if replacing {
            do {
                try FileManager.default.removeItem(atPath: target)
            } catch {
                throw .fileSystem(path: target, reason: "cannot remove the earlier directory: \(error.localizedDescription)")
            }
        }
        guard rename(staging, target) == 0 else {
            throw .fileSystem(path: target, reason: "cannot move \(staging) into place: \(String(cString: strerror(errno)))")
        }
        moved = true
        return result
    }

    /// `path` made absolute against the current directory.
    static func absoluteTarget(_ path: String) -> String {
        NodeConfiguration.absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
    }

    /// Whether `target` exists as an empty directory; throws if it holds anything, since a department's or
    /// node's keys are never written over (there is no `--force` for them).
    static func checkEmptyTarget(_ target: String) throws(SetupError) -> Bool {
        guard let contents = try contents(ofTarget: target) else { return false }
        guard contents.isEmpty else { throw .refusingToReplace(path: target, reason: "it is not empty, and keys are never overwritten") }
        return true
    }

    /// The names in the directory `target`, or nil when nothing is there; throws if it is not a directory.
    static func contents(ofTarget target: String) throws(SetupError) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { throw .fileSystem(path: target, reason: "exists and is not a directory") }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: target)
        } catch {
            throw .fileSystem(path: target, reason: "cannot list directory")
        }
    }

    private static func makeStagingDirectory(beside target: String) throws(SetupError) -> String {
        let parent = (target as NSString).deletingLastPathComponent
        let suffix = Hex.encode((0..<6).map { _ in UInt8.random(in: .min ... .max) })
        let staging = (parent as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).init-\(suffix)")
        do {
            try FileWriter.makeDirectories(staging)
        } catch {
            // Named by the user's path: the staging directory beside it is this command's own.
            throw .fileSystem(path: target, reason: "cannot create directory: \(error.reason)")
        }
        return staging
    }

    // MARK: Writing

    func absolute(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    /// `directory/name`, or `name` when `directory` is the root (`""`).
    static func join(_ directory: String, _ name: String) -> String { directory.isEmpty ? name : "\(directory)/\(name)" }

    func makeDirectory(_ relative: String) throws(SetupError) {
        do {
            try FileWriter.makeDirectories(absolute(relative))
        } catch {
            throw .fileSystem(path: absolute(relative), reason: "cannot create directory: \(error.reason)")
        }
    }

    /// Writes a new public file; never replaces one.
    func writeFile(_ bytes: [UInt8], to relative: String) throws(SetupError) {
        do {
            try FileWriter.write(bytes, to: absolute(relative), replacing: false)
        } catch {
            throw .fileSystem(path: absolute(relative), reason: "cannot write file: \(error.reason)")
        }
    }

    /// Writes a new secret file with mode 0600, synced; never replaces one.
    func writeSecret(_ bytes: [UInt8], to relative: String) throws(SetupError) {
        do {
            try KeyFile.writeSecret(bytes, to: absolute(relative))
        } catch {
            throw .keyFile(error)
        }
    }

    /// Writes a secp256k1 key as `keyStorage` asks: `directory/name.key` in plaintext, or the keystore
    /// document `keystoreDirectory/name.json`; returns its path relative to the root.
    func writeKey(_ key: PrivateKey, directory: String, keystoreDirectory: String, name: String) throws(SetupError) -> String {
        switch keyStorage {
        case .plaintext:
            let path = Self.join(directory, "\(name).\(KeyFile.plaintextExtension)")
            do {
                try KeyFile.writePlaintext(key, to: absolute(path))
            } catch {
                throw .keyFile(error)
            }
            return path
        case .keystore(let password, let parameters):
            do {
                try Keystore(directory: absolute(keystoreDirectory)).create(
                    name: name, key: key, password: password, parameters: parameters)
            } catch {
                throw .keystore(error)
            }
            return Self.join(keystoreDirectory, "\(name).\(Keystore.fileExtension)")
        }
    }

    /// Pretty JSON with sorted keys and a final newline (readable diffs when files are regenerated).
    static func json<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value)) + Array("\n".utf8)
        } catch {
            preconditionFailure("encoding a value of strings and integers cannot fail: \(error)")
        }
    }

    /// Reads at most `limit` bytes of `path`; a larger file is refused unread.
    static func read(_ path: String, limit: Int) throws(SetupError) -> [UInt8] {
        do {
            return try BoundedFile.read(path, bytesMax: limit)
        } catch {
            switch error {
            case .unreadable(_, let reason): throw .fileSystem(path: path, reason: "cannot read file: \(reason)")
            case .tooLarge: throw .invalidFile(path: path, reason: error.reason)
            }
        }
    }

    /// Reads and decodes a JSON file of at most `limit` bytes.
    static func decode<Value: Decodable>(_ type: Value.Type, from path: String, limit: Int, what: String) throws(SetupError) -> Value {
        let bytes = try read(path, limit: limit)
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw .invalidFile(path: path, reason: "not \(what): \(error)")
        }
    }
}
