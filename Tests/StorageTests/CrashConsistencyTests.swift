import ChainTypes
import ChildProcesses
import Foundation
import Storage
import StorageRocksDB
import TestProcesses
import Testing

/// DESIGN §4: "A kill -9 at any instant leaves a consistent store."
///
/// `sbp-crash-writer` appends blocks to a RocksDB store and prints each height once `append` returned.
/// The test kills it with SIGKILL at seeded random moments, reopens the store and checks the chain: the
/// latest height has its block, certificate and index entries, every height below is present and
/// chained, nothing exists above it, and no printed (committed) height was lost.
@Suite("Crash consistency")
struct CrashConsistencyTests {
    static let killCount = 25
    static let seed: UInt64 = 0x5B9_C4A5_0001
    /// Bounds the whole test; a writer that stops printing is killed by the watchdog before this.
    static let testDuration: Duration = .seconds(50)
    /// Bounds one writer run: how long the test waits for the lines it wants.
    static let runDuration: Duration = .seconds(15)
    /// Fault injection: how long past the last read line the writer may run before the kill.
    static let killDelayMicrosecondsMax: UInt32 = 20_000
    static let linesBeforeKillMax = 6

    @Test("a writer killed with SIGKILL at random moments always leaves a consistent, chained store", .timeLimit(.minutes(1)))
    func killedWriterLeavesConsistentStore() async throws {
        let writer = try CrashWriter.locate()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("db")
        var generator = SeededGenerator(seed: Self.seed)
        let deadline = ContinuousClock.now + Self.testDuration
        var committedHeight: UInt64 = 0

        for round in 1...Self.killCount {
            try #require(ContinuousClock.now < deadline, "seed \(Self.seed): out of time after \(round - 1) kills")
            let linesWanted = Int.random(in: 1...Self.linesBeforeKillMax, using: &generator)
            let delay = UInt32.random(in: 0...Self.killDelayMicrosecondsMax, using: &generator)
            // The writer's run blocks on its pipe and its exit: off the cooperative pool (`withBlockingWork`).
            let printed = try await withBlockingWork {
                try CrashWriter.run(writer, path: path, killAfterLines: linesWanted, delayMicroseconds: delay)
            }
            if let unexpectedExit = printed.unexpectedExit { Issue.record(Comment(rawValue: unexpectedExit)) }
            let heights = printed.lines.compactMap { UInt64($0) }
            try #require(
                heights.count >= linesWanted,
                "seed \(Self.seed) round \(round): writer printed \(printed.lines) then stopped; stderr: \(printed.errorOutput)")
            committedHeight = max(committedHeight, heights.max() ?? 0)

            let latest = try checkConsistency(path: path, committedHeight: committedHeight, round: round)
            committedHeight = latest
        }
        #expect(committedHeight >= UInt64(Self.killCount))
    }

    /// Reopens the store and checks every rule of a crash-consistent chain; returns the latest height.
    private func checkConsistency(path: String, committedHeight: UInt64, round: Int) throws -> UInt64 {
        let context = "seed \(Self.seed) round \(round)"
        let store = try RocksDBStore(path: path)
        defer { store.close() }
        let blocks = BlockStore(store: store)
        let latest = try blocks.latestHeight()
        try #require(latest >= committedHeight, "\(context): printed height \(committedHeight) lost, store is at \(latest)")

        var parentHash = Hash.zero
        var transactionCount = 0
        for height in 1...latest {
            let block = try #require(try blocks.block(at: height), "\(context): no block at \(height) ≤ latest \(latest)")
            try #require(block.header.parentHash == parentHash, "\(context): block \(height) does not chain")
            try block.checkStructure()
            let certificate = try #require(try blocks.certificate(at: height), "\(context): no certificate at \(height)")
            try #require(certificate.blockHash == block.hash, "\(context): certificate \(height) is for another block")
            try #require(try blocks.height(ofBlock: block.hash) == height, "\(context): block hash index of \(height)")
            for (index, transaction) in block.transactions.enumerated() {
                let location = try blocks.transactionLocation(transaction.hash)
                try #require(location == TransactionLocation(height: height, index: UInt32(index)), "\(context): tx index at \(height)")
            }
            transactionCount += block.transactions.count
            parentHash = block.hash
        }

        // Nothing above the latest height: no block, certificate, hash entry or transaction entry.
        let blockKeys = try allPairs(store, .blocks).map { BlockStore.Keys.height(fromKey: $0.key) }
        #expect(blockKeys == (1...latest).map { Optional($0) }, "\(context): block keys")
        let certificateKeys = try allPairs(store, .certificates).map { BlockStore.Keys.height(fromKey: $0.key) }
        #expect(certificateKeys == (1...latest).map { Optional($0) }, "\(context): certificate keys")
        let hashEntries = try allPairs(store, .indexes, prefix: [BlockStore.IndexTag.blockHash.rawValue])
        let indexedHeights = hashEntries.map { try? UInt64(canonicalBytes: $0.value) }
        #expect(indexedHeights.count == Int(latest), "\(context): block hash entries")
        #expect(indexedHeights.allSatisfy { ($0 ?? .max) <= latest }, "\(context): block hash entry above latest")
        let transactionEntries = try allPairs(store, .indexes, prefix: [BlockStore.IndexTag.transaction.rawValue])
        let locations = transactionEntries.map { try? TransactionLocation(canonicalBytes: $0.value) }
        #expect(locations.count == transactionCount, "\(context): transaction entries")
        #expect(locations.allSatisfy { ($0?.height ?? .max) <= latest }, "\(context): transaction entry above latest")
        return latest
    }

    private func allPairs(_ store: RocksDBStore, _ family: ColumnFamily, prefix: [UInt8] = []) throws -> [KeyValuePair] {
        var pairs: [KeyValuePair] = []
        var after: [UInt8]?
        while true {
            let page = try store.scan(prefix: prefix, after: after, in: family)
            pairs += page
            guard page.count == StorageLimits.scanPairsMax, let last = page.last else { return pairs }
            after = last.key
        }
    }
}

