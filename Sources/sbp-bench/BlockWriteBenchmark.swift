import Foundation
import Storage
import StorageRocksDB

/// `BlockStore.append` into a fresh RocksDB store: each block one atomic batch written with sync.
///
/// Only the `append` calls are timed; building and signing the next block happens outside the clock.
enum BlockWriteBenchmark {
    /// Blocks appended before timing starts (creates the write-ahead log and the first memtable).
    static let warmUpBlocks = 3

    static func run(seconds: Double, transactionsPerBlock: Int) throws -> [Figure] {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sbp-bench-blocks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try RocksDBStore(path: directory.appendingPathComponent("db").path)
        defer { store.close() }
        let blocks = BlockStore(store: store)

        var chain = BenchChain()
        for _ in 0..<warmUpBlocks {
            let (block, certificate) = try chain.nextBlock(transactionsCount: transactionsPerBlock)
            try blocks.append(block, certificate: certificate)
        }
        let clock = ContinuousClock()
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        var appended = 0
        var elapsed = Duration.zero
        repeat {
            let (block, certificate) = try chain.nextBlock(transactionsCount: transactionsPerBlock)
            let start = clock.now
            try blocks.append(block, certificate: certificate)
            elapsed += clock.now - start
            appended += 1
        } while elapsed < budget
        let blocksPerSecond = Double(appended) / elapsed.seconds
        let label = "block writes, \(transactionsPerBlock) tx/block, sync"
        let id = "block_write_\(transactionsPerBlock)tx"
        return [
            Figure(id: "\(id)_blocks", name: label, value: blocksPerSecond, unit: "blocks/s"),
            Figure(
                id: "\(id)_transactions", name: label, value: blocksPerSecond * Double(transactionsPerBlock),
                unit: "tx/s"),
        ]
    }
}
