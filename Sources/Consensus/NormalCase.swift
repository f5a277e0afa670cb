import ChainTypes

/// The normal case: pre-prepare → prepare → commit (PBFT §4.2, PBFT-NOTES rules 1–6).
extension Replica {
    /// Whether this replica is the primary and the next height may be proposed now (rule 22: the
    /// parent is committed and executed).
    var canPropose: Bool {
        let height = committedHeight + 1
        guard !isChangingView, mayVote(view: view, height: committedHeight + 1), fetch == nil, executedHeight == committedHeight,
            height <= highWatermark, let own = ownIndex(at: height), own == primary(of: view, at: height)
        else { return false }
        return slots[height]?.prePrepare == nil && votes[VoteKey(phase: .prePrepare, view: view, height: height)] == nil
    }

    /// Builds, signs and multicasts the block for the next height (rule 2, primary side).
    mutating func propose(_ transactions: [Transaction]) {
        guard canPropose, let roots = executedRoots[committedHeight] else { return }
        let height = committedHeight + 1
        let validators = schedule.validators(at: height)
        let batch = fittingBatch(transactions)
        // A parent dated at the end of time (a chain written before timestamps were capped) has no successor:
        // the replica stops proposing instead of trapping (the integer rule).
        let (afterParent, overflow) = committedTimestampMs.addingReportingOverflow(1)
        guard !overflow else { return }
        let header = BlockHeader(
            chainId: configuration.chainId, height: height, view: view, timestampMs: max(afterParent, nowMs),
            parentHash: committedHash, proposer: identity, transactionsRoot: Block.transactionsRoot(of: batch),
            lastCommitHash: Block.lastCommitHash(of: lastCertificate), previousReceiptsRoot: roots.receipts,
            stateRoot: roots.state, validatorsHash: validators.hash)
        let block = Block(header: header, transactions: batch, lastCommit: lastCertificate)
        let payload = PrePrepare(view: view, height: height, digest: block.hash)
        guard let signed = sign(payload), recordVote(.prePrepare, view: view, height: height, digest: block.hash) else { return }
        slots[height, default: Slot()].prePrepare = signed
        slots[height, default: Slot()].bodies[block.hash] = block
        send(.prePrepare(signed, block))
        emit(.proposed(view: view, height: height, digest: block.hash))
        armTimerIfIdle()
        checkPrepared(height: height)
    }

    /// The longest prefix of `transactions` whose block fits `blockBytesMax` and `blockTransactionsMax`.
    ///
    /// The driver packs by its own byte reserve; this keeps the replica from ever proposing a block its
    /// backups must refuse (rule 2), whatever the driver handed it.
    func fittingBatch(_ transactions: [Transaction]) -> [Transaction] {
        // Header, certificate and framing: everything but the transactions, with room to spare.
        var bytes = 8 * 1024 + (lastCertificate?.canonicalBytes.count ?? 0)
        var count = 0
        for transaction in transactions.prefix(Limits.blockTransactionsMax) {
            bytes += transaction.canonicalBytes.count + 8
            guard bytes <= configuration.blockBytesMax else { break }
            count += 1
        }
        return Array(transactions.prefix(count))
    }

