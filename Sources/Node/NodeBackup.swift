import Foundation
import Ledger
import RPCServer
import StorageRocksDB

/// Why `node_backup` could not make a backup.
enum NodeBackupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path is not absolute: relative to what would be a guess about the node's working directory.
    case notAbsolute(path: String)
    /// Something already exists at the path; a backup never overwrites.
    case exists(path: String)
    /// The parent directory does not exist.
    case noParent(path: String)
    /// Creating the directory, the checkpoint or the marker failed.
    case failed(path: String, reason: String)

    var description: String {
        switch self {
        case .notAbsolute(let path): "the backup directory must be an absolute path, not \(path)"
        case .exists(let path): "\(path) already exists; a backup goes into a new directory"
        case .noParent(let path): "the parent directory of \(path) does not exist"
        case .failed(let path, let reason): "backup to \(path) failed: \(reason)"
        }
    }
}

extension NodeRuntime {
    /// Writes a consistent copy of the data directory to the new directory `directory`: the RocksDB database
    /// as a checkpoint (`directory/db`) and a recovery marker, so a node started on the copy votes only after
    /// it has caught up, as a wiped node does (ADR 0016).
    ///
    /// The copy's consensus journal ends where the copy was made, and the node may vote after that; without
    /// the marker a restored node would forget those votes and could sign a conflicting one (rule 19).
    func backup(to directory: String) throws(NodeBackupError) -> NodeBackup {
        let path = (directory as NSString).standardizingPath
        guard path.hasPrefix("/") else { throw .notAbsolute(path: directory) }
        guard !FileManager.default.fileExists(atPath: path) else { throw .exists(path: path) }
        var isDirectory: ObjCBool = false
        let parent = (path as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .noParent(path: path)
        }
        let height = ledger.height
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        } catch {
            throw .failed(path: path, reason: "\(error)")
        }
        do {
            try RecoveryMarker(dataDirectory: path).write(
                reason: "restored from a backup of \(configuration.nodeName) made at height \(height) or later")
            try store.checkpoint(to: path + "/db")
        } catch {
            // A half-made backup must not be mistaken for one: remove what this call created.
            try? FileManager.default.removeItem(atPath: path)
            throw .failed(path: path, reason: "\(error)")
        }
        logger.notice("backup written", metadata: ["directory": "\(path)", "heightAtLeast": "\(height)"])
        return NodeBackup(directory: path, heightAtLeast: height)
    }
}
