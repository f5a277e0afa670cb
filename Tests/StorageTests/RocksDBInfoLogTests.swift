import CRocksDBLog
import Foundation
import Storage
import Testing

@testable import StorageRocksDB

/// RocksDB's info log as `CRocksDBLog` writes it: bounded, and harmless when it cannot be written.
@Suite("RocksDB info log")
struct RocksDBInfoLogTests {
    @Test("the log keeps at most its bound in LOG and as much in LOG.old, and the newest line is in LOG")
    func rotatesAtItsBound() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("LOG")
        let log = try #require(sbp_rocksdb_log_create(path, 4096, RocksDBStore.infoLogLevel))
        defer { sbp_rocksdb_log_destroy(log) }
        for number in 0..<500 {
            sbp_rocksdb_log_line(log, "line \(number) of a log that outgrows its bound several times over")
        }
        let current = try String(contentsOfFile: path, encoding: .utf8)
        let old = try String(contentsOfFile: path + ".old", encoding: .utf8)
        #expect(current.utf8.count <= 4096)
        #expect(old.utf8.count <= 4096 && old.utf8.count > 2048, "\(old.utf8.count) bytes in LOG.old")
        #expect(current.hasSuffix("line 499 of a log that outgrows its bound several times over\n"))
        #expect(current.split(separator: "\n").allSatisfy { $0.contains(" line ") }, "a line was cut or merged")
        #expect(sbp_rocksdb_log_dropped_lines(log) == 0)
    }

    @Test("a line that cannot be written (the disk is full) is counted and dropped; the next ones are tried again")
    func unwritableLinesAreDropped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("LOG")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
        let log = try #require(sbp_rocksdb_log_create(path, 4096, RocksDBStore.infoLogLevel))
        defer { sbp_rocksdb_log_destroy(log) }
        for number in 0..<3 { sbp_rocksdb_log_line(log, "line \(number)") }
        #expect(sbp_rocksdb_log_dropped_lines(log) == 3)
    }

    @Test("a store whose info log cannot be written opens, writes, reads and reopens (RocksDB's own logger aborted)")
    func storeWithUnwritableLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path + "/LOG", withDestinationPath: "/dev/full")
        for round in 0..<2 {
            let store = try RocksDBStore(path: path)
            defer { store.close() }
            #expect(store.infoLogDroppedLines > 0, "RocksDB logged nothing at open, or the lines were written")
            var batch = WriteBatch()
            batch.put([UInt8(round)], for: [0x01, UInt8(round)], in: .metadata)
            try store.write(batch, sync: true)
            #expect(try store.get([0x01, 0x00], in: .metadata) == [0])
        }
    }

    @Test("a store writes RocksDB's info log into LOG in its directory")
    func storeWritesItsLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        let store = try RocksDBStore(path: path)
        #expect(store.infoLogDroppedLines == 0)
        store.close()
        let log = try String(contentsOfFile: path + "/LOG", encoding: .utf8)
        #expect(log.contains("RocksDB version"), "\(log.prefix(300))")
    }
}
