import Testing

@testable import sbp_bench

/// The closed loop's two rates: the whole phase, and the middle of its time (`ClosedLoopResult`).
@Suite struct ClosedLoopResultTests {
    private static let start = ContinuousClock.now

    /// `count` commits at `milliseconds` after the start (one block's transactions share an instant).
    private static func block(_ count: Int, at milliseconds: Int) -> [ContinuousClock.Instant] {
        Array(repeating: start + .milliseconds(milliseconds), count: count)
    }

    /// A slow start (10 at 0.5 s), eighty blocks of 100 one every 0.1 s from 1.05 s to 8.95 s, and a slow
    /// end (10 at 9.5 s, the last 10 at 10 s).
    private static let phase: [ContinuousClock.Instant] = {
        var instants = block(10, at: 500)
        for block in 0..<80 { instants += Self.block(100, at: 1_050 + 100 * block) }
        return instants + block(10, at: 9_500) + block(10, at: 10_000)
    }()

    @Test("the sustained rate counts the commits in the middle eight tenths of the phase's time")
    func sustainedRateInTheMiddle() throws {
        // The span is 10 s; its middle runs from 1 s to 9 s and holds the eighty blocks: 8,000 in 8 s.
        let rate = try #require(ClosedLoopResult.sustainedRate(Self.phase.shuffled(), since: Self.start))
        #expect(abs(rate - 1_000) < 1e-6)
        // The whole phase is slower: its slow ends count.
        let whole = ClosedLoopResult(transactions: Self.phase.count, seconds: 10, sustained: rate)
        #expect(abs(whole.rate - 803) < 1e-6)
    }

    @Test("commits bunched at one instant by a node catching up cannot make the sustained rate above 1.25 times the whole")
    func sustainedRateIsBounded() throws {
        // A node that lagged commits most of the phase at once, late: a window between two counts would
        // have shrunk to that instant.
        let instants = Self.block(100, at: 200) + Self.block(19_000, at: 7_000) + Self.block(900, at: 8_000)
        let rate = try #require(ClosedLoopResult.sustainedRate(instants, since: Self.start))
        let whole = Double(instants.count) / 8
        #expect(rate <= whole * 1.25 + 1e-9)
        // From 0.8 s to 7.2 s only the bunch counts: 19,000 in 6.4 s.
        #expect(abs(rate - 19_000 / 6.4) < 1e-6)
    }

    @Test("no sustained rate without commits or when every commit is at the start")
    func sustainedRateUndefined() {
        #expect(ClosedLoopResult.sustainedRate([], since: Self.start) == nil)
        #expect(ClosedLoopResult.sustainedRate(Self.block(50, at: 0), since: Self.start) == nil)
    }

    @Test("the report prints both rates as shares of the bound, and says when the sustained rate is unknown")
    func report() {
        let known = ClosedLoopResult(transactions: 20_000, seconds: 5, sustained: 4_500).report(bound: 10_000)
        #expect(known.contains("throughput:    4000 tx/s, 40.0% of the signature bound (10000 tx/s)"))
        #expect(known.contains("sustained:     4500 tx/s, 45.0% of the signature bound, committed on every node in the middle 80%"))
        let unknown = ClosedLoopResult(transactions: 8, seconds: 1, sustained: nil).report(bound: 10_000)
        #expect(unknown.contains("sustained:     - "))
    }
}
