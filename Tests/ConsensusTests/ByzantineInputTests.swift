import ChainTypes
import Simulation
import Testing

@testable import Consensus

/// Regression tests for issue 13: single messages from one validator that trapped, stalled or misled
/// honest replicas. Each test names the defect it pins down; all of them failed (trapped or asserted) on
/// the code before the fix.
@Suite("Byzantine inputs (issue 13)")
struct ByzantineInputTests {
    static func prepares(in messages: [Message]) -> Int {
        messages.filter { if case .prepare = $0 { true } else { false } }.count
    }

    /// Carries out a lone replica's Ready (no network): executes what it commits, reporting set changes.
    static func drive(
        _ replica: inout Replica, _ application: inout CounterApplication, setChanges: [UInt64: ValidatorSetChange] = [:]
    ) -> [ReplicaEvent] {
        var events: [ReplicaEvent] = []
        while true {
            let ready = replica.ready()
            replica.advance(ready)
            events += ready.events
            if ready.committed.isEmpty { return events }
            for committed in ready.committed {
                application.execute(committed.block)
                replica.step(
                    .executed(
                        height: committed.block.height, stateRoot: application.stateRoot, receiptsRoot: application.receiptsRoot,
                        validatorSetChange: setChanges[committed.block.height]))
            }
        }
    }

    // MARK: - The class: mutated real messages

    @Test("the integer rule as a class: 3,000 one-field mutations of real messages, re-signed by a validator, never trap")
    func mutatedMessagesNeverTrap() {
        var harness = Harness()
        for _ in 0..<5 { harness.proposeAndDeliver() }
        // A view change, so VIEW-CHANGE and NEW-VIEW messages are among the originals.
        harness.isolated = [1]
        harness.tick(until: { $0.replicas[0].view >= 1 && !$0.replicas[0].isChangingView }, limit: 100)
        harness.isolated = []
        harness.proposeAndDeliver()
        var originals = harness.sent.flatMap { $0 }
        originals.append(.blocks(harness.chains[0]))
        originals.append(.fetchBlocks(fromHeight: 1, requester: 3))
        let fuzzer = MessageFuzzer(index: 3, authenticator: harness.keys.authenticator(for: 3), chainId: harness.configuration.chainId)
        var random = SimulationRandom(seed: 13)
        let before = harness.replicas[0].committedHeight
        for round in 0..<3000 {
            let original = originals[Int(random.below(UInt64(originals.count)))]
            harness.step(round % 3, .message(fuzzer.mutate(original, nowMs: harness.nowMs, &random)))
        }
        // State transfer sees mutated replies too: a fresh replica that asked takes only the genuine blocks.
        var fresh = harness.makeReplica(2, journal: [], chain: nil)
        fresh.step(.tick(nowMs: harness.nowMs))
        fresh.startStateTransfer(target: before)
        var application = CounterApplication()
        for _ in 0..<300 {
            fresh.step(.message(fuzzer.mutate(.blocks(harness.chains[0]), nowMs: harness.nowMs, &random)))
            _ = Self.drive(&fresh, &application)
        }
        fresh.step(.message(.blocks(harness.chains[0])))
        _ = Self.drive(&fresh, &application)
        #expect(fresh.committedHeight == before)
        var reference = CounterApplication()
        for committed in harness.chains[0].prefix(Int(before)) { reference.execute(committed.block) }
        #expect(application.stateRoot == reference.stateRoot)
        harness.deliverAll()
        for _ in 0..<60 where !harness.replicas.prefix(3).allSatisfy({ $0.committedHeight > before }) {
            harness.proposeAndDeliver()
            harness.tick(3)
        }
        #expect(harness.replicas.prefix(3).allSatisfy { $0.committedHeight > before })
        #expect(Set(harness.chains.prefix(3).map { $0.prefix(Int(before)).map(\.block.hash) }).count == 1)
    }

    // MARK: - Defect 1: VIEW-CHANGE / NEW-VIEW heights computed from the sender's stable height

    @Test("defect 1: a VIEW-CHANGE with stable height 2^64−1 is refused without trapping")
    func viewChangeWithMaximalStableHeightDoesNotTrap() {
        var harness = Harness()
        for stableHeight in [UInt64.max, UInt64.max - 1, 1 << 63, ConsensusLimits.heightMax] {
            let change = ViewChange(newView: 1, stableHeight: stableHeight, checkpointProof: [], prepared: [])
            for index in 0..<3 { harness.step(index, .message(.viewChange(harness.sign(change, as: 3)))) }
        }
        #expect(harness.replicas.prefix(3).allSatisfy { $0.view == 0 && !$0.isChangingView })
        harness.proposeAndDeliver()
        #expect(harness.replicas.allSatisfy { $0.committedHeight == 1 })
    }

