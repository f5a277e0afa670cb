import ChainTypes
import Foundation
import StateTree
import Storage
import StorageRocksDB

/// The phases of the state tree benchmark, run in order on one RocksDB store; each prints its figures.
///
/// Keys are `StateKey(namespace: "bench", key: u64be(i))` and values 32 bytes (index and version), so a
/// run is reproducible apart from the random choice of updated keys and proof samples.
struct StateTreeBenchmark {
    /// How much each phase measures after the build.
    struct Scale {
        /// Blocks committed and timed after the build.
        var measuredBlocks: Int
        /// Proofs generated and verified against the latest root.
        var proofSamples: Int
        /// Raw puts in the RocksDB baseline, and their batch size.
        var rawPuts: Int
        var rawPutsPerBatch: Int

        static let full = Scale(measuredBlocks: 10, proofSamples: 20_000, rawPuts: 200_000, rawPutsPerBatch: 10_000)
        /// `--smoke`: every phase once, with tiny counts.
        static let smoke = Scale(measuredBlocks: 2, proofSamples: 20, rawPuts: 20, rawPutsPerBatch: 10)
    }
    /// Width of the figure names in the printed lines.
    static let nameWidth = 52

    let store: RocksDBStore
    let treeKeys: Int
    let blockKeys: Int
    let scale: Scale
    private let tree: SparseMerkleTree<KeyValueTreeReader>
    private let clock = ContinuousClock()
    private var generator = SystemRandomNumberGenerator()
    private var version: UInt64 = 0
    private var nextNewKey: Int

    init(store: RocksDBStore, treeKeys: Int, blockKeys: Int, scale: Scale = .full) {
        self.store = store
        self.treeKeys = treeKeys
        self.blockKeys = blockKeys
        self.scale = scale
        tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        nextNewKey = treeKeys
    }

    /// Builds the tree, one version per batch of `blockKeys` puts, written without sync.
    mutating func build() throws {
        let start = clock.now
        for first in stride(from: 0, to: treeKeys, by: blockKeys) {
            let changes = (first..<min(first + blockKeys, treeKeys)).map { StateChange.put(key($0), value($0, version + 1)) }
            let update = try tree.update(changes, version: version + 1, previousVersion: version == 0 ? nil : version)
            var writer = KeyValueTreeWriter()
            writer.write(update)
            try store.write(writer.batch, sync: false)
            version += 1
            if version % 20 == 0 {
                let elapsed = String(format: "%.1f", (clock.now - start).seconds)
                print("  built \(first + changes.count) keys (version \(version)), \(elapsed) s")
            }
        }
        report("build", "build: keys per second", Double(treeKeys) / (clock.now - start).seconds, "keys/s")
    }

    /// Commits `measuredBlocks` blocks of half updates of random existing keys and half new keys, with sync.
    mutating func commitBlocks() throws {
        var times: [(update: Double, encode: Double, write: Double)] = []
        var nodesPerBlock = 0
        for _ in 0..<scale.measuredBlocks {
            let changes = nextBlockChanges()
            let start = clock.now
            let update = try tree.update(changes, version: version + 1, previousVersion: version)
            let updated = clock.now
            var writer = KeyValueTreeWriter()
            writer.write(update)
            let encoded = clock.now
            try store.write(writer.batch, sync: true)
            let written = clock.now
            version += 1
            nodesPerBlock = update.nodes.count
            let time = (update: (updated - start).seconds, encode: (encoded - updated).seconds, write: (written - encoded).seconds)
            times.append(time)
            print(
                String(
                    format: "  block at version %llu: update %.0f ms, encode %.0f ms, write+sync %.0f ms, total %.0f ms",
                    version, time.update * 1000, time.encode * 1000, time.write * 1000,
                    (time.update + time.encode + time.write) * 1000))
        }
        let totals = times.map { $0.update + $0.encode + $0.write }
        let block = "block of \(blockKeys)"
        report("block_update", "\(block): tree update (median)", median(times.map(\.update)) * 1000, "ms")
        report("block_encode", "\(block): encode into WriteBatch (median)", median(times.map(\.encode)) * 1000, "ms")
        report("block_write", "\(block): RocksDB write, sync (median)", median(times.map(\.write)) * 1000, "ms")
        report("block_total", "\(block): total (median)", median(totals) * 1000, "ms")
        report("block_total_worst", "\(block): total (worst of \(scale.measuredBlocks))", (totals.max() ?? 0) * 1000, "ms")
        report("block_time_per_key", "\(block): time per key (median total)", median(totals) / Double(blockKeys) * 1e6, "µs")
        report("block_nodes", "\(block): nodes written", Double(nodesPerBlock), "nodes")
    }

