import Foundation

/// A file inside the data directory that makes the node start in recovery (PBFT-NOTES rule 19): it votes
/// only after f+1 peers have shown it where it cannot have voted before (ADR 0016).
///
/// A wiped data directory loses the votes the node cast; so does a restored backup, whose journal ends
/// where the copy was made. The marker covers both: a node that finds its data directory wiped writes it
/// before anything else, `node_backup` writes it into every backup, and the replica driver deletes it only
/// once the replica has finished recovering, so a node restarted halfway through recovery recovers again.
struct RecoveryMarker: Sendable {
    static let fileName = ".sbp-recovering"

    /// The marker's path.
    let path: String

    init(dataDirectory: String) {
        path = (dataDirectory as NSString).appendingPathComponent(Self.fileName)
    }

    var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// The marker's text (why the node recovers), empty when there is none.
    var reason: String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes the marker with `reason` and syncs it, so a crash right after cannot lose it.
    func write(reason: String) throws(NodeError) {
        guard FileManager.default.createFile(atPath: path, contents: Data((reason + "\n").utf8)) else {
            throw .storage("cannot write the recovery marker \(path)")
        }
        if let handle = FileHandle(forWritingAtPath: path) {
            try? handle.synchronize()
            try? handle.close()
        }
    }

    /// Deletes the marker: the replica has recovered.
    func remove() throws(NodeError) {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .storage("cannot delete the recovery marker \(path): \(error)")
        }
    }
}