    @Test("defect 1: a NEW-VIEW naming a VIEW-CHANGE with stable height 2^64−1 is refused without trapping")
    func newViewWithMaximalStableHeightDoesNotTrap() {
        var harness = Harness()
        let change = harness.sign(ViewChange(newView: 1, stableHeight: .max, checkpointProof: [], prepared: []), as: 3)
        let reference = harness.replicas[0].reference(to: change)
        let newView = harness.sign(NewView(view: 1, viewChanges: [reference, reference, reference], prePrepares: []), as: 1)
        // V names the change by digest; the primary relays the change itself (TOCS §4.5), in either order.
        for index in [0, 2, 3] {
            harness.step(index, .message(.newView(newView)))
            harness.step(index, .message(.viewChange(change)))
        }
        #expect(harness.replicas.allSatisfy { $0.view == 0 })
        harness.proposeAndDeliver()
        #expect(harness.replicas.allSatisfy { $0.committedHeight == 1 })
    }

    // MARK: - Defect 2: CHECKPOINT at 2^64−1

    @Test("defect 2: a CHECKPOINT signed at height 2^64−1 is refused without trapping")
    func checkpointAtMaximalHeightDoesNotTrap() {
        var harness = Harness()
        for height in [UInt64.max, 1 << 63, ConsensusLimits.heightMax, ConsensusLimits.heightMax + 1] {
            let checkpoint = harness.sign(Checkpoint(height: height, blockHash: .zero, stateRoot: .zero), as: 3)
            for index in 0..<3 { harness.step(index, .message(.checkpoint(checkpoint))) }
        }
        #expect(
            harness.rejections(of: 0).contains(
                .integerOutOfRange(IntegerRange(field: "height", value: .max, max: ConsensusLimits.heightMax))))
        harness.proposeAndDeliver()
        #expect(harness.replicas.allSatisfy { $0.committedHeight == 1 && $0.stableHeight == 0 })
    }

    // MARK: - Defect 3: the drift check skipped when the header names an older view

    @Test("defect 3: a pre-prepare whose header names an older view is still checked against the local clock")
    func prePrepareNamingAnOlderViewIsCheckedForDrift() {
        var harness = Harness()
        let (_, proposed) = PaperTests.firstProposal(&harness)
        // Validator 0 is primary of views 0 and 4: in view 4 it sends a block whose header says view 0,
        // dated ten days ahead.
        var block = proposed
        block.header.timestampMs = harness.nowMs + 10 * 86_400_000
        let signed = harness.sign(PrePrepare(view: 4, height: 1, digest: block.hash), as: 0)
        for index in 1..<4 { harness.replicas[index].view = 4 }
        for index in 1..<4 { harness.step(index, .message(.prePrepare(signed, block))) }
        #expect((1..<4).allSatisfy { Self.prepares(in: harness.sent[$0]) == 0 })
    }

    @Test("defect 3: a pre-prepare dated 2^64−1 is refused and a parent dated at the end of time never traps a primary")
    func proposingAfterAParentDatedAtTheEndOfTimeDoesNotTrap() {
        var harness = Harness()
        let (_, proposed) = PaperTests.firstProposal(&harness)
        var block = proposed
        block.header.timestampMs = .max
        let signed = harness.sign(PrePrepare(view: 0, height: 1, digest: block.hash), as: 0)
        harness.step(1, .message(.prePrepare(signed, block)))
        #expect(Self.prepares(in: harness.sent[1]) == 0)
        // A chain written before the cap, whose head is dated 2^64−1: the primary stops instead of trapping.
        var primary = harness.makeReplica(
            0, journal: [], chain: .genesis(timestampMs: .max, stateRoot: CounterApplication.genesisRoot))
        primary.step(.tick(nowMs: harness.nowMs))
        primary.step(.propose(harness.makeTransactions(1)))
        #expect(!primary.ready().messages.contains { if case .prePrepare = $0.message { true } else { false } })
    }

    // MARK: - Defect 6: future-view buffers

    @Test("defect 6: a future-view pre-prepare from a replica that is not that view's primary is not buffered")
    func futurePrePrepareFromANonPrimaryIsNotBuffered() {
        var harness = Harness()
        let (_, block) = PaperTests.firstProposal(&harness)
        var future = block
        future.header.view = 1
        let signed = harness.sign(PrePrepare(view: 1, height: 1, digest: future.hash), as: 3)
        harness.step(2, .message(.prePrepare(signed, future)))
        #expect(harness.replicas[2].bufferedBytes == 0)
        #expect(harness.rejections(of: 2).contains(.notFromPrimary(signer: 3)))
    }

    @Test("defect 6: one validator's flood of future messages does not crowd out an honest one")
    func oneSendersFloodDoesNotCrowdOutAnHonestFutureMessage() {
        var harness = Harness()
        for digest in 0..<UInt8(200) {
            for height in 1...harness.configuration.watermarkWindow {
                let vote = Prepare(view: 1, height: height, digest: Hash.sha256([digest]))
                harness.replicas[2].step(.message(.prepare(harness.sign(vote, as: 3))))
            }
        }
        let honest = harness.sign(Prepare(view: 1, height: 1, digest: .zero), as: 0)
        harness.replicas[2].step(.message(.prepare(honest)))
        #expect(harness.replicas[2].futureMessages[harness.keys.address(of: 0)]?.messages == [.prepare(honest)])
        #expect(
            harness.replicas[2].futureMessages[harness.keys.address(of: 3)]?.messages.count == ConsensusLimits.futureMessagesPerSenderMax)
    }

    @Test("defect 6: buffered bytes stay within the per-sender budget however large the blocks")
    func bufferedBytesStayWithinTheSenderBudget() {
        var harness = Harness()
        let (_, proposed) = PaperTests.firstProposal(&harness)
        let payload = [UInt8](repeating: 7, count: Limits.transactionPayloadBytesMax - 1024)
        for height in 1...harness.configuration.watermarkWindow {
            let transactions = (0..<16).map { index in
                let body = TransactionBody(
                    chainId: harness.configuration.chainId, sender: .zero, nonce: height * 100 + UInt64(index), kind: .call,
                    payload: payload, fuelLimit: 1000, expiryHeight: .max)
                return Transaction(body: body, signature: SimulatedAuthenticator.signature(secret: .zero, digest: body.hash))
            }
            var block = proposed
            block.header.view = 1
            block.header.height = height
            block.transactions = transactions
            block.header.transactionsRoot = Block.transactionsRoot(of: transactions)
            // Validator 1 is the primary of view 1: its pre-prepares pass the cheap checks and are buffered.
            let signed = harness.sign(PrePrepare(view: 1, height: height, digest: block.hash), as: 1)
            harness.replicas[2].step(.message(.prePrepare(signed, block)))
        }
        #expect(harness.replicas[2].bufferedBytes > 0)
        #expect(harness.replicas[2].bufferedBytes <= ConsensusLimits.futureBytesPerSenderMax)
        #expect(harness.replicas[2].ready().events.contains(.rejected(.bufferFull(signer: 1))))
    }

    // MARK: - Defect 7: removed keys, activity before admission, views without a cap

    /// A harness whose genesis set {v0, v1, v2, v3} was replaced from height 6 by {v0, v1, v4, v5}, and
    /// whose replicas 0 and 1 have committed height 10 (rule 20).
    static func rotatedReplica(_ harness: Harness, index: Int) throws -> Replica {
        let all = harness.keys.validators.validators
        var schedule = ValidatorSchedule(genesis: harness.genesis)
        schedule.schedule(try ValidatorSet([all[0], all[1], all[4], all[5]]), from: 6)
        let position = ChainPosition(
            committedHeight: 10, committedHash: Hash.sha256([10]), committedTimestampMs: Harness.genesisTimeMs,
            lastCertificate: nil, stateRoot: CounterApplication.genesisRoot, receiptsRoot: MerkleRoot.empty)
        var replica = Replica(
            configuration: harness.configuration, identity: harness.keys.address(of: index), schedule: schedule, chain: position,
            journal: [], authenticator: harness.keys.authenticator(for: index), screen: SimulatedScreen())
        replica.step(.tick(nowMs: harness.nowMs))
        return replica
    }

    @Test("defect 7: VIEW-CHANGEs signed by removed validators do not count towards f+1")
    func removedValidatorsViewChangesDoNotCount() throws {
        let harness = Harness(validators: 4, keys: 6)
        var replica = try Self.rotatedReplica(harness, index: 0)
        // v2 and v3 left at height 6; they sign VIEW-CHANGEs naming stable height 0, where they were members.
        for removed in [2, 3] {
            let change = ViewChange(newView: 5, stableHeight: 0, checkpointProof: [], prepared: [])
            replica.step(.message(.viewChange(harness.sign(change, as: removed))))
        }
        #expect(replica.view == 0 && !replica.isChangingView)
    }

    @Test("defect 7: normal-case messages signed by removed validators do not vouch for a higher view")
    func removedValidatorsReportsDoNotMoveTheView() throws {
        let harness = Harness(validators: 4, keys: 6)
        var replica = try Self.rotatedReplica(harness, index: 0)
        for removed in [2, 3] {
            // Verified against the genesis set at height 1, where they were members.
            replica.step(.message(.commit(harness.sign(Commit(view: 50, height: 1, digest: .zero), as: removed))))
        }
        // A member's own report then makes the replica weigh the reports it keeps: counted, the two removed
        // keys would be f+1 vouching for view 50.
        replica.step(.message(.commit(harness.sign(Commit(view: 0, height: 1, digest: .zero), as: 1))))
        #expect(replica.view == 0)
    }

    @Test("defect 7: f+1 support for a view at the cap (or above it) never makes view + 1 trap")
    func viewsStopAtTheAbsoluteCap() {
        var harness = Harness()
        for target in [UInt64.max, ConsensusLimits.viewMax] {
            for signer in [2, 3] {
                let change = ViewChange(newView: target, stableHeight: 0, checkpointProof: [], prepared: [])
                harness.step(0, .message(.viewChange(harness.sign(change, as: signer))))
            }
        }
        #expect(harness.replicas[0].view <= ConsensusLimits.viewMax)
        // Timeouts at the cap do not move the view further.
        for _ in 0..<40 { harness.step(0, .tick(nowMs: harness.nowMs)) }
        #expect(harness.replicas[0].view <= ConsensusLimits.viewMax)
    }

    // MARK: - Defect 8 and deliver 3: state transfer across an epoch boundary, unsolicited replies

    @Test("defect 8: a state-transfer batch that crosses an epoch boundary is checked set by set")
    func stateTransferAcrossAnEpochBoundaryChecksEachSet() throws {
        var harness = Harness(validators: 4, keys: 5)
        let all = harness.keys.validators.validators
        // Block 2 announces {v0, v4, v2, v3} from height 4: index 1 names another key from then on.
        let change = ValidatorSetChange(validators: try ValidatorSet([all[0], all[4], all[2], all[3]]), activationHeight: 4)
        harness.setChanges[2] = change
        for _ in 0..<6 { harness.proposeAndDeliver() }
        let chain = harness.chains[0]
        try #require(chain.count == 6)
        try #require(chain.dropFirst(3).contains { $0.certificate.votes.contains { $0.validatorIndex == 1 } })

        var lagging = harness.makeReplica(3, journal: [], chain: nil)
        lagging.step(.tick(nowMs: harness.nowMs))
        lagging.startStateTransfer(target: 6)
        lagging.step(.message(.blocks(chain)))
        var application = CounterApplication()
        let events = Self.drive(&lagging, &application, setChanges: harness.setChanges)
        #expect(!events.contains { if case .rejected(.invalidStateTransfer) = $0 { true } else { false } })
        #expect(lagging.committedHeight == 6)
        #expect(!lagging.isSyncing)
    }

    @Test("deliver 3: blocks nobody asked for are dropped")
    func unsolicitedBlocksAreDropped() {
        var harness = Harness()
        for _ in 0..<3 { harness.proposeAndDeliver() }
        var fresh = harness.makeReplica(3, journal: [], chain: nil)
        fresh.step(.tick(nowMs: harness.nowMs))
        fresh.step(.message(.blocks(harness.chains[0])))
        #expect(fresh.committedHeight == 0)
        #expect(fresh.ready().events.contains(.rejected(.unsolicitedBlocks(count: 3))))
        // Asked for heights up to 2, it takes those and no more.
        fresh.startStateTransfer(target: 2)
        fresh.step(.message(.blocks(harness.chains[0])))
        #expect(fresh.committedHeight == 2)
    }
}