    /// PBFT §4.2: a backup accepts a pre-prepare only in its view, from the view's primary, within the
    /// watermarks, without a conflicting digest, for a valid block (rule 2).
    ///
    /// The cheap checks (signature, primary of the message's view, digest, the block naming that view) come
    /// before the message may be buffered for a later view, so a buffer holds only what its primary signed.
    mutating func onPrePrepare(_ signed: Signed<PrePrepare>, block: Block) {
        guard isValid(signed) else { return reject(.invalidSignature(signer: signed.signer)) }
        let (messageView, height) = (signed.payload.view, signed.payload.height)
        guard signed.signer == primary(of: messageView, at: height) else { return reject(.notFromPrimary(signer: signed.signer)) }
        guard block.hash == signed.payload.digest else {
            return reject(.invalidBlock(height: height, reason: "block hash does not match the digest"))
        }
        // A body this replica awaits (an entry of O, or a block a VIEW-CHANGE names) is taken whatever view
        // the pre-prepare carrying it names; a repeat of the accepted pre-prepare needs nothing more.
        if offer(block) || slots[height]?.prePrepare == signed { return }
        // A fresh proposal names its own view; only NEW-VIEW re-proposals keep an older header (rule 23: the
        // drift check then cannot be dodged by naming an old view).
        guard block.header.view == messageView else {
            return reject(.invalidBlock(height: height, reason: "header view \(block.header.view) is not the pre-prepare's"))
        }
        noteActivity(of: signed.signer, height: height, view: messageView)
        guard admitsNormalCase(view: messageView, height: height, signer: signed.signer, message: .prePrepare(signed, block)) else {
            return
        }
        var slot = slots[height, default: Slot()]
        if let accepted = slot.prePrepare ?? slot.waiting, accepted.payload.view == messageView {
            if accepted.payload.digest != signed.payload.digest {
                // Rule 17: two signed proposals for one (view, height) convict the primary.
                emit(.equivocation(first: accepted, second: signed))
                startViewChange(to: view + 1, reason: .primaryEquivocated)
            }
            return
        }
        guard height > committedHeight else { return }
        if height > committedHeight + 1 || executedHeight < committedHeight {
            slot.wait(for: signed, body: block)
            slots[height] = slot
            armTimerIfIdle()
            return
        }
        accept(signed, block: block)
    }

    /// Accepts a checked pre-prepare for the next height and sends PREPARE (rule 3).
    mutating func accept(_ signed: Signed<PrePrepare>, block: Block) {
        let height = signed.payload.height
        if let problem = problemWithProposal(block, height: height, view: signed.payload.view) {
            return reject(.invalidBlock(height: height, reason: problem))
        }
        slots[height, default: Slot()].waiting = nil
        slots[height, default: Slot()].prePrepare = signed
        slots[height, default: Slot()].bodies[signed.payload.digest] = block
        armTimerIfIdle()
        if let own = ownIndex(at: height), own != signed.signer, mayVote(view: signed.payload.view, height: height),
            recordVote(.prepare, view: signed.payload.view, height: height, digest: signed.payload.digest),
            let prepare = sign(Prepare(view: signed.payload.view, height: height, digest: signed.payload.digest))
        {
            slots[height, default: Slot()].prepares[own] = prepare
            send(.prepare(prepare))
        }
        checkPrepared(height: height)
    }

    /// Whether the replica may vote at (view, height): not halted on divergence, not recovering from a
    /// wipe, and not where a wiped replica might have voted before (rules 12, 19).
    func mayVote(view voteView: UInt64, height: UInt64) -> Bool {
        guard !isHalted, !isRecovering else { return false }
        guard let floor = votingFloor else { return true }
        return voteView > floor.view || height > floor.height
    }

