import ChainTypes
import Simulation
import Testing

@testable import Consensus

/// The driver core's decisions, as scripts: each row is an event the shell reports and the actions the core
/// answers with, in order (issue 13, deliver 6; DESIGN §1.7).
@Suite("Driver core")
struct DriverCoreTests {
    /// One row of a script: what the shell reports, and the actions the core must answer with.
    struct Row: Sendable, CustomStringConvertible {
        var step: Step
        var actions: [String]
        init(_ step: Step, _ actions: [String]) {
            self.step = step
            self.actions = actions
        }
        var description: String { "\(step)" }
    }

    /// An event in a script; `executed` reports the block of the last `execute` action.
    enum Step: Sendable {
        case tick(pending: Int)
        case arrived(pending: Int)
        case proposal(transactions: Int)
        /// The last executed block, with the mempool after it: `oldestAgeMs` nil when empty.
        case executed(pending: Int, oldestAgeMs: UInt64?)
        case failed(HaltReason)
    }

    /// A core around a replica, with the shell's bookkeeping a script needs: a clock, an application,
    /// transactions to propose and the last block to report as executed.
    struct Script {
        var core: DriverCore
        var nowMs: UInt64 = Harness.genesisTimeMs + 1000
        var application = CounterApplication()
        var lastExecuted: Block? = nil
        var nonce: UInt64 = 0

        /// Validator `index` of `count`, built as the harness builds its replicas.
        static func validator(_ index: Int, of count: Int, _ configuration: DriverConfiguration) -> Script {
            let replica = Harness(validators: count).makeReplica(index, journal: [], chain: nil)
            return Script(core: DriverCore(replica: replica, configuration: configuration, blockLimits: DriverCoreTests.blockLimits))
        }

        /// One validator (n = 1, quorum 1): it is always the primary and commits on its own, so every
        /// decision of the core shows in its own actions.
        static func alone(_ configuration: DriverConfiguration) -> Script { validator(0, of: 1, configuration) }

        /// Validator 1 of four: a backup whose primary (validator 0) is silent.
        static func backup(_ configuration: DriverConfiguration) -> Script { validator(1, of: 4, configuration) }

        /// Reports `step` and returns the actions the core answers with, until it has none left.
        mutating func run(_ step: Step) -> [String] {
            switch step {
            case .tick(let pending):
                nowMs += 100
                core.handle(.tick(nowMs: nowMs, pendingCount: pending))
            case .arrived(let pending):
                core.handle(.transactionsArrived(pendingCount: pending))
            case .proposal(let count):
                core.handle(.proposal(transactions(count)))
            case .executed(let pending, let oldestAgeMs):
                guard let block = lastExecuted else { return ["no block was executed"] }
                let oldest = oldestAgeMs.map {
                    InclusionWatch.Candidate(hash: Hash.sha256([1]), bytes: 200, fuelLimit: 1000, age: .milliseconds(Int64($0)))
                }
                core.handle(
                    .executed(
                        Execution(
                            block: block, stateRoot: application.stateRoot, receiptsRoot: application.receiptsRoot, pendingCount: pending,
                            oldestPending: oldest)))
            case .failed(let reason):
                core.handle(.failed(reason))
            }
            var lines: [String] = []
            while let action = core.nextAction() {
                lines.append(DriverCoreTests.describe(action))
                if case .execute(let committed) = action {
                    application.execute(committed.block)
                    lastExecuted = committed.block
                }
            }
            return lines
        }

        mutating func transactions(_ count: Int) -> [Transaction] {
            (0..<count).map { _ in
                nonce += 1
                let body = TransactionBody(
                    chainId: "sbp-sim", sender: .zero, nonce: nonce, kind: .call, payload: [UInt8(nonce % 7 + 1)], fuelLimit: 1000,
                    expiryHeight: .max)
                return Transaction(body: body, signature: SimulatedAuthenticator.signature(secret: .zero, digest: body.hash))
            }
        }

        /// Runs every row, recording a mismatch per row.
        mutating func check(_ rows: [Row], sourceLocation: SourceLocation = #_sourceLocation) {
            for (number, row) in rows.enumerated() {
                let actions = run(row.step)
                #expect(actions == row.actions, "row \(number + 1): \(row.step)", sourceLocation: sourceLocation)
            }
        }
    }

    static let blockLimits = BlockLimits(transactionsMax: 100, bytesMax: 1 << 20, fuelMax: 1_000_000)
    /// An empty block after three ticks of 100 ms; overdue after six.
    static let paced = DriverConfiguration(
        tickMs: 100, emptyBlockIntervalMs: 300, inclusionGraceMs: 1000, inclusionSkipsMax: 2, proposalBytesReserve: 1024)

    /// The core asking for transactions within `blockLimits` less the reserve of `paced`.
    static let asks = "propose ≤100 txs ≤\((1 << 20) - 1024) bytes ≤1000000 fuel"

    /// The actions a one-validator primary answers with when it proposes and commits a block of `transactions`:
    /// its pre-prepare and commit votes are journaled before either is sent, and the block is executed last.
    static func commits(height: UInt64, transactions: Int, view: UInt64 = 0) -> [String] {
        [
            "persist 3", "send all PRE-PREPARE v\(view) h\(height) txs=\(transactions)", "send all COMMIT v\(view) h\(height)",
            "event proposed", "event prepared", "event committed", "execute h\(height) txs=\(transactions)",
        ]
    }