/// Defect 10 of issue 13 (deliver 5): consensus parameters decided by committed state reach a running
/// replica at their height, with no restart, and a restarted replica agrees.
@Suite("Consensus parameters change live (issue 13)")
struct LiveParameterTests {
    @Test("defect 10: a parameter change governs every replica from the next height, live, and after a restart")
    func consensusParametersChangeLiveAtTheirHeight() {
        var harness = Harness()
        var changed = harness.configuration.parameters
        changed.checkpointInterval = 3
        changed.watermarkWindow = 7
        changed.viewChangeTimeoutTicks = 6
        changed.viewChangeTimeoutTicksMax = 24
        harness.parameterChanges[2] = changed
        for _ in 0..<6 { harness.proposeAndDeliver() }
        harness.tick(2)
        #expect(harness.replicas.allSatisfy { $0.configuration.parameters == changed })
        #expect(harness.events[1].contains(.parametersChanged(fromHeight: 3, changed)))
        // Checkpoints follow the new interval from height 3 on: 3 and 6, not 4; and one at the change
        // height 2, which re-anchors the window (seed 1213).
        let checkpointHeights = Set(
            harness.sent[1].compactMap { message -> UInt64? in
                if case .checkpoint(let signed) = message { return signed.payload.height }
                return nil
            })
        #expect(checkpointHeights == [2, 3, 6])
        #expect(harness.replicas.allSatisfy { $0.stableHeight == 6 })
        // A replica restarted now reads the same parameters as the live ones.
        harness.restart(2)
        #expect(harness.replicas[2].configuration.parameters == changed)
    }

