import ChainTypes
import Ledger
import LedgerFixtures
import Storage
import Testing

@testable import Node

/// The operator hears of a scheduled chain protocol version its build does not execute before the chain
/// reaches it, once, and again at every start (ADR 0016).
@Suite struct ProtocolVersionWatchTests {
    @Test func aScheduledVersionTheBuildDoesNotExecuteIsReportedOnceWithItsHeight() throws {
        let chain = try FixtureChain()
        let ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle, executableProtocolVersions: 1...2)
        let admins = chain.departments.map { chain.admins[$0]! }
        let watch = ProtocolVersionWatch(executable: 1...1)
        #expect(try watch.newProblems(in: try ledger.view()).isEmpty)
        try chain.commit(
            [chain.governance(.propose(change: .setProtocolVersion(2), activationHeight: 6, description: "v2"), from: admins[0])],
            on: ledger)
        try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admins[$0]) }, on: ledger)
        let problems = try watch.newProblems(in: try ledger.view())
        #expect(problems.count == 1)
        #expect(problems.first?.contains("activates chain protocol version 2 at height 6") == true)
        #expect(try watch.newProblems(in: try ledger.view()).isEmpty)  // reported once
        #expect(try ProtocolVersionWatch(executable: 1...2).newProblems(in: try ledger.view()).isEmpty)
        for _ in 3...6 { try chain.commit([], on: ledger) }
        // In force now: a build of version 1 only would halt at the next block.
        let inForce = try ProtocolVersionWatch(executable: 1...1).newProblems(in: try ledger.view())
        #expect(inForce.count == 1 && inForce.first?.contains("runs protocol version 2 from height 7") == true)
    }
}
