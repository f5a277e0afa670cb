import ChainTypes
import Simulation
import Testing

@testable import Consensus

/// One test per numbered rule of `../shared/PBFT-NOTES.md`, named after it (etcd's raft_paper_test style).
@Suite("PBFT paper rules")
struct PaperTests {
    /// A block proposed by replica 0 in view 0 at height 1, captured from its PRE-PREPARE.
    static func firstProposal(_ harness: inout Harness) -> (Signed<PrePrepare>, Block) {
        harness.step(0, .propose(harness.makeTransactions(2)))
        for case .prePrepare(let signed, let block) in harness.sent[0] { return (signed, block) }
        preconditionFailure("the primary proposed nothing")
    }

    @Test("rule 1: the primary of view v is validators[v mod n]")
    func rule1PrimaryRotates() {
        var harness = Harness()
        #expect(harness.replicas[0].ready().canPropose)
        #expect(!harness.replicas[1].ready().canPropose)
        harness.proposeAndDeliver()
        #expect(harness.replicas.allSatisfy { $0.committedHeight == 1 })
        // After a view change to v1, replica 1 is the one asked to propose.
        harness.isolated = [0]
        harness.step(1, .workPending)
        harness.step(2, .workPending)
        harness.step(3, .workPending)
        let reached = harness.tick(until: { $0.replicas[1].view == 1 && !$0.replicas[1].isChangingView })
        #expect(reached)
        #expect(harness.replicas[1].ready().canPropose)
        #expect(!harness.replicas[2].ready().canPropose)
    }

