import Foundation
import Storage
import StorageRocksDB

/// The implementations the conformance suites run against (DESIGN §1.2: one suite, both stores).
enum StoreKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case memory
    case rocksDB

    var description: String { rawValue }
}

/// Opens a fresh store of `kind`, runs `body`, then closes the store and removes its files, even when
/// `body` throws.
func withStore<Result>(_ kind: StoreKind, _ body: (any KeyValueStore) throws -> Result) throws -> Result {
    switch kind {
    case .memory:
        let store = MemoryKeyValueStore()
        defer { store.close() }
        return try body(store)
    case .rocksDB:
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try RocksDBStore(path: directory.path("db"))
        defer { store.close() }
        return try body(store)
    }
}

/// The async form of `withStore`, for tests that run tasks against the store.
func withAsyncStore<Result>(_ kind: StoreKind, _ body: (any KeyValueStore) async throws -> Result) async throws -> Result {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store: any KeyValueStore
    switch kind {
    case .memory: store = MemoryKeyValueStore()
    case .rocksDB: store = try RocksDBStore(path: directory.path("db"))
    }
    defer { store.close() }
    return try await body(store)
}

/// A directory under the system temporary directory, unique per instance, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-storage-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Every pair of every family, read through pagination: a whole-store image to compare before and after.
func contents(of reader: any KeyValueReader, pageSize: Int = 7) throws -> [ColumnFamily: [KeyValuePair]] {
    var result: [ColumnFamily: [KeyValuePair]] = [:]
    for family in ColumnFamily.allCases {
        var pairs: [KeyValuePair] = []
        var after: [UInt8]?
        while true {
            let page = try reader.scan(prefix: [], after: after, limit: pageSize, in: family)
            pairs += page
            guard page.count == pageSize, let last = page.last else { break }
            after = last.key
        }
        result[family] = pairs
    }
    return result
}
