import Testing

@testable import sbp_bench

/// The closed loop's two rates: the whole phase, and the middle of it (`ClosedLoopResult`).
@Suite struct ClosedLoopResultTests {
    private static let origin = ContinuousClock.now

    /// `count` commits at `seconds` after the origin (one block's transactions share an instant).
    private static func block(_ count: Int, at seconds: Double) -> [ContinuousClock.Instant] {
        Array(repeating: origin + .seconds(seconds), count: count)
    }

    @Test("the sustained rate counts the blocks after the tenth's up to the nine-tenths', over the time between")
    func sustainedRateBetweenTheTenths() throws {
        // A slow start and a slow end around ten blocks of 100, 110, ... 190, one every 0.1 s.
        var instants = Self.block(10, at: 0.5)
        for block in 0..<10 { instants += Self.block(100 + 10 * block, at: 1 + 0.1 * Double(block)) }
        instants += Self.block(10, at: 4)
        // 1,470 commits: the tenth (index 147) falls in the block at 1.1 s (indexes 110-219), the nine-tenths
        // (index 1,323) in the block at 1.9 s (1,270-1,459); the eight blocks after 1.1 s up to 1.9 s
        // committed 1,460 - 220 = 1,240 in 0.8 s.
        let rate = try #require(ClosedLoopResult.sustainedRate(instants.shuffled()))
        #expect(abs(rate - 1_240 / 0.8) < 1e-6)
        // The whole phase over the same span would be far lower: the slow ends are left out.
        let whole = ClosedLoopResult(transactions: instants.count, seconds: 4, sustained: rate)
        #expect(abs(whole.rate - 1_470 / 4) < 1e-6)
    }

    @Test("no sustained rate from too few commits or from commits at one instant")
    func sustainedRateUndefined() {
        #expect(ClosedLoopResult.sustainedRate(Self.block(9, at: 1) + Self.block(0, at: 2)) == nil)
        #expect(ClosedLoopResult.sustainedRate(Self.block(50, at: 1)) == nil)
        #expect(ClosedLoopResult.sustainedRate([]) == nil)
    }

    @Test("the report prints both rates as shares of the bound, and says when the sustained rate is unknown")
    func report() {
        let known = ClosedLoopResult(transactions: 20_000, seconds: 5, sustained: 4_500).report(bound: 10_000)
        #expect(known.contains("throughput:    4000 tx/s, 40.0% of the signature bound (10000 tx/s)"))
        #expect(known.contains("sustained:     4500 tx/s, 45.0% of the signature bound, while the middle 80%"))
        let unknown = ClosedLoopResult(transactions: 8, seconds: 1, sustained: nil).report(bound: 10_000)
        #expect(unknown.contains("sustained:     - "))
    }
}