    @Test("defect 10: parameters a replica cannot run with are refused without trapping and the old ones kept")
    func invalidParametersAreRefused() {
        var harness = Harness()
        var broken = harness.configuration.parameters
        broken.checkpointInterval = .max
        broken.watermarkWindow = .max
        harness.parameterChanges[1] = broken
        harness.proposeAndDeliver()
        #expect(harness.replicas.allSatisfy { $0.configuration.parameters == Harness.defaultConfiguration.parameters })
        harness.proposeAndDeliver()
        #expect(harness.replicas.allSatisfy { $0.committedHeight == 2 })
    }

    // MARK: - Simulator seed 1213: a live parameter change that shrinks the window

    static let wideWindow = ReplicaConfiguration(
        chainId: "sbp-sim", checkpointInterval: 12, watermarkWindow: 26, viewChangeTimeoutTicks: 4, viewChangeTimeoutTicksMax: 16,
        timestampDriftMsMax: 5000, fetchTimeoutTicks: 4)

    /// Seed 1213's schedule: K = 12, L = 26, then after height 23 K = 4, L = 9, with the stable checkpoint
    /// at 12. Without re-anchoring, the high watermark drops to 21 below the next height 24, the next
    /// checkpoint (24) lies beyond the window, and every VIEW-CHANGE carrying height 22 or 23 is refused.
    static func shrinkWindowAt23() -> Harness {
        var harness = Harness(configuration: wideWindow)
        var shrunk = harness.configuration.parameters
        shrunk.checkpointInterval = 4
        shrunk.watermarkWindow = 9
        harness.parameterChanges[23] = shrunk
        for _ in 0..<23 { harness.proposeAndDeliver() }
        return harness
    }

