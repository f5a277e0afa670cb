// State tree benchmark (issue #4): run with `swift run -c release sbp-bench-statetree [keys] [batch]`.
// A benchmark, not a test: it prints figures for docs/performance.md and asserts nothing.
import ChainTypes
import Foundation
import StateTree
import Storage
import StorageRocksDB

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let treeKeys = arguments.first ?? 1_000_000
let batchKeys = arguments.dropFirst().first ?? 10_000
let measuredBlocks = 10
let proofSamples = 20_000
let clock = ContinuousClock()

func seconds(_ duration: Duration) -> Double {
    let (whole, attoseconds) = duration.components
    return Double(whole) + Double(attoseconds) / 1e18
}

func report(_ name: String, _ value: Double, _ unit: String) {
    let number = value >= 100 ? String(Int(value.rounded())) : String(format: "%.3f", value)
    print(name.padding(toLength: 52, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 12 - number.count)) + number + " " + unit)
}

func key(_ index: Int) -> StateKey {
    withUnsafeBytes(of: UInt64(index).bigEndian) { StateKey(namespace: Array("bench".utf8), key: Array($0)) }
}

func value(_ index: Int, _ version: UInt64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 32)
    withUnsafeBytes(of: UInt64(index)) { bytes.replaceSubrange(0..<8, with: $0) }
    withUnsafeBytes(of: version) { bytes.replaceSubrange(8..<16, with: $0) }
    return bytes
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sbp-bench-statetree-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let store = try RocksDBStore(path: directory.appendingPathComponent("db").path)
defer { store.close() }
let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))

print("state tree: \(treeKeys) keys built in batches of \(batchKeys), RocksDB at \(directory.path)")

// Build the tree, one version per batch.
var version: UInt64 = 0
let buildStart = clock.now
for start in stride(from: 0, to: treeKeys, by: batchKeys) {
    let changes = (start..<min(start + batchKeys, treeKeys)).map { StateChange.put(key($0), value($0, version + 1)) }
    let update = try tree.update(changes, version: version + 1, previousVersion: version == 0 ? nil : version)
    var writer = KeyValueTreeWriter()
    writer.write(update)
    try store.write(writer.batch, sync: false)
    version += 1
    if version % 20 == 0 { print("  built \(start + changes.count) keys (version \(version)), \(String(format: "%.1f", seconds(clock.now - buildStart))) s") }
}
let buildSeconds = seconds(clock.now - buildStart)
report("build: keys per second", Double(treeKeys) / buildSeconds, "keys/s")

// One block: half updates of existing keys, half new keys, committed with sync.
var generator = SystemRandomNumberGenerator()
var nextNewKey = treeKeys
var updateTimes: [Double] = []
var encodeTimes: [Double] = []
var writeTimes: [Double] = []
var totalTimes: [Double] = []
var nodesPerBlock = 0
for _ in 0..<measuredBlocks {
    var changes: [StateChange] = []
    var chosen = Set<Int>()
    while chosen.count < batchKeys / 2 { chosen.insert(Int.random(in: 0..<treeKeys, using: &generator)) }
    for index in chosen { changes.append(.put(key(index), value(index, version + 1))) }
    for _ in 0..<(batchKeys - batchKeys / 2) {
        changes.append(.put(key(nextNewKey), value(nextNewKey, version + 1)))
        nextNewKey += 1
    }
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
    let times = (update: seconds(updated - start), encode: seconds(encoded - updated), write: seconds(written - encoded))
    updateTimes.append(times.update)
    encodeTimes.append(times.encode)
    writeTimes.append(times.write)
    totalTimes.append(times.update + times.encode + times.write)
    print(String(format: "  block at version %llu: update %.0f ms, encode %.0f ms, write+sync %.0f ms, total %.0f ms",
                 version, times.update * 1000, times.encode * 1000, times.write * 1000,
                 (times.update + times.encode + times.write) * 1000))
}
let median = { (values: [Double]) in values.sorted()[values.count / 2] }
report("block of \(batchKeys): tree update (median)", median(updateTimes) * 1000, "ms")
report("block of \(batchKeys): encode into WriteBatch (median)", median(encodeTimes) * 1000, "ms")
report("block of \(batchKeys): RocksDB write, sync (median)", median(writeTimes) * 1000, "ms")
report("block of \(batchKeys): total (median)", median(totalTimes) * 1000, "ms")
report("block of \(batchKeys): total (worst of \(measuredBlocks))", (totalTimes.max() ?? 0) * 1000, "ms")
report("block of \(batchKeys): time per key (median total)", median(totalTimes) / Double(batchKeys) * 1e6, "µs")
report("block of \(batchKeys): nodes written", Double(nodesPerBlock), "nodes")

// Proofs against the latest root.
let root = try tree.rootHash(at: version)
let sampleKeys = (0..<proofSamples).map { _ in key(Int.random(in: 0..<treeKeys, using: &generator)) }
var proofs: [(StateKey, [UInt8]?, StateProof)] = []
proofs.reserveCapacity(proofSamples)
let proofStart = clock.now
for sampleKey in sampleKeys {
    let (found, proof) = try tree.proof(for: sampleKey, at: version)
    proofs.append((sampleKey, found, proof))
}
report("proof generation (RocksDB reads)", Double(proofSamples) / seconds(clock.now - proofStart), "proofs/s")
let verifyStart = clock.now
var verified = 0
for (sampleKey, found, proof) in proofs where proof.verifies(key: sampleKey, value: found, root: root) { verified += 1 }
report("proof verification", Double(proofSamples) / seconds(clock.now - verifyStart), "proofs/s")
precondition(verified == proofSamples, "a proof failed to verify")
report("proof size (mean, canonical bytes)", Double(proofs.map { $0.2.canonicalBytes.count }.reduce(0, +)) / Double(proofSamples), "bytes")

// Raw RocksDB puts in the same run: 32-byte keys, 100-byte values, batches of 10,000.
let rawPuts = 200_000
let rawStart = clock.now
for start in stride(from: 0, to: rawPuts, by: 10_000) {
    var batch = WriteBatch()
    for index in start..<start + 10_000 {
        var rawKey: [UInt8] = [0xEE]
        withUnsafeBytes(of: UInt64(index).bigEndian) { rawKey.append(contentsOf: $0) }
        rawKey.append(contentsOf: [UInt8](repeating: 7, count: 23))
        batch.put([UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 100), for: rawKey, in: .indexes)
    }
    try store.write(batch, sync: true)
}
report("raw RocksDB puts (batches of 10,000, sync)", Double(rawPuts) / seconds(clock.now - rawStart), "puts/s")