    @Test("rule 2: a backup refuses a pre-prepare not from the primary, off-view, or for an invalid block")
    func rule2PrePrepareAcceptance() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)

        // Signed by replica 2, which is not the primary of view 0.
        let notPrimary = harness.sign(signed.payload, as: 2)
        harness.step(1, .message(.prePrepare(notPrimary, block)))
        #expect(harness.rejections(of: 1).contains(.notFromPrimary(signer: 2)))

        // A forged signature.
        let forged = Signed(payload: signed.payload, signer: 0, signature: notPrimary.signature)
        harness.step(1, .message(.prePrepare(forged, block)))
        #expect(harness.rejections(of: 1).contains(.invalidSignature(signer: 0)))

        // A block whose state root is not the backup's root after height 0.
        var wrongRoot = block
        wrongRoot.header.stateRoot = Hash.sha256([1])
        harness.step(2, .message(.prePrepare(harness.sign(PrePrepare(view: 0, height: 1, digest: wrongRoot.hash), as: 0), wrongRoot)))
        #expect(
            harness.rejections(of: 2).contains {
                if case .invalidBlock(1, let reason) = $0 { return reason.contains("state root") }; return false
            })

        // A block timestamped too far beyond the backup's clock (rule 23).
        var future = block
        future.header.timestampMs = harness.nowMs + 60_000
        harness.step(3, .message(.prePrepare(harness.sign(PrePrepare(view: 0, height: 1, digest: future.hash), as: 0), future)))
        #expect(
            harness.rejections(of: 3).contains {
                if case .invalidBlock(1, let reason) = $0 { return reason.contains("timestamp") }; return false
            })

        // Beyond the high watermark.
        let far = PrePrepare(view: 0, height: 100, digest: block.hash)
        harness.step(1, .message(.prePrepare(harness.sign(far, as: 0), block)))
        #expect(harness.rejections(of: 1).contains(.outsideWatermarks(height: 100, low: 0, high: 8)))

        // None of these produced a PREPARE.
        #expect(
            harness.sent[1].allSatisfy {
                if case .prepare = $0 { return false }; return true
            })
    }

    @Test("rule 3: on accepting a pre-prepare a backup multicasts PREPARE and logs it")
    func rule3BackupPrepares() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        harness.step(1, .message(.prePrepare(signed, block)))
        #expect(
            harness.sent[1].contains {
                if case .prepare(let p) = $0 { return p.payload.digest == block.hash }; return false
            })
        #expect(harness.journals[1].contains(.voted(phase: .prepare, view: 0, height: 1, digest: block.hash)))
    }

    @Test("rule 4: prepared needs the pre-prepare and 2f matching prepares from distinct backups")
    func rule4PreparedQuorum() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        harness.step(1, .message(.prePrepare(signed, block)))
        // Replica 1's own prepare is one of 2f = 2; a duplicate of it does not count twice.
        let own = harness.sent[1].compactMap { if case .prepare(let p) = $0 { return p } else { return nil } }[0]
        harness.step(1, .message(.prepare(own)))
        #expect(
            !harness.events[1].contains {
                if case .prepared = $0 { return true }; return false
            })
        // A prepare from the primary does not count either (the primary pre-prepares, it does not prepare).
        harness.step(1, .message(.prepare(harness.sign(Prepare(view: 0, height: 1, digest: block.hash), as: 0))))
        #expect(
            !harness.events[1].contains {
                if case .prepared = $0 { return true }; return false
            })
        harness.step(1, .message(.prepare(harness.sign(Prepare(view: 0, height: 1, digest: block.hash), as: 2))))
        #expect(harness.events[1].contains(.prepared(view: 0, height: 1, digest: block.hash)))
        #expect(
            harness.sent[1].contains {
                if case .commit = $0 { return true }; return false
            })
    }

    @Test("rule 5: committed needs 2f+1 commits, which form the block's certificate")
    func rule5CommitQuorum() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        harness.step(1, .message(.prePrepare(signed, block)))
        harness.step(1, .message(.prepare(harness.sign(Prepare(view: 0, height: 1, digest: block.hash), as: 2))))
        // Own commit plus one more: 2f = 2 commits, not committed.
        harness.step(1, .message(.commit(harness.sign(Commit(view: 0, height: 1, digest: block.hash), as: 2))))
        #expect(harness.replicas[1].committedHeight == 0)
        harness.step(1, .message(.commit(harness.sign(Commit(view: 0, height: 1, digest: block.hash), as: 0))))
        #expect(harness.replicas[1].committedHeight == 1)
        let certificate = harness.chains[1][0].certificate
        #expect(certificate.votes.count == 3)
        #expect(certificate.blockHash == block.hash)
        #expect(harness.replicas[1].problemWithCertificate(certificate) == nil)
    }

    @Test("rule 6: blocks reach execution in height order, each exactly once")
    func rule6OrderedDelivery() {
        var harness = Harness()
        for _ in 0..<6 { harness.proposeAndDeliver() }
        harness.tick(4)
        for chain in harness.chains {
            #expect(chain.map(\.block.height) == [1, 2, 3, 4, 5, 6])
        }
        #expect(Set(harness.chains.map { $0.map(\.block.hash) }).count == 1)
    }

    @Test("rule 7: messages for future views are buffered within a bound, not acted on")
    func rule7FutureViewsBuffered() {
        var harness = Harness()
        var (_, block) = Self.firstProposal(&harness)
        block.header.view = 1
        let future = harness.sign(PrePrepare(view: 1, height: 1, digest: block.hash), as: 1)
        harness.step(2, .message(.prePrepare(future, block)))
        #expect(harness.replicas[2].futureMessages.values.map(\.messages.count) == [1])
        #expect(harness.sent[2].isEmpty)
        // Many future votes from one sender: its share holds at most `futureMessagesPerSenderMax`.
        for digest in 0..<UInt8(255) {
            for height in 1...harness.configuration.watermarkWindow {
                let vote = Prepare(view: 1 + UInt64(digest % 8), height: height, digest: Hash.sha256([digest]))
                harness.replicas[2].step(.message(.prepare(harness.sign(vote, as: 3))))
            }
        }
        let sender = harness.keys.address(of: 3)
        #expect(harness.replicas[2].futureMessages[sender]?.messages.count == ConsensusLimits.futureMessagesPerSenderMax)
    }

    @Test("rule 8: a vote is journaled before it is sent, and a restarted replica never contradicts it")
    func rule8JournalBeforeVote() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        harness.replicas[1].step(.message(.prePrepare(signed, block)))
        let ready = harness.replicas[1].ready()
        #expect(ready.journal.contains(.voted(phase: .prepare, view: 0, height: 1, digest: block.hash)))
        #expect(
            ready.messages.contains {
                if case .prepare = $0.message { return true }; return false
            })
        harness.drain(1)

        // Restart from the journal, then the primary equivocates with another block for (v0, h1).
        harness.restart(1)
        var other = block
        other.transactions = Array(block.transactions.dropLast())
        other.header.transactionsRoot = Block.transactionsRoot(of: other.transactions)
        let sentBefore = harness.sent[1].count
        harness.step(1, .message(.prePrepare(harness.sign(PrePrepare(view: 0, height: 1, digest: other.hash), as: 0), other)))
        let prepares = harness.sent[1].dropFirst(sentBefore).compactMap {
            if case .prepare(let p) = $0 { return p.payload.digest } else { return nil }
        }
        #expect(!prepares.contains(other.hash))
    }

    @Test("rule 9: leaving a view is journaled before VIEW-CHANGE, and a restart never returns to a lower view")
    func rule9JournalBeforeViewChange() {
        var harness = Harness()
        harness.replicas[2].step(.workPending)
        for _ in 0..<5 { harness.replicas[2].step(.tick(nowMs: harness.nowMs)) }
        let ready = harness.replicas[2].ready()
        #expect(ready.journal.contains(.changingView(1)))
        #expect(
            ready.messages.contains {
                if case .viewChange = $0.message { return true }; return false
            })
        harness.drain(2)
        harness.restart(2)
        #expect(harness.replicas[2].view == 1)
        #expect(harness.replicas[2].isChangingView)
    }

    @Test("rule 10: after executing a height divisible by K, a replica multicasts CHECKPOINT")
    func rule10Checkpoint() {
        var harness = Harness()
        for _ in 0..<4 { harness.proposeAndDeliver() }
        for index in 0..<4 {
            #expect(
                harness.sent[index].contains {
                    if case .checkpoint(let c) = $0 { return c.payload.height == 4 }; return false
                })
            #expect(
                !harness.sent[index].contains {
                    if case .checkpoint(let c) = $0 { return c.payload.height == 3 }; return false
                })
        }
    }

    @Test("rule 11: 2f+1 matching checkpoints make it stable and discard the log at or below it")
    func rule11StableCheckpointCollectsGarbage() {
        var harness = Harness()
        for _ in 0..<5 { harness.proposeAndDeliver() }
        for replica in harness.replicas {
            #expect(replica.stableHeight == 4)
            #expect(replica.slots.keys.allSatisfy { $0 > 4 })
            #expect(replica.votes.keys.allSatisfy { $0.height > 4 })
            #expect(replica.stableProof.count >= 3)
        }
        #expect(
            harness.journals[0].contains {
                if case .stableCheckpoint(4, _) = $0 { return true }; return false
            })
    }

    @Test("rule 12: a replica whose root differs from a stable checkpoint halts and stops voting")
    func rule12DivergenceHalts() {
        var harness = Harness()
        for _ in 0..<3 { harness.proposeAndDeliver() }
        // Replica 3's executor produces a different root at height 4.
        harness.isolated = [3]
        harness.proposeAndDeliver()
        harness.isolated = []
        harness.replicas[3].step(.message(harness.queue.isEmpty ? .blocks([]) : harness.queue[0].message))
        var forged = harness.replicas[3]
        forged.ownCheckpoints[4] = Checkpoint(height: 4, blockHash: harness.chains[0][3].block.hash, stateRoot: Hash.sha256([9]))
        for index in 0..<3 {
            for case .checkpoint(let checkpoint) in harness.sent[index] where checkpoint.payload.height == 4 {
                forged.step(.message(.checkpoint(checkpoint)))
            }
        }
        #expect(forged.isHalted)
        #expect(
            forged.ready().events.contains {
                if case .stateDivergence(4, _, _) = $0 { return true }; return false
            })
        #expect(!forged.mayVote(view: forged.view, height: forged.committedHeight + 1))
    }

    @Test("rule 13: a backup that knows of work and sees no progress multicasts VIEW-CHANGE with its prepared certificates")
    func rule13TimeoutViewChange() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        // The backups prepare; every COMMIT is lost and the primary falls silent.
        harness.isolated = [0]
        harness.drops = {
            if case .commit = $0 { return true }; return false
        }
        for index in 1...3 { harness.step(index, .message(.prePrepare(signed, block))) }
        harness.deliverAll()
        harness.tick(5)
        let changes = harness.sent[1].compactMap { if case .viewChange(let v) = $0 { return v.payload } else { return nil } }
        #expect(changes.first?.newView == 1)
        #expect(changes.first?.prepared.map(\.height) == [1])
        #expect(changes.first?.prepared.first?.digest == block.hash)
    }

    @Test("rule 13: backups told a request is overdue replace a primary that keeps committing without it")
    func rule13OverdueRequestViewChange() {
        var harness = Harness()
        harness.proposeAndDeliver()
        harness.proposeAndDeliver()
        for index in 0..<4 { #expect(harness.chains[index].count == 2) }
        // Blocks commit, so the ordinary timer keeps restarting; the drivers say a request is overdue.
        for index in 0..<4 { harness.step(index, .requestOverdue) }
        #expect(
            !harness.sent[0].contains {
                if case .viewChange = $0 { return true }; return false
            })
        for index in 1...3 {
            #expect(
                harness.events[index].contains {
                    if case .viewChangeStarted(1, .requestOverdue) = $0 { return true }; return false
                })
        }
        harness.deliverAll()
        harness.tick(until: { harness in harness.replicas.allSatisfy { $0.view == 1 && !$0.isChangingView } })
        for index in 0..<4 {
            #expect(harness.replicas[index].view == 1)
            #expect(!harness.replicas[index].isChangingView)
        }
        harness.proposeAndDeliver(by: 1)
        for index in 0..<4 { #expect(harness.chains[index].count == 3) }
        // While changing view, or as primary, a replica ignores the report.
        var lone = Harness()
        lone.step(0, .requestOverdue)
        #expect(lone.replicas[0].view == 0)
        lone.step(2, .requestOverdue)
        #expect(lone.replicas[2].view == 1 && lone.replicas[2].isChangingView)
        lone.step(2, .requestOverdue)
        #expect(lone.replicas[2].view == 1)
    }

    @Test("rule 14: the new primary re-proposes every prepared block in NEW-VIEW, so it survives the view change")
    func rule14NewViewReproposes() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        harness.isolated = [0]
        harness.drops = {
            if case .commit(let commit) = $0 { return commit.payload.view == 0 }; return false
        }
        for index in 1...3 { harness.step(index, .message(.prePrepare(signed, block))) }
        harness.deliverAll()
        #expect(harness.replicas[1].committedHeight == 0)
        harness.tick(until: { $0.chains[1].count == 1 && $0.chains[2].count == 1 && $0.chains[3].count == 1 })
        let newViews = harness.sent[1].compactMap { if case .newView(let n) = $0 { return n.payload } else { return nil } }
        #expect(newViews.first?.prePrepares.map(\.payload.height) == [1])
        #expect(newViews.first?.prePrepares.first?.payload.digest == block.hash)
        for index in 1...3 { #expect(harness.chains[index].first?.block.hash == block.hash) }
    }

    @Test("rule 15: a backup recomputes O and refuses a NEW-VIEW that drops a prepared block")
    func rule15NewViewChecked() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        harness.isolated = [0]
        harness.drops = {
            if case .commit = $0 { return true }; return false
        }
        for index in 1...3 { harness.step(index, .message(.prePrepare(signed, block))) }
        harness.deliverAll()
        harness.queue.removeAll()
        // Every backup times out and sends VIEW-CHANGE; collect them instead of delivering.
        for index in 1...3 { harness.step(index, .workPending) }
        for _ in 0..<5 { for index in 1...3 { harness.step(index, .tick(nowMs: harness.nowMs)) } }
        let changes = (1...3).compactMap { index in
            harness.sent[index].compactMap { if case .viewChange(let v) = $0 { return v } else { return nil } }.last
        }
        #expect(changes.count == 3)
        // The new primary (replica 1) forges a NEW-VIEW with an empty O.
        let forged = harness.sign(NewView(view: 1, viewChanges: changes.map(harness.replicas[1].reference(to:)), prePrepares: []), as: 1)
        var backup = harness.replicas[2]
        backup.step(.message(.newView(forged)))
        // V names the VIEW-CHANGEs by digest (TOCS §4.5): the backup waits for those it lacks, then checks.
        for change in changes { backup.step(.message(.viewChange(change))) }
        #expect(backup.isChangingView)
        #expect(
            backup.ready().events.contains {
                if case .rejected(.invalidNewView(1, let reason)) = $0 { return reason.contains("O differs") }; return false
            })
    }

    @Test("rule 16a: f+1 VIEW-CHANGEs for higher views make a replica join before its timer expires")
    func rule16aJoinOnWeakQuorum() {
        var harness = Harness()
        let change = ViewChange(newView: 3, stableHeight: 0, checkpointProof: [], prepared: [])
        harness.step(0, .message(.viewChange(harness.sign(change, as: 1))))
        #expect(harness.replicas[0].view == 0)
        harness.step(0, .message(.viewChange(harness.sign(change, as: 2))))
        #expect(harness.replicas[0].view == 3)
        #expect(harness.replicas[0].isChangingView)
    }

    @Test("rule 16a: f+1 peers working in a higher view make a replica send VIEW-CHANGE for it, never enter it without NEW-VIEW")
    func rule16aJoinsByViewChangeNotDirectly() {
        // Entering straight into the peers' view would let a faulty primary of that view have this replica
        // prepare a fresh block at a height where NEW-VIEW's O re-proposes another (a second block at a
        // committed height); joining by VIEW-CHANGE keeps normal-case messages of the view buffered until
        // the NEW-VIEW is checked.
        var harness = Harness()
        let prepare = Prepare(view: 3, height: 1, digest: .zero)
        harness.step(0, .message(.prepare(harness.sign(prepare, as: 1))))
        #expect(harness.replicas[0].view == 0)
        harness.step(0, .message(.prepare(harness.sign(prepare, as: 2))))
        #expect(harness.replicas[0].view == 3)
        #expect(harness.replicas[0].isChangingView)
        let changes = harness.sent[0].compactMap {
            if case .viewChange(let change) = $0 { return change.payload.newView } else { return nil }
        }
        #expect(changes == [3])
    }

    @Test("rule 16a: the new primary answers a late VIEW-CHANGE for its view with the NEW-VIEW")
    func rule16aLateViewChangeGetsNewView() {
        var harness = Harness()
        harness.proposeAndDeliver()
        // Replica 3 misses the whole view change to view 1 (primary: replica 1).
        harness.isolated = [3]
        for index in 1...2 { harness.step(index, .requestOverdue) }
        harness.deliverAll()
        for index in 0...2 { #expect(harness.replicas[index].view == 1 && !harness.replicas[index].isChangingView) }
        harness.isolated = []
        harness.queue.removeAll()
        // It times out later and asks for view 1: the NEW-VIEW comes back, without another tick.
        harness.step(3, .requestOverdue)
        #expect(harness.replicas[3].view == 1 && harness.replicas[3].isChangingView)
        harness.deliverAll()
        #expect(harness.replicas[3].view == 1)
        #expect(!harness.replicas[3].isChangingView)
        harness.proposeAndDeliver(by: 1)
        for index in 0..<4 { #expect(harness.chains[index].count == 2) }
    }

    @Test("rule 16b: the timeout doubles per failed view and is capped")
    func rule16bBackoffCapped() {
        var harness = Harness()
        var deadlines: [UInt64] = []
        for index in 0..<4 { harness.step(index, .workPending) }
        var lastView: UInt64 = 0
        var lastTick: UInt64 = 0
        // No primary ever succeeds: every replica drops everything it receives.
        for _ in 0..<400 {
            harness.nowMs += 100
            for index in 0..<4 { harness.step(index, .tick(nowMs: harness.nowMs)) }
            // Deliver only view changes, never NEW-VIEW, so every view fails.
            let changes = harness.queue.filter {
                if case .viewChange = $0.message { return true }; return false
            }
            harness.queue.removeAll()
            for (_, to, message) in changes { harness.step(to, .message(message)) }
            harness.queue.removeAll()
            if harness.replicas[1].view != lastView {
                deadlines.append(harness.replicas[1].ticks - lastTick)
                lastView = harness.replicas[1].view
                lastTick = harness.replicas[1].ticks
            }
        }
        let gaps = Array(deadlines.dropFirst(2))
        #expect(gaps.count >= 4)
        #expect(gaps.max()! <= harness.configuration.viewChangeTimeoutTicksMax + 1)
        #expect(zip(gaps, gaps.dropFirst()).allSatisfy { $1 >= $0 })
    }

    @Test("rule 16c: one replica's huge view number never moves the others")
    func rule16cHugeViewIgnored() {
        var harness = Harness()
        let huge = ViewChange(newView: 1_000_000_000, stableHeight: 0, checkpointProof: [], prepared: [])
        for index in 0..<3 { harness.step(index, .message(.viewChange(harness.sign(huge, as: 3)))) }
        for _ in 0..<3 { harness.proposeAndDeliver() }
        #expect(harness.replicas.prefix(3).allSatisfy { $0.view == 0 && $0.committedHeight == 3 })
        // A flood of future-view normal-case messages from one replica is refused beyond the jump bound.
        harness.step(1, .message(.prepare(harness.sign(Prepare(view: 1_000_000, height: 4, digest: .zero), as: 3))))
        #expect(harness.replicas[1].futureMessages.isEmpty)
    }

    @Test("rule 17: two pre-prepares for one (view, height) are kept as evidence and start a view change")
    func rule17EquivocationEvidence() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        var other = block
        other.header.timestampMs += 1
        let second = harness.sign(PrePrepare(view: 0, height: 1, digest: other.hash), as: 0)
        harness.step(2, .message(.prePrepare(signed, block)))
        harness.step(2, .message(.prePrepare(second, other)))
        #expect(harness.events[2].contains(.equivocation(first: signed, second: second)))
        #expect(harness.replicas[2].view == 1)
        #expect(harness.replicas[2].isChangingView)
    }

    @Test("rule 19: a replica's second, different PREPARE or COMMIT in one view is reported and does not count")
    func rule19ConflictingVotesReported() {
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        harness.step(2, .message(.prePrepare(signed, block)))
        let digest = signed.payload.digest
        let forged = Hash.sha256([1])
        harness.step(2, .message(.prepare(harness.sign(Prepare(view: 0, height: 1, digest: digest), as: 1))))
        harness.step(2, .message(.prepare(harness.sign(Prepare(view: 0, height: 1, digest: forged), as: 1))))
        harness.step(2, .message(.commit(harness.sign(Commit(view: 0, height: 1, digest: forged), as: 3))))
        harness.step(2, .message(.commit(harness.sign(Commit(view: 0, height: 1, digest: digest), as: 3))))
        #expect(
            harness.events[2].contains(.conflictingVote(phase: .prepare, signer: 1, view: 0, height: 1, first: digest, second: forged)))
        #expect(
            harness.events[2].contains(.conflictingVote(phase: .commit, signer: 3, view: 0, height: 1, first: forged, second: digest)))
        // The same vote twice is no conflict.
        let count = harness.events[2].count
        harness.step(2, .message(.prepare(harness.sign(Prepare(view: 0, height: 1, digest: digest), as: 1))))
        #expect(!harness.events[2].dropFirst(count).contains { if case .conflictingVote = $0 { true } else { false } })
    }

    @Test("rule 18: a lagging replica fetches blocks with certificates, verifies them, and refuses forged ones")
    func rule18StateTransfer() {
        var harness = Harness()
        harness.isolated = [3]
        for _ in 0..<6 { harness.proposeAndDeliver() }
        harness.tick(2)
        harness.isolated = []
        harness.replicas[3].startStateTransfer(target: 6)
        // A forged response first: a real block with its certificate's votes stripped below quorum.
        var forged = harness.chains[0][0]
        forged.certificate = try! CommitCertificate(
            height: 1, view: forged.certificate.view, blockHash: forged.block.hash, votes: Array(forged.certificate.votes.prefix(2)))
        harness.step(3, .message(.blocks([forged])))
        #expect(harness.replicas[3].committedHeight == 0)
        #expect(
            harness.rejections(of: 3).contains {
                if case .invalidStateTransfer(1, _) = $0 { return true }; return false
            })
        // Then the cluster moves on; replica 3 learns it is behind and transfers state.
        harness.proposeAndDeliver()
        harness.tick(10)
        #expect(harness.replicas[3].committedHeight >= 6)
        #expect(harness.chains[3].map(\.block.hash) == Array(harness.chains[0].prefix(harness.chains[3].count)).map(\.block.hash))
    }

    @Test("rule 19: a wiped replica does not vote until state transfer shows where it may")
    func rule19WipedReplicaWaits() {
        var harness = Harness()
        for _ in 0..<2 { harness.proposeAndDeliver() }
        harness.restart(2, wipe: true)
        #expect(harness.replicas[2].isRecovering)
        #expect(!harness.replicas[2].mayVote(view: 0, height: 1))
        harness.proposeAndDeliver()
        harness.tick(8)
        harness.proposeAndDeliver()
        harness.tick(4)
        #expect(!harness.replicas[2].isRecovering)
        #expect(harness.replicas[2].committedHeight == harness.replicas[0].committedHeight)
        // It never voted at the heights it may have voted at before the wipe.
        #expect(
            !harness.journals[2].contains {
                if case .voted(_, 0, let height, _) = $0 { return height <= 3 }; return false
            })
    }

    @Test("rule 20: a validator-set change takes effect exactly at its activation height")
    func rule20EpochChange() throws {
        let keys = SimulatedKeys(count: 5, seed: 7)
        let next = try ValidatorSet(Array(keys.validators.validators.prefix(4).reversed()))
        var schedule = ValidatorSchedule(genesis: try ValidatorSet(Array(keys.validators.validators.prefix(4))))
        schedule.schedule(next, from: 10)
        #expect(schedule.validators(at: 9).validators.first?.name == "v0")
        #expect(schedule.validators(at: 10).validators.first?.name == "v3")
        #expect(schedule.validators(at: 1_000).validators.first?.name == "v3")

        // A replica told by its executor, at height 1, that a five-validator set activates at height 4.
        var harness = Harness()
        harness.proposeAndDeliver()
        let five = keys.validators
        var replica = harness.makeReplica(1, journal: [], chain: nil)
        replica.step(.tick(nowMs: harness.nowMs))
        replica.startStateTransfer(target: 1)
        replica.step(.message(.blocks([harness.chains[0][0]])))
        replica.step(
            .executed(
                height: 1, stateRoot: harness.applications[0].stateRoot, receiptsRoot: harness.applications[0].receiptsRoot,
                validatorSetChange: ValidatorSetChange(validators: five, activationHeight: 4)))
        #expect(replica.schedule.validators(at: 3).count == 4)
        #expect(replica.schedule.validators(at: 4).count == 5)
        #expect(replica.quorum(at: 3) == 3)
        #expect(replica.quorum(at: 4) == 4)
    }

    @Test("rule 21: block h+1 carries the commit certificate of block h")
    func rule21SelfCertifyingChain() {
        var harness = Harness()
        for _ in 0..<3 { harness.proposeAndDeliver() }
        let chain = harness.chains[1]
        #expect(chain[0].block.lastCommit == nil)
        for (previous, next) in zip(chain, chain.dropFirst()) {
            #expect(next.block.lastCommit?.blockHash == previous.block.hash)
            #expect(next.block.header.lastCommitHash == next.block.lastCommit?.hash)
        }
    }

    @Test("rule 22: the primary proposes h only after executing h-1, and h carries the root after h-1")
    func rule22ProposeAfterExecution() {
        var harness = Harness()
        harness.proposeAndDeliver()
        #expect(harness.replicas[0].ready().canPropose)
        harness.proposeAndDeliver()
        #expect(
            harness.chains[0][1].block.header.stateRoot
                == {
                    var application = CounterApplication()
                    application.execute(harness.chains[0][0].block)
                    return application.stateRoot
                }())
        // A primary whose executor lags may not propose.
        var primary = harness.makeReplica(0, journal: [], chain: nil)
        primary.step(.tick(nowMs: harness.nowMs))
        primary.startStateTransfer(target: 1)
        primary.step(.message(.blocks([harness.chains[1][0]])))
        #expect(primary.committedHeight == 1)
        #expect(!primary.ready().canPropose)
    }

    @Test("rule 23: block timestamps strictly increase")
    func rule23Timestamps() {
        var harness = Harness()
        for _ in 0..<4 { harness.proposeAndDeliver() }
        let times = harness.chains[0].map(\.block.header.timestampMs)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        #expect(times[0] > Harness.genesisTimeMs)
    }

    @Test("rule 24: a proposal with a transaction the stateless screen refuses is not prepared")
    func rule24StatelessTransactionChecks() {
        struct RejectAll: TransactionScreen { func accepts(_ transactions: [Transaction]) -> Bool { transactions.isEmpty } }
        var harness = Harness()
        let (signed, block) = Self.firstProposal(&harness)
        var strict = Replica(
            configuration: harness.configuration, identity: harness.keys.address(of: 1),
            schedule: ValidatorSchedule(genesis: harness.keys.validators),
            chain: .genesis(timestampMs: Harness.genesisTimeMs, stateRoot: CounterApplication.genesisRoot), journal: [],
            authenticator: harness.keys.authenticator(for: 1), screen: RejectAll())
        strict.step(.tick(nowMs: harness.nowMs))
        strict.step(.message(.prePrepare(signed, block)))
        #expect(
            !strict.ready().messages.contains {
                if case .prepare = $0.message { return true }; return false
            })
        #expect(
            strict.ready().events.contains {
                if case .rejected(.invalidBlock(1, _)) = $0 { return true }; return false
            })
    }
}