    /// Everything rule 2 asks of the block itself; nil when it is acceptable.
    ///
    /// A block re-proposed by a NEW-VIEW keeps the header of the view it was first proposed in, so the
    /// proposer is checked against the primary of `header.view`, which may be below `view`.
    func problemWithProposal(_ block: Block, height: UInt64, view proposalView: UInt64) -> String? {
        let header = block.header
        do { try block.checkStructure() } catch { return "structure: \(error)" }
        guard header.chainId == configuration.chainId, header.height == height else { return "wrong chain or height" }
        guard header.parentHash == committedHash else { return "parent is not the committed block" }
        // Rule 23 whatever view the header names: after the parent, and not beyond drift of the local clock.
        guard header.timestampMs > committedTimestampMs else { return "timestamp not after the parent's" }
        guard header.timestampMs <= nowMs.adding(saturating: configuration.timestampDriftMsMax) else {
            return "timestamp too far ahead of the local clock"
        }
        let validators = schedule.validators(at: height)
        guard header.view <= proposalView, header.proposer == validators.validators[validators.primary(for: header.view)].address
        else { return "proposer is not the primary of the block's view" }
        guard let roots = executedRoots[height - 1] else { return "parent not executed" }
        guard header.stateRoot == roots.state else { return "state root differs from ours after height \(height - 1)" }
        guard header.previousReceiptsRoot == roots.receipts else { return "receipts root differs" }
        guard header.validatorsHash == validators.hash else { return "validators hash differs" }
        if let certificate = block.lastCommit {
            guard certificate.blockHash == committedHash else { return "last commit is for another block" }
            if let problem = problemWithCertificate(certificate) { return "last commit: \(problem)" }
        }
        guard block.transactions.count <= Limits.blockTransactionsMax else { return "too many transactions" }
        let bytes = block.canonicalBytes.count
        guard bytes <= configuration.blockBytesMax else { return "block of \(bytes) bytes above \(configuration.blockBytesMax)" }
        guard screen.accepts(block.transactions) else { return "a transaction is malformed or badly signed" }
        return nil
    }

    /// Checks a commit certificate against the validator set at its height: distinct in-range signers,
    /// valid COMMIT signatures, at least a quorum (PBFT-NOTES rules 5 and 21).
    func problemWithCertificate(_ certificate: CommitCertificate) -> String? {
        let validators = schedule.validators(at: certificate.height)
        guard certificate.votes.count >= quorum(at: certificate.height) else { return "only \(certificate.votes.count) votes" }
        let digest = certificate.signingDigest(chainId: configuration.chainId)
        for vote in certificate.votes {
            guard Int(vote.validatorIndex) < validators.count else { return "vote index \(vote.validatorIndex) out of range" }
            guard authenticator.isValid(vote.signature, digest: digest, by: validators.validators[Int(vote.validatorIndex)]) else {
                return "bad signature from validator \(vote.validatorIndex)"
            }
        }
        return nil
    }

    /// Common admission of normal-case messages: the view and the watermarks (rules 2 and 7).
    ///
    /// A message for a later view is buffered when its view is within `viewJumpMax` of ours and its height
    /// within the watermarks; anything further is dropped (rule 16c: f+1 reports move us instead).
    mutating func admitsNormalCase(view messageView: UInt64, height: UInt64, signer: UInt16, message: Message) -> Bool {
        if messageView > view || (messageView == view && isChangingView) {
            if messageView <= view + ConsensusLimits.viewJumpMax, height > max(lowWatermark, committedHeight), height <= highWatermark {
                buffer(message, from: signer, at: height)
            }
            return false
        }
        guard messageView == view else {
            reject(.wrongView(received: messageView, current: view))
            return false
        }
        guard height > lowWatermark, height <= highWatermark else {
            reject(.outsideWatermarks(height: height, low: lowWatermark, high: highWatermark))
            return false
        }
        return true
    }

    mutating func onPrepare(_ signed: Signed<Prepare>) {
        guard isValid(signed) else { return reject(.invalidSignature(signer: signed.signer)) }
        let (messageView, height) = (signed.payload.view, signed.payload.height)
        guard signed.signer != primary(of: messageView, at: height) else { return }
        noteActivity(of: signed.signer, height: height, view: messageView)
        guard admitsNormalCase(view: messageView, height: height, signer: signed.signer, message: .prepare(signed)) else { return }
        if let earlier = slots[height, default: Slot()].prepares[signed.signer] {
            noteConflict(
                .prepare, signer: signed.signer, first: earlier.payload.digest, second: signed.payload.digest,
                views: (earlier.payload.view, messageView), height: height)
        } else {
            slots[height, default: Slot()].prepares[signed.signer] = signed
        }
        checkPrepared(height: height)
    }