    @Test("seed 1213: a live change that shrinks the watermark window below the committed height does not halt the chain")
    func windowShrinkBelowCommittedHeightKeepsCommitting() {
        var harness = Self.shrinkWindowAt23()
        #expect(harness.replicas.allSatisfy { $0.committedHeight == 23 })
        for _ in 0..<6 { harness.proposeAndDeliver() }
        #expect(harness.replicas.allSatisfy { $0.committedHeight == 29 })
        // The checkpoint at the change height re-anchored the window; K = 4 governs from there (24, 28).
        #expect(harness.replicas.allSatisfy { $0.stableHeight == 28 })
    }

    @Test("seed 1213: a view change right after a window-shrinking parameter change completes")
    func viewChangeAfterWindowShrinkCompletes() {
        var harness = Self.shrinkWindowAt23()
        // Drop the checkpoints of the change height: the replicas still have the old stable checkpoint (12)
        // and prepared certificates up to 23, beyond 12 + the new L.
        harness.drops = {
            if case .checkpoint(let signed) = $0 { return signed.payload.height >= 23 }; return false
        }
        let oldPrimary = harness.currentPrimary
        harness.isolated = [oldPrimary]
        let others = (0..<harness.count).filter { $0 != oldPrimary }
        for index in others { harness.step(index, .workPending) }
        let entered = harness.tick(until: { h in others.allSatisfy { h.replicas[$0].view >= 1 && !h.replicas[$0].isChangingView } })
        #expect(entered)
        #expect(
            !others.contains {
                harness.rejections(of: $0).contains {
                    if case .invalidViewChange = $0 { return true }; return false
                }
            })
        harness.drops = nil
        harness.proposeAndDeliver()
        #expect(others.allSatisfy { harness.replicas[$0].committedHeight == 24 })
    }
}