/// Finds and runs the `sbp-crash-writer` executable built next to the test bundle.
enum CrashWriter {
    static let name = "sbp-crash-writer"

    static func locate() throws -> URL { try HelperExecutable.locate(name) }

    struct Output {
        var lines: [String]
        var errorOutput: String
        /// Set when the writer exited by itself instead of being killed (recorded by the test, on its task).
        var unexpectedExit: String? = nil
    }

    /// Starts the writer on `path`, reads `lines` lines, waits `delayMicroseconds` (fault injection, not
    /// synchronization: the writer keeps appending meanwhile) and kills it with SIGKILL.
    ///
    /// Returns every line the writer printed, including those after the ones waited for. A watchdog kills
    /// a writer that stops printing, so a hung writer fails the test instead of hanging it.
    static func run(_ writer: URL, path: String, killAfterLines lines: Int, delayMicroseconds: UInt32) throws -> Output {
        let process = Process()
        process.executableURL = writer
        process.arguments = [path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let child = try ChildProcess(launching: process)
        defer {
            child.send(SIGKILL)
            _ = child.waitForExit()
        }
        let watchdog = DispatchWorkItem { child.send(SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + CrashConsistencyTests.runDuration.timeInterval, execute: watchdog)
        defer { watchdog.cancel() }

        var reader = LineReader(handle: output.fileHandleForReading)
        var printed: [String] = []
        while printed.count < lines, let line = reader.nextLine() { printed.append(line) }
        usleep(delayMicroseconds)
        child.send(SIGKILL)
        let exit = child.waitForExit()
        while let line = reader.nextLine() { printed.append(line) }
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if exit != ChildProcess.Exit(status: SIGKILL, reason: .uncaughtSignal) {
            return Output(lines: printed, errorOutput: errorText, unexpectedExit: "writer \(exit) by itself: \(errorText)")
        }
        return Output(lines: printed, errorOutput: errorText)
    }
}

extension Duration {
    fileprivate var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
