import ChainTypes
import Consensus
import Foundation
import Testing

/// Golden transcripts (etcd raft's `testdata/*.txt`): a scripted scenario and every message and event the
/// replicas emit, compared line by line with `testdata/NAME.txt`. Run with `SBP_UPDATE_GOLDEN=1` to rewrite
/// the files after an intended change, and review the diff like code.
@Suite("Golden transcripts")
struct GoldenTranscriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("testdata")

    static func check(_ name: String, _ transcript: [String]) throws {
        let url = directory.appendingPathComponent(name + ".txt")
        let text = transcript.joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["SBP_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (want, got)) in zip(expectedLines, actualLines).enumerated() where want != got {
            Issue.record("\(name).txt line \(index + 1): expected \"\(want)\", got \"\(got)\"")
            return
        }
        #expect(expectedLines.count == actualLines.count, "\(name).txt: line count differs")
    }

    @Test("normal case: one block through pre-prepare, prepare and commit")
    func normalCase() throws {
        var harness = Harness()
        harness.transcript.append("# r0 proposes two transactions at height 1")
        harness.proposeAndDeliver(transactions: 2)
        try Self.check("normal-case", harness.transcript)
    }

    @Test("view change: a prepared block survives a silent primary")
    func viewChange() throws {
        var harness = Harness()
        harness.transcript.append("# r0 proposes, the backups prepare, every COMMIT of view 0 is lost, r0 falls silent")
        harness.drops = {
            if case .commit(let commit) = $0 { return commit.payload.view == 0 }; return false
        }
        harness.step(0, .propose(harness.makeTransactions(1)))
        harness.deliverAll()
        harness.isolated = [0]
        harness.transcript.append("# the backups time out; r1 is the primary of view 1")
        harness.tick(until: { $0.chains[1].count == 1 && $0.chains[2].count == 1 && $0.chains[3].count == 1 })
        try Self.check("view-change", harness.transcript)
    }

    @Test("checkpoint: stable at K with garbage collection")
    func checkpoint() throws {
        var harness = Harness()
        for _ in 0..<3 { harness.proposeAndDeliver(transactions: 1) }
        harness.transcript = ["# heights 1-3 committed; height 4 is a checkpoint (K = 4)"]
        harness.proposeAndDeliver(transactions: 1)
        harness.transcript.append("# stable checkpoint heights: \(harness.replicas.map { $0.stableHeight })")
        try Self.check("checkpoint", harness.transcript)
    }

    @Test("state transfer: a partitioned replica catches up from a peer")
    func stateTransfer() throws {
        var harness = Harness()
        harness.isolated = [3]
        for _ in 0..<5 { harness.proposeAndDeliver(transactions: 1) }
        harness.isolated = []
        harness.transcript = ["# r3 was cut off for heights 1-5; the link heals and height 6 is proposed"]
        harness.proposeAndDeliver(transactions: 1)
        harness.tick(until: { $0.replicas[3].committedHeight == 6 }, limit: 20)
        try Self.check("state-transfer", harness.transcript)
    }
}