    mutating func onCommit(_ signed: Signed<Commit>) {
        guard isValid(signed) else { return reject(.invalidSignature(signer: signed.signer)) }
        let (messageView, height) = (signed.payload.view, signed.payload.height)
        noteActivity(of: signed.signer, height: height, view: messageView)
        guard admitsNormalCase(view: messageView, height: height, signer: signed.signer, message: .commit(signed)) else { return }
        if let earlier = slots[height, default: Slot()].commits[signed.signer] {
            noteConflict(
                .commit, signer: signed.signer, first: earlier.payload.digest, second: signed.payload.digest,
                views: (earlier.payload.view, messageView), height: height)
        } else {
            slots[height, default: Slot()].commits[signed.signer] = signed
        }
        checkCommitted(height: height)
    }

    /// Reports a second, different vote of `signer` in the view of its first (the first one counts).
    mutating func noteConflict(
        _ phase: VotePhase, signer: UInt16, first: Hash, second: Hash, views: (first: UInt64, second: UInt64), height: UInt64
    ) {
        guard views.first == views.second, first != second else { return }
        emit(.conflictingVote(phase: phase, signer: signer, view: views.second, height: height, first: first, second: second))
    }

    /// Rule 4: prepared ⇔ the pre-prepare plus q−1 matching prepares from distinct backups; then COMMIT (rule 5).
    ///
    /// A replica prepares only a block it holds (its body is journaled with the certificate), except at a
    /// height it already committed: there it only helps the others finish (rule 15).
    mutating func checkPrepared(height: UInt64) {
        guard var slot = slots[height], let prePrepare = slot.prePrepare, slot.block != nil || slot.isCommitted, !slot.sentCommit
        else { return }
        let prepares = slot.matchingPrepares(primary: primary(of: prePrepare.payload.view, at: height))
        guard prepares.count >= quorum(at: height) - 1 else { return }
        let certificate = PreparedCertificate(prePrepare: prePrepare, prepares: Array(prepares.prefix(quorum(at: height) - 1)))
        slot.recordPrepared(certificate)
        slot.sentCommit = true
        let payload = Commit(view: prePrepare.payload.view, height: height, digest: prePrepare.payload.digest)
        if let block = slot.block { persist(.prepared(certificate, block: block)) }
        emit(.prepared(view: payload.view, height: height, digest: payload.digest))
        if mayVote(view: payload.view, height: height), let own = ownIndex(at: height),
            recordVote(.commit, view: payload.view, height: height, digest: payload.digest),
            let commit = sign(payload)
        {
            slot.commits[own] = commit
            send(.commit(commit))
        }
        slots[height] = slot
        checkCommitted(height: height)
    }

    /// Rule 5: committed-local ⇔ prepared and q matching commits; deliver in height order (rule 6).
    mutating func checkCommitted(height: UInt64) {
        guard var slot = slots[height], slot.sentCommit, !slot.isCommitted else { return }
        guard slot.matchingCommits().count >= quorum(at: height) else { return }
        slot.isCommitted = true
        slots[height] = slot
        deliverCommitted()
    }

    /// Hands committed blocks to the executor strictly in height order, each exactly once (rule 6).
    mutating func deliverCommitted() {
        while let slot = slots[committedHeight + 1], slot.isCommitted, let block = slot.block, let prePrepare = slot.prePrepare {
            let height = committedHeight + 1
            let commits = slot.matchingCommits().prefix(quorum(at: height))
            let votes = commits.map { CommitVote(validatorIndex: $0.signer, signature: $0.signature) }
            guard
                let certificate = try? CommitCertificate(height: height, view: prePrepare.payload.view, blockHash: block.hash, votes: votes)
            else { preconditionFailure("commits are kept in ascending signer order") }
            commit(CommittedBlock(block: block, certificate: certificate))
            emit(.committed(view: prePrepare.payload.view, height: height, digest: block.hash))
        }
    }

