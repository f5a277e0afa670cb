import Ledger
import Synchronization

/// Warns the operator, ahead of time, that governance scheduled a chain protocol version this build does
/// not execute: the node will halt at its activation height (ADR 0016, docs/operations.md "upgrades").
///
/// Checked at start and after every block; each problem is reported once, when it first appears.
final class ProtocolVersionWatch: Sendable {
    let executable: ClosedRange<UInt32>
    private let reported = Mutex<[String]>([])

    init(executable: ClosedRange<UInt32> = ChainProtocol.executable) {
        self.executable = executable
    }

    /// The problems `view` shows that were not reported before.
    func newProblems(in view: LedgerView) throws(LedgerError) -> [String] {
        let problems = try Self.problems(in: view, executable: executable)
        return reported.withLock { reported in
            let fresh = problems.filter { !reported.contains($0) }
            reported = problems
            return fresh
        }
    }

    /// Versions in force or scheduled that a build executing `executable` cannot execute, as sentences.
    static func problems(in view: LedgerView, executable: ClosedRange<UInt32>) throws(LedgerError) -> [String] {
        let range = "\(executable.lowerBound)…\(executable.upperBound)"
        var problems: [String] = []
        let current = try view.parameters().protocolVersion
        if !executable.contains(current) {
            problems.append(
                "the chain runs protocol version \(current) from height \(view.height + 1); this build executes \(range), so the node "
                    + "halts before executing that block: run a build that executes version \(current)")
        }
        for (height, version) in try view.scheduledProtocolVersions() where !executable.contains(version) {
            problems.append(
                "governance activates chain protocol version \(version) at height \(height); this build executes \(range), so the "
                    + "node will halt there: upgrade it to a build that executes version \(version) before then")
        }
        return problems
    }
}
