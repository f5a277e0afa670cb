import ChainTypes
import Foundation
import Ledger
import LedgerFixtures
import Storage
import Testing

/// Admission and finalization at once: `check` and `height` must not wait for the block the replica driver
/// is executing or finalizing (issue 18), or a node admits transactions only between blocks.
@Suite struct ConcurrentAdmissionTests {
    @Test("check and height answer while a block's synced write is in progress")
    func admissionDuringFinalize() async throws {
        let store = GatedStore()
        let (chain, ledger) = try makeLedger(store: store)
        let first = try chain.licenceCall("issue", issueArguments("L-1"), from: try #require(chain.issuers["TD"]))
        let other = try chain.licenceCall("issue", issueArguments("L-2"), from: try #require(chain.issuers["DH"]))
        // A first block loads the contract, so the gated one reaches its write soon even in a loaded debug run.
        try chain.commit([try chain.licenceCall("issue", issueArguments("L-0"), from: try #require(chain.issuers["EPD"]))], on: ledger)
        store.arm()
        async let committed = onThread { () -> String? in
            do {
                try chain.commit([first], on: ledger)
                return nil
            } catch {
                return "\(error)"
            }
        }
        let writing = await onThread { store.writing.wait(seconds: 300) }
        #expect(writing, "the block reached its synced write")
        let checked = Completion()
        async let verdict = onThread { () -> (UInt64, Result<Admission, TransactionRejection>) in
            let answer = (ledger.height, ledger.check(other, context: AdmissionContext(pendingFromSender: 0)))
            checked.finish()
            return answer
        }
        // A deadline, not a duration: a check that is not blocked answers in milliseconds even on a loaded
        // machine, and one that waits for the block would wait until `store.open()` below.
        let inTime = await onThread { checked.wait(seconds: 60) }
        store.open()
        #expect(inTime, "check and height answered while the block was being written")
        let (height, result) = await verdict
        #expect(height == 1, "the block being written is not finalized yet")
        if case .failure(let rejection) = result { Issue.record("refused: \(rejection)") }
        #expect(await committed == nil)
        #expect(ledger.height == 2)
    }
}

/// Runs `body` on a thread of its own (it may block) without blocking the cooperative pool.
private func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// A flag one thread sets and another waits for with a deadline.
private final class Completion: @unchecked Sendable {
    private let condition = NSCondition()
    private var done = false

    func finish() {
        condition.withLock {
            done = true
            condition.broadcast()
        }
    }

    /// Whether `finish()` was called within `seconds`.
    func wait(seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return condition.withLock {
            while !done { if !condition.wait(until: deadline) { return done } }
            return true
        }
    }
}

/// An in-memory store whose writes, once armed, wait until `open()`: a finalization held in its synced write.
private final class GatedStore: KeyValueStore, @unchecked Sendable {
    private let inner = MemoryKeyValueStore()
    private let condition = NSCondition()
    private var armed = false
    private var opened = false

    func arm() { condition.withLock { armed = true } }

    func open() {
        condition.withLock {
            opened = true
            condition.broadcast()
        }
    }

    /// Set when a write reached the gate.
    let writing = Completion()

    func write(_ batch: WriteBatch, sync: Bool) throws(StorageError) {
        condition.withLock {
            guard armed else { return }
            writing.finish()
            while !opened { condition.wait() }
        }
        try inner.write(batch, sync: sync)
    }

    func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? { try inner.get(key, in: family) }

    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
        try inner.scan(prefix: prefix, after: after, limit: limit, in: family)
    }

    func snapshot() throws(StorageError) -> MemoryKeyValueSnapshot { try inner.snapshot() }

    func close() { inner.close() }
}