    /// Generates proofs for random keys against the latest root (nodes read from RocksDB) and verifies them.
    mutating func measureProofs() throws {
        let root = try tree.rootHash(at: version)
        let sampleKeys = (0..<scale.proofSamples).map { _ in key(Int.random(in: 0..<treeKeys, using: &generator)) }
        var proofs: [(StateKey, [UInt8]?, StateProof)] = []
        proofs.reserveCapacity(scale.proofSamples)
        let proofStart = clock.now
        for sampleKey in sampleKeys {
            let (found, proof) = try tree.proof(for: sampleKey, at: version)
            proofs.append((sampleKey, found, proof))
        }
        let samples = Double(scale.proofSamples)
        report("proof_generation", "proof generation (RocksDB reads)", samples / (clock.now - proofStart).seconds, "proofs/s")
        let verifyStart = clock.now
        var verified = 0
        for (sampleKey, found, proof) in proofs where proof.verifies(key: sampleKey, value: found, root: root) { verified += 1 }
        report("proof_verification", "proof verification", samples / (clock.now - verifyStart).seconds, "proofs/s")
        precondition(verified == scale.proofSamples, "a proof failed to verify")
        let proofBytes = proofs.map { $0.2.canonicalBytes.count }.reduce(0, +)
        report("proof_size", "proof size (mean, canonical bytes)", Double(proofBytes) / samples, "bytes")
    }

    /// Raw RocksDB puts in the same run, as a baseline: 32-byte keys, 100-byte values, synced batches.
    func measureRawPuts() throws {
        let start = clock.now
        for first in stride(from: 0, to: scale.rawPuts, by: scale.rawPutsPerBatch) {
            var batch = WriteBatch()
            for index in first..<first + scale.rawPutsPerBatch {
                var rawKey: [UInt8] = [0xEE]
                withUnsafeBytes(of: UInt64(index).bigEndian) { rawKey.append(contentsOf: $0) }
                rawKey.append(contentsOf: [UInt8](repeating: 7, count: 23))
                batch.put([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 100), for: rawKey, in: .indexes)
            }
            try store.write(batch, sync: true)
        }
        let rate = Double(scale.rawPuts) / (clock.now - start).seconds
        report("raw_puts", "raw RocksDB puts (batches of \(scale.rawPutsPerBatch), sync)", rate, "puts/s")
    }

    /// Half updates of distinct random existing keys, half new keys.
    private mutating func nextBlockChanges() -> [StateChange] {
        var chosen = Set<Int>()
        while chosen.count < blockKeys / 2 { chosen.insert(Int.random(in: 0..<treeKeys, using: &generator)) }
        var changes = chosen.map { StateChange.put(key($0), value($0, version + 1)) }
        for _ in 0..<(blockKeys - blockKeys / 2) {
            changes.append(.put(key(nextNewKey), value(nextNewKey, version + 1)))
            nextNewKey += 1
        }
        return changes
    }

    private func key(_ index: Int) -> StateKey {
        withUnsafeBytes(of: UInt64(index).bigEndian) { StateKey(namespace: Array("bench".utf8), key: Array($0)) }
    }

    private func value(_ index: Int, _ version: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: UInt64(index)) { bytes.replaceSubrange(0..<8, with: $0) }
        withUnsafeBytes(of: version) { bytes.replaceSubrange(8..<16, with: $0) }
        return bytes
    }

    private func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    private func report(_ id: String, _ name: String, _ value: Double, _ unit: String) {
        print(Figure(id: id, name: name, value: value, unit: unit).line(nameWidth: Self.nameWidth))
    }
}