    /// Advances the committed chain by one block (normal case or state transfer).
    mutating func commit(_ committed: CommittedBlock) {
        precondition(committed.block.height == committedHeight + 1, "blocks are committed in height order")
        let previousValidators = currentValidators
        committedHeight = committed.block.height
        committedHash = committed.block.hash
        committedTimestampMs = committed.block.header.timestampMs
        lastCertificate = committed.certificate
        committedBlockHashes[committedHeight] = committedHash
        pending.committed.append(committed)
        noteValidatorSetChange(from: previousValidators)
        // While changing view (a state transfer can commit then), the NEW-VIEW timer keeps running.
        guard !isChangingView else { return }
        // Progress: the back-off resets and the timer waits for the next piece of work (rule 13).
        timeoutTicks = configuration.viewChangeTimeoutTicks
        timerDeadline = nil
        workPending = false
        if slots.values.contains(where: { $0.prePrepare != nil && !$0.isCommitted }) || slots[committedHeight + 1]?.waiting != nil {
            armTimer()
        }
    }

    /// Records an executed height, sends its checkpoint, and releases a proposal that waited for it.
    mutating func onExecuted(
        height: UInt64, stateRoot: Hash, receiptsRoot: Hash, change: ValidatorSetChange?, parameters: ReplicaParameters? = nil
    ) {
        precondition(height == executedHeight + 1 && height <= committedHeight, "the executor runs committed blocks in order")
        executedHeight = height
        executedRoots[height] = (stateRoot, receiptsRoot)
        executedRoots = executedRoots.filter { $0.key + 1 >= height }
        if let change {
            precondition(change.activationHeight > height + 1, "a validator-set change activates at a later height (rule 20)")
            let previousValidators = currentValidators
            schedule.schedule(change.validators, from: change.activationHeight)
            noteValidatorSetChange(from: previousValidators)
        }
        // Rule 10, and a checkpoint at the height whose execution changes the parameters: every replica adopts
        // them there, so all send it, and once stable it re-anchors the window under the new K and L.
        let changesParameters = parameters.map { $0 != configuration.parameters && $0.problem == nil } ?? false
        if height % configuration.checkpointInterval == 0 || changesParameters, let blockHash = committedBlockHashes[height] {
            sendCheckpoint(Checkpoint(height: height, blockHash: blockHash, stateRoot: stateRoot))
        }
        committedBlockHashes = committedBlockHashes.filter { $0.key > height }
        if let parameters, parameters != configuration.parameters { adopt(parameters, after: height) }
        if !transferQueue.isEmpty { continueStateTransfer() }
        releaseWaitingProposal()
    }

    /// Takes the consensus parameters committed state holds after `height`: they govern from `height + 1`
    /// (the checkpoint decision for `height` above used the old interval). Parameters the replica cannot
    /// run with are refused and the old ones kept; the ledger's governance checks make that unreachable.
    mutating func adopt(_ parameters: ReplicaParameters, after height: UInt64) {
        if let problem = parameters.problem { return reject(.invalidParameters(height: height, reason: problem)) }
        carriedWindow = (window: watermarkWindow, untilStable: height)
        configuration.parameters = parameters
        timeoutTicks = min(max(timeoutTicks, parameters.viewChangeTimeoutTicks), parameters.viewChangeTimeoutTicksMax)
        if !isChangingView { timeoutTicks = parameters.viewChangeTimeoutTicks }
        emit(.parametersChanged(fromHeight: height + 1, parameters))
    }

    /// Re-checks a pre-prepare that arrived before its parent was committed and executed.
    mutating func releaseWaitingProposal() {
        let height = committedHeight + 1
        guard executedHeight == committedHeight, let signed = slots[height]?.waiting,
            let block = slots[height]?.bodies[signed.payload.digest]
        else { return }
        slots[height]?.waiting = nil
        guard signed.payload.view == view, !isChangingView else { return }
        accept(signed, block: block)
    }
}
