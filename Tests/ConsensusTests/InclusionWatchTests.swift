import ChainTypes
import Testing

@testable import Consensus

/// When blocks that leave out the oldest pending transaction count against the primary (rule 13).
@Suite("Inclusion watch")
struct InclusionWatchTests {
    static let limits = (transactions: 100, bytes: 10_000, fuel: UInt64(1_000_000))

    static func block(transactions: Int = 1, bytes: Int = 300, fuel: UInt64 = 1_000) -> InclusionWatch.BlockUse {
        InclusionWatch.BlockUse(
            transactions: transactions, bytes: bytes, fuel: fuel, transactionsMax: limits.transactions, bytesMax: limits.bytes,
            fuelMax: limits.fuel)
    }

    static func candidate(_ byte: UInt8 = 1, ageSeconds: Int64 = 10, bytes: Int = 300, fuel: UInt64 = 1_000) -> InclusionWatch.Candidate {
        InclusionWatch.Candidate(hash: Hash.sha256([byte]), bytes: bytes, fuelLimit: fuel, age: .seconds(ageSeconds))
    }

    @Test("rule 13: the third block with room that leaves out a transaction past its grace makes it overdue, then counting restarts")
    func rule13OverdueAfterSkips() {
        var watch = InclusionWatch(grace: .seconds(5), skipsMax: 3)
        let oldest = Self.candidate()
        #expect(!WatchStep.run(&watch, Self.block(), oldest: oldest))
        #expect(!WatchStep.run(&watch, Self.block(), oldest: oldest))
        #expect(WatchStep.run(&watch, Self.block(), oldest: oldest))
        #expect(watch.skips == 0)
        #expect(!WatchStep.run(&watch, Self.block(), oldest: oldest))
    }

    @Test("within its grace, a transaction is not held against the primary")
    func graceIsRespected() {
        var watch = InclusionWatch(grace: .seconds(5), skipsMax: 1)
        #expect(!WatchStep.run(&watch, Self.block(), oldest: Self.candidate(ageSeconds: 4)))
        #expect(watch.watched == nil)
        #expect(WatchStep.run(&watch, Self.block(), oldest: Self.candidate(ageSeconds: 5)))
    }

    @Test("full blocks do not count: by transactions, bytes or fuel")
    func fullBlocksDoNotCount() {
        var watch = InclusionWatch(grace: .zero, skipsMax: 1)
        let oldest = Self.candidate(bytes: 500, fuel: 5_000)
        #expect(!WatchStep.run(&watch, Self.block(transactions: Self.limits.transactions), oldest: oldest))
        #expect(!WatchStep.run(&watch, Self.block(bytes: Self.limits.bytes - 499), oldest: oldest))
        #expect(!WatchStep.run(&watch, Self.block(fuel: Self.limits.fuel - 4_999), oldest: oldest))
        #expect(!WatchStep.run(&watch, Self.block(bytes: Self.limits.bytes + 1), oldest: oldest))
        #expect(!WatchStep.run(&watch, Self.block(fuel: Self.limits.fuel + 1), oldest: oldest))
        #expect(WatchStep.run(&watch, Self.block(bytes: Self.limits.bytes - 500, fuel: Self.limits.fuel - 5_000), oldest: oldest))
    }

    @Test("a new oldest transaction starts its own count; an empty pool forgets")
    func countIsPerTransaction() {
        var watch = InclusionWatch(grace: .zero, skipsMax: 2)
        #expect(!WatchStep.run(&watch, Self.block(), oldest: Self.candidate(1)))
        #expect(!WatchStep.run(&watch, Self.block(), oldest: Self.candidate(2)))
        #expect(watch.skips == 1)
        #expect(!WatchStep.run(&watch, Self.block(), oldest: nil))
        #expect(!WatchStep.run(&watch, Self.block(), oldest: Self.candidate(2)))
        #expect(WatchStep.run(&watch, Self.block(), oldest: Self.candidate(2)))
    }
}

/// Steps the watch outside `#expect`, whose closure cannot mutate it.
enum WatchStep {
    static func run(_ watch: inout InclusionWatch, _ block: InclusionWatch.BlockUse, oldest: InclusionWatch.Candidate?) -> Bool {
        watch.blockFinalized(block, oldest: oldest)
    }
}