    @Test("empty-block cadence: an idle primary proposes an empty block once the interval passes without a commit, by the injected clock")
    func emptyBlockCadence() {
        var script = Script.alone(Self.paced)
        script.check([
            Row(.tick(pending: 0), []),
            Row(.tick(pending: 0), []),
            Row(.tick(pending: 0), Self.commits(height: 1, transactions: 0)),
            Row(.executed(pending: 0, oldestAgeMs: nil), []),
            // The interval restarts at the commit.
            Row(.tick(pending: 0), []),
            Row(.tick(pending: 0), []),
            Row(.tick(pending: 0), Self.commits(height: 2, transactions: 0)),
        ])
    }

    @Test("without a cadence (the test harness) an idle primary never proposes on its own")
    func noCadenceNoProposal() {
        var configuration = Self.paced
        configuration.emptyBlockTicks = nil
        var script = Script.alone(configuration)
        script.check(Array(repeating: Row(.tick(pending: 0), []), count: 20))
    }

    @Test("pending transactions: the primary asks for them at once, within the block limits less the byte reserve")
    func proposalWithinLimits() {
        var script = Script.alone(Self.paced)
        script.check([
            Row(.arrived(pending: 2), [Self.asks]),
            // Nothing more is asked until the shell answers.
            Row(.tick(pending: 2), []),
            Row(.proposal(transactions: 2), Self.commits(height: 1, transactions: 2)),
            Row(.executed(pending: 0, oldestAgeMs: nil), []),
        ])
    }

    @Test("overdue work: a backup with nothing pending suspects a primary that committed nothing for two empty-block intervals")
    func overdueWithoutCommits() {
        // Six ticks make the commit overdue and arm the view-change timer (4 ticks in the harness's
        // configuration); it expires on the tenth.
        var script = Script.backup(Self.paced)
        let quiet = Array(repeating: Row(.tick(pending: 0), []), count: 9)
        script.check(quiet + [Row(.tick(pending: 0), ["persist 1", "send all VIEW-CHANGE v1", "event viewChangeStarted"])])

        // The same backup without a cadence (so nothing is overdue) waits for ever on an idle network.
        var configuration = Self.paced
        configuration.emptyBlockTicks = nil
        var idle = Script.backup(configuration)
        idle.check(Array(repeating: Row(.tick(pending: 0), []), count: 40))
    }

    @Test("inclusion watch: blocks with room that leave out a transaction past its grace make the core suspect the primary")
    func inclusionWatch() {
        // The shell answers every proposal with nothing, as a censoring primary's mempool filter would.
        var script = Script.alone(Self.paced)
        script.check(
            [
                Row(.arrived(pending: 1), [Self.asks]),
                Row(.proposal(transactions: 0), Self.commits(height: 1, transactions: 0)),
                // Within its grace the transaction is not held against the primary.
                Row(.executed(pending: 1, oldestAgeMs: 999), [Self.asks]),
                Row(.proposal(transactions: 0), Self.commits(height: 2, transactions: 0)),
                Row(.executed(pending: 1, oldestAgeMs: 1000), [Self.asks]),
                Row(.proposal(transactions: 0), Self.commits(height: 3, transactions: 0)),
                // The second block with room past the grace: overdue (rule 13). The core suspects the primary
                // (`Input.requestOverdue`; a lone validator does not suspect itself, so it proposes on) and
                // the count starts again. `CensorshipSimulationTests` shows the backups replacing a censor.
                Row(
                    .executed(pending: 1, oldestAgeMs: 1100),
                    ["suspect primary of v0", Self.asks]),
            ])
        #expect(script.core.inclusionWatch.skips == 0)
    }

    @Test("halting: a failed write halts the core, which then does nothing more")
    func haltingIsFinal() {
        var script = Script.alone(Self.paced)
        script.check([
            Row(.failed(.journalUnwritable("disk full")), ["halt: cannot persist the consensus journal: disk full"]),
            Row(.tick(pending: 0), []),
            Row(.tick(pending: 0), []),
            Row(.arrived(pending: 3), []),
            Row(.tick(pending: 3), []),
        ])
        #expect(script.core.halted == .journalUnwritable("disk full"))
    }

    // MARK: - Action text

    static func describe(_ action: DriverAction) -> String {
        switch action {
        case .persist(let records): return "persist \(records.count)"
        case .send(let outgoing):
            let target: String
            switch outgoing.target {
            case .all: target = "all"
            case .replica(let index): target = "r\(index)"
            }
            return "send \(target) \(describe(outgoing.message))"
        case .report(let event):
            let text = "\(event)"
            return "event " + String(text.prefix { $0 != "(" })
        case .execute(let committed): return "execute h\(committed.block.height) txs=\(committed.block.transactions.count)"
        case .fetch(let fetch): return "fetch h\(fetch.fromHeight) from \(fetch.source)"
        case .propose(let limits): return "propose ≤\(limits.transactionsMax) txs ≤\(limits.bytesMax) bytes ≤\(limits.fuelMax) fuel"
        case .suspectPrimary(_, let view): return "suspect primary of v\(view)"
        case .halt(let reason): return "halt: \(reason)"
        }
    }

    static func describe(_ message: Message) -> String {
        switch message {
        case .prePrepare(let signed, let block):
            return "PRE-PREPARE v\(signed.payload.view) h\(signed.payload.height) txs=\(block.transactions.count)"
        case .prepare(let signed): return "PREPARE v\(signed.payload.view) h\(signed.payload.height)"
        case .commit(let signed): return "COMMIT v\(signed.payload.view) h\(signed.payload.height)"
        case .checkpoint(let signed): return "CHECKPOINT h\(signed.payload.height)"
        case .viewChange(let signed): return "VIEW-CHANGE v\(signed.payload.newView)"
        case .newView(let signed): return "NEW-VIEW v\(signed.payload.view)"
        case .fetchBlocks(let from, _): return "FETCH h\(from)"
        case .blocks(let blocks): return "BLOCKS \(blocks.count)"
        }
    }
}
