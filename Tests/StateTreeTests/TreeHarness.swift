import ChainTypes
import Foundation
import StateTree
import Storage
import StorageRocksDB

/// The node stores the suites run against: one suite, every implementation (DESIGN §1.2).
enum TreeStoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case memoryTree
    case keyValueMemory
    case keyValueRocksDB

    var description: String { rawValue }
}

/// A tree over one kind of node store: applies updates the way a node would (update, write, commit).
final class TreeHarness {
    let kind: TreeStoreKind
    private var memory = MemoryTreeStore()
    private(set) var store: (any KeyValueStore)?
    private let directory: TemporaryDirectory?
    private(set) var latestVersion: UInt64?

    init(_ kind: TreeStoreKind) throws {
        self.kind = kind
        switch kind {
        case .memoryTree:
            directory = nil
        case .keyValueMemory:
            directory = nil
            store = MemoryKeyValueStore()
        case .keyValueRocksDB:
            let directory = try TemporaryDirectory()
            self.directory = directory
            store = try RocksDBStore(path: directory.path("db"))
        }
    }

    deinit {
        store?.close()
        directory?.remove()
    }

    /// Closes and reopens the RocksDB store (no-op for the others).
    func reopen() throws {
        guard kind == .keyValueRocksDB, let directory else { return }
        store?.close()
        store = try RocksDBStore(path: directory.path("db"))
    }

    /// Applies `changes` as the next version and commits its nodes.
    @discardableResult
    func apply(_ changes: [StateChange], version: UInt64) throws -> TreeUpdate {
        let update: TreeUpdate
        if let store {
            let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
            update = try tree.update(changes, version: version, previousVersion: latestVersion)
            var writer = KeyValueTreeWriter()
            writer.write(update)
            try store.write(writer.batch, sync: false)
        } else {
            update = try SparseMerkleTree(reader: memory).update(changes, version: version, previousVersion: latestVersion)
            memory.write(update)
        }
        latestVersion = version
        return update
    }

    /// Prunes every node no version at or above `retainedVersion` reaches.
    func prune(retaining retainedVersion: UInt64) throws {
        guard let store else {
            memory.prune(retaining: retainedVersion)
            return
        }
        while true {
            var writer = KeyValueTreeWriter()
            let pruned = try writer.prune(retaining: retainedVersion, reading: store, recordsMax: 1000)
            try store.write(writer.batch, sync: false)
            if pruned < 1000 { return }
        }
    }

    func rootHash(at version: UInt64) throws -> Hash {
        if let store { return try SparseMerkleTree(reader: KeyValueTreeReader(store: store)).rootHash(at: version) }
        return try SparseMerkleTree(reader: memory).rootHash(at: version)
    }

    func value(for key: StateKey, at version: UInt64) throws -> [UInt8]? {
        if let store { return try SparseMerkleTree(reader: KeyValueTreeReader(store: store)).value(for: key, at: version) }
        return try SparseMerkleTree(reader: memory).value(for: key, at: version)
    }

    func proof(for key: StateKey, at version: UInt64) throws -> (value: [UInt8]?, proof: StateProof) {
        if let store { return try SparseMerkleTree(reader: KeyValueTreeReader(store: store)).proof(for: key, at: version) }
        return try SparseMerkleTree(reader: memory).proof(for: key, at: version)
    }
}

/// A directory under the system temporary directory, unique per instance, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-statetree-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
