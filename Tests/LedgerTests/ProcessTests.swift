import ChainTypes
import ChildProcesses
import Foundation
import Ledger
import LedgerFixtures
import StateTree
import Storage
import StorageRocksDB
import TestProcesses
import Testing

/// Properties that need more than one process: determinism across processes and kill -9 during finalize.
@Suite(.serialized) struct LedgerProcessTests {
    static let worker = "sbp-ledger-worker"

    @Test("replaying the same blocks in two processes gives identical roots, receipts and indexes", .timeLimit(.minutes(2)))
    func replayIsIdenticalAcrossProcesses() async throws {
        let executable = try HelperExecutable.locate(Self.worker)
        let first = TemporaryDirectory()
        let second = TemporaryDirectory()
        let a = try await HelperExecutable.runOffPool(executable, arguments: ["replay", first.path + "/db", "6"])
        let b = try await HelperExecutable.runOffPool(executable, arguments: ["replay", second.path + "/db", "6"])
        let lines = a.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines.last?.hasPrefix("indexes 0x") == true)
        // Receipts include successes and each kind of failure (status codes 0 to 3).
        for status in ["0:", "1:", "2:", "3:"] { #expect(a.contains(status), "no receipt with status \(status)") }
        #expect(a == b)

        // The same scenario in this process (in memory) reaches the same roots.
        let store = try RocksDBStore(path: first.path + "/db")
        defer { store.close() }
        let chain = try FixtureChain()
        let reopened = try Ledger(store: store, genesis: chain.bundle)
        #expect(reopened.height == 6)
        let lastRoots = lines[5].split(separator: " ")
        #expect(reopened.latestRoots.stateRoot.description == lastRoots[1])
        #expect(reopened.latestRoots.receiptsRoot.description == lastRoots[2])
    }

    @Test("a ledger killed during block finalization reopens at a whole height", .timeLimit(.minutes(2)))
    func killDuringFinalizationLeavesAWholeHeight() async throws {
        let executable = try HelperExecutable.locate(Self.worker)
        let directory = TemporaryDirectory()
        let path = directory.path + "/db"
        var generator = SystemRandomNumberGenerator()
        var printed: UInt64 = 0
        for round in 1...8 {
            let delay = UInt32.random(in: 0...30_000, using: &generator)
            let lines = try await withBlockingWork { try Self.runAndKill(executable, path: path, afterLines: 2, delayMicroseconds: delay) }
            if let last = lines.last(where: { $0.hasPrefix("height ") }), let height = UInt64(last.dropFirst(7)) { printed = height }
            let height = try Self.checkWholeHeight(path: path, round: round)
            #expect(height >= printed, "round \(round): printed height \(printed) lost; reopened at \(height)")
        }
        #expect(printed >= 8)
    }

    /// Reopens the ledger and checks that everything of its latest height is present and nothing above.
    static func checkWholeHeight(path: String, round: Int) throws -> UInt64 {
        let store = try RocksDBStore(path: path)
        defer { store.close() }
        let chain = try FixtureChain()
        let ledger = try Ledger(store: store, genesis: chain.bundle)
        let view = try ledger.view()
        let height = view.height
        let block = try #require(try view.block(at: height), "round \(round): no block at \(height)")
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        #expect(try tree.rootHash(at: height) == ledger.latestRoots.stateRoot, "round \(round): tree root at \(height)")
        #expect(try view.receipts(height: height).count == block.transactions.count, "round \(round): receipts at \(height)")
        #expect(MerkleRoot.of(try view.receipts(height: height).map(\.hash)) == ledger.latestRoots.receiptsRoot)
        for transaction in block.transactions { #expect(try view.receipt(transaction.hash) != nil) }
        // Nothing of height + 1: no roots, no receipts, no tree root.
        #expect(try view.roots(at: height + 1) == nil)
        #expect(try view.receipt(height: height + 1, index: 0) == nil)
        #expect(throws: (any Error).self) { try tree.rootHash(at: height + 1) }
        // The issuer's nonce counts exactly the committed calls.
        let issuer = chain.issuers["TD"]!
        #expect(try view.account(issuer.address)?.nonce == height * 50, "round \(round): nonce at \(height)")
        return height
    }

    /// Starts the worker in crash mode, reads `afterLines` lines, lets it run `delayMicroseconds` more
    /// (fault injection, not synchronization) and kills it with SIGKILL; returns every line it printed.
    static func runAndKill(_ executable: URL, path: String, afterLines: Int, delayMicroseconds: UInt32) throws -> [String] {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["crash", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let child = try ChildProcess(launching: process)
        let watchdog = DispatchWorkItem { child.send(SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        defer { watchdog.cancel() }
        var reader = LineReader(handle: output.fileHandleForReading)
        var lines: [String] = []
        while lines.count < afterLines, let line = reader.nextLine() { lines.append(line) }
        usleep(delayMicroseconds)
        child.send(SIGKILL)
        _ = child.waitForExit()
        while let line = reader.nextLine() { lines.append(line) }
        return lines
    }
}
