import ChainTypes

/// Timers, view change and new view (PBFT §4.4–4.5, PBFT-NOTES rules 13–17).
extension Replica {
    /// Ticks between retransmissions of this replica's own pending messages (lossy links).
    var retransmitTicks: UInt64 { max(2, configuration.viewChangeTimeoutTicks / 2) }

    mutating func armTimer() { timerDeadline = ticks.adding(saturating: timeoutTicks) }

    mutating func armTimerIfIdle() {
        if timerDeadline == nil { armTimer() }
    }

    /// Rule 13 for one request: a backup of the current view suspects the primary at once. The primary does
    /// not suspect itself, and a replica already changing view or halted keeps to what it is doing.
    mutating func onRequestOverdue() {
        let height = committedHeight + 1
        guard !isChangingView, !isHalted, let own = ownIndex(at: height), own != primary(of: view, at: height) else { return }
        startViewChange(to: view + 1, reason: .requestOverdue)
    }

    mutating func onTick() {
        // Re-checked every tick, so no path (restart, state transfer, a late duplicate) leaves a replica
        // changing view without a NEW-VIEW timer once q replicas have left the old view.
        armNewViewTimerOnQuorum()
        if let current = fetch, ticks >= current.deadline {
            fetch = nil
            fetchAttempt += 1
            startStateTransfer(target: current.target)
        }
        if let deadline = timerDeadline, ticks >= deadline {
            // Rule 13 / 16b: no progress in time, or no NEW-VIEW in time: move on, waiting twice as long.
            startViewChange(to: view + 1, reason: isChangingView ? .newViewTimeout : .timeout)
        } else if ticks % retransmitTicks == 0 {
            retransmit()
        }
    }

    /// Re-sends this replica's latest messages for unfinished work, so a lost message costs a
    /// retransmission instead of a view change.
    mutating func retransmit() {
        if isChangingView {
            if let own = ownIndex(at: viewChangeHeight), let change = viewChanges[own], change.payload.newView == view {
                send(.viewChange(change))
                offerBodiesToNewPrimary()
            } else {
                // Restarted mid-change: the journal restored the target view, not the message.
                sendViewChange()
            }
            return
        }
        if let newView = newViewSent, newView.payload.view == view, timerDeadline != nil {
            for change in newViewProof where change.signer != newView.signer { send(.viewChange(change)) }
            send(.newView(newView))
        }
        let height = committedHeight + 1
        if let slot = slots[height], let prePrepare = slot.prePrepare, let block = slot.block, !slot.isCommitted,
            let own = ownIndex(at: height)
        {
            if prePrepare.signer == own { send(.prePrepare(prePrepare, block)) }
            if let prepare = slot.prepares[own] { send(.prepare(prepare)) }
            if let commit = slot.commits[own] { send(.commit(commit)) }
        }
        if let checkpoint = ownCheckpoints.keys.max(), checkpoint > stableHeight, let own = ownIndex(at: checkpoint),
            let signed = checkpointVotes[checkpoint]?[own]
        {
            send(.checkpoint(signed))
        }
    }

    /// Rule 13: leave the view and multicast VIEW-CHANGE with the stable checkpoint and every prepared
    /// certificate above it. Persisted before sending (rule 9).
    ///
    /// Views stop at `ConsensusLimits.viewMax`: a replica there keeps its view rather than trap on `view + 1`.
    mutating func startViewChange(to target: UInt64, reason: ViewChangeReason) {
        guard target > view, target <= ConsensusLimits.viewMax else { return }
        view = target
        isChangingView = true
        newViewSent = nil
        newViewProof = []
        newViewResent = [:]
        persist(.changingView(target))
        timerDeadline = nil
        for height in slots.keys { slots[height]?.resetView() }
        emit(.viewChangeStarted(view: target, reason: reason))
        sendViewChange()
        armNewViewTimerOnQuorum()
        tryFormNewView()
        drainBuffer()
    }

    /// Multicasts `⟨VIEW-CHANGE, view, s, C, P⟩` from the current stable checkpoint and prepared certificates.
    mutating func sendViewChange() {
        guard isChangingView, !isHalted else { return }
        let prepared = slots.keys.sorted().compactMap { height in height > stableHeight ? slots[height]?.prepared : nil }
        let payload = ViewChange(
            newView: view, stableHeight: stableHeight, checkpointProof: stableProof,
            prepared: Array(prepared.prefix(ConsensusLimits.preparedCertificatesMax)))
        guard let signed = sign(payload, at: viewChangeHeight) else { return }
        viewChanges[signed.signer] = signed
        send(.viewChange(signed))
        offerBodiesToNewPrimary()
    }

    /// Sends the new primary the bodies this replica holds above its committed height (the blocks it
    /// prepared or last accepted), each as the pre-prepare that proposed it.
    ///
    /// VIEW-CHANGE names prepared blocks by digest only (TOCS §4.5); the new primary needs the body of the
    /// block it re-proposes at the next height. Every replica that accepted it holds it, so an honest one
    /// among the f+1 that did delivers it even when the certificate came from a faulty replica.
    mutating func offerBodiesToNewPrimary() {
        let height = committedHeight + 1
        let newPrimary = primary(of: view, at: height)
        guard let slot = slots[height], ownIndex(at: height) != newPrimary else { return }
        var sent: Set<Hash> = []
        for prePrepare in [slot.prepared?.prePrepare, slot.lastAccepted].compactMap({ $0 }) {
            guard let body = slot.bodies[prePrepare.payload.digest], sent.insert(body.hash).inserted else { continue }
            send(.prePrepare(prePrepare, body), to: .replica(newPrimary))
        }
    }

    /// Takes a block body that arrived in any pre-prepare, when this replica awaits a body with its digest.
    ///
    /// Awaited are the bodies of O's entries (accepted or waiting), of a prepared certificate, and, while
    /// changing view, the block the VIEW-CHANGEs received so far would have this replica re-propose. The
    /// digest authenticates the body, so it is taken from whoever sends it (TOCS §4.5: missing bodies are
    /// fetched from other replicas). Returns whether the body was taken.
    mutating func offer(_ block: Block) -> Bool {
        let (height, digest) = (block.height, block.hash)
        guard height > committedHeight, height <= highWatermark else { return false }
        var slot = slots[height] ?? Slot()
        guard slot.bodies[digest] == nil else { return false }
        let named = slot.namedDigests.contains(digest)
        guard named || (isChangingView && digest == reproposedDigest(at: height)) else { return false }
        guard named || slot.bodies.count < ConsensusLimits.bodiesPerHeightMax else { return false }
        slot.bodies[digest] = block
        slots[height] = slot
        if let prePrepare = slot.prePrepare, prePrepare.payload.digest == digest {
            // The new primary relays the body of its own entry of O; a backup can now deliver it.
            if prePrepare.signer == ownIndex(at: height) { send(.prePrepare(prePrepare, block)) }
            checkPrepared(height: height)
            deliverCommitted()
        }
        releaseWaitingProposal()
        return true
    }

    /// The digest O would name at `height` from the VIEW-CHANGEs for the current view received so far.
    func reproposedDigest(at height: UInt64) -> Hash? {
        let candidates = viewChanges.values.filter { $0.payload.newView == view }.flatMap(\.payload.prepared).filter { $0.height == height }
        return candidates.max(by: { ($0.view, $0.digest) < ($1.view, $1.digest) })?.digest
    }

    /// PBFT §4.4 VIEW-CHANGE handling; a message the pending NEW-VIEW names also completes it (TOCS §4.5).
    mutating func onViewChange(_ signed: Signed<ViewChange>) {
        guard isValid(signed, at: viewChangeHeight) else { return reject(.invalidSignature(signer: signed.signer)) }
        let completesNewView = collectForPendingNewView(signed)
        admit(signed)
        if completesNewView, let pending = pendingNewView { onNewView(pending.signed) }
    }

    /// Keeps `signed` for the pending NEW-VIEW when its V names it; returns whether it did.
    mutating func collectForPendingNewView(_ signed: Signed<ViewChange>) -> Bool {
        guard var pending = pendingNewView, pending.changes[signed.signer] == nil,
            pending.signed.payload.viewChanges.contains(reference(to: signed))
        else { return false }
        pending.changes[signed.signer] = signed
        pendingNewView = pending
        return true
    }

    func reference(to change: Signed<ViewChange>) -> ViewChangeReference {
        ViewChangeReference(signer: change.signer, digest: change.payload.signingDigest(chainId: configuration.chainId))
    }

    /// Records a VIEW-CHANGE with a valid signature: rules 13, 16a and 14 (the new primary's quorum).
    mutating func admit(_ signed: Signed<ViewChange>) {
        let target = signed.payload.newView
        if target == view, !isChangingView { return resendNewView(to: signed.signer) }
        guard target > view || (target == view && isChangingView) else { return }
        if let problem = problemWithViewChange(signed.payload) {
            return reject(.invalidViewChange(signer: signed.signer, reason: problem))
        }
        if let existing = viewChanges[signed.signer], existing.payload.newView >= target { return }
        // One VIEW-CHANGE per signer (its highest) bounds memory whatever view numbers peers send.
        viewChanges[signed.signer] = signed
        // C proves a stable checkpoint: a replica behind it learns where to fetch up to (rules 11, 18).
        if signed.payload.stableHeight > stableHeight, let checkpoint = signed.payload.checkpointProof.first?.payload {
            makeStable(checkpoint, proof: signed.payload.checkpointProof)
        }
        joinHigherViewIfSupported()
        if isChangingView, target >= view { armNewViewTimerOnQuorum() }
        if isChangingView, target == view { tryFormNewView() }
    }

    /// The new primary answers a VIEW-CHANGE for the view it already opened with its NEW-VIEW, V and the
    /// bodies of O: the sender missed them (a lost message, a restart) or joined late on f+1 reports
    /// (rule 16a), and without them it could never leave the view change. At most once per signer per
    /// retransmission period, so a faulty peer cannot turn its VIEW-CHANGEs into a flood.
    mutating func resendNewView(to signer: UInt16) {
        guard let newView = newViewSent, newView.payload.view == view, signer != newView.signer else { return }
        if let last = newViewResent[signer], ticks < last.adding(saturating: retransmitTicks) { return }
        newViewResent[signer] = ticks
        for change in newViewProof where change.signer != signer { send(.viewChange(change), to: .replica(signer)) }
        send(.newView(newView), to: .replica(signer))
        for prePrepare in newView.payload.prePrepares where prePrepare.payload.height > committedHeight {
            if let body = slots[prePrepare.payload.height]?.bodies[prePrepare.payload.digest] {
                send(.prePrepare(prePrepare, body), to: .replica(signer))
            }
        }
    }

    /// PBFT §4.5: the NEW-VIEW timer starts only once q replicas have left the old view, and doubles for
    /// each view that fails (capped, rule 16b). A replica that timed out ahead of the others therefore
    /// waits for them instead of racing further ahead. A VIEW-CHANGE for a view above the target counts
    /// as leaving too: its sender replaced its message for the target and will not send it again.
    mutating func armNewViewTimerOnQuorum() {
        guard isChangingView, timerDeadline == nil else { return }
        let supporters = viewChanges.values.filter { $0.payload.newView >= view }.count
        guard supporters >= quorum(at: committedHeight + 1) else { return }
        timerDeadline = ticks.adding(saturating: timeoutTicks)
        timeoutTicks = min(timeoutTicks.adding(saturating: timeoutTicks), configuration.viewChangeTimeoutTicksMax)
    }

    /// Rule 16a/16c: with f+1 VIEW-CHANGEs for views above ours, join the highest view at least f+1 of
    /// them reach; a single peer's huge view number never moves us.
    mutating func joinHigherViewIfSupported() {
        let targets = viewChanges.values.map(\.payload.newView).filter { $0 > view }
        guard let supported = kthLargest(targets, currentValidators.weakQuorum) else { return }
        startViewChange(to: supported, reason: .joinedHigherView)
    }

    /// Everything that makes a VIEW-CHANGE checkable by anyone: C proves s, each P entry proves prepared.
    func problemWithViewChange(_ change: ViewChange) -> String? {
        if let problem = problemWithCheckpointProof(height: change.stableHeight, proof: change.checkpointProof) { return problem }
        var previousHeight = change.stableHeight
        for certificate in change.prepared {
            guard certificate.height > previousHeight else { return "prepared certificates not in ascending height" }
            // The absolute bound, not the live L: replicas may disagree on L while a parameter change settles,
            // and a VIEW-CHANGE one of them finds valid must be valid for all (simulator seed 1213).
            guard certificate.height <= change.stableHeight.adding(saturating: ConsensusLimits.watermarkWindowMax) else {
                return "prepared height beyond the window"
            }
            guard certificate.view < change.newView else { return "prepared in a view not below the new view" }
            if let problem = problemWithPreparedCertificate(certificate) { return "height \(certificate.height): \(problem)" }
            previousHeight = certificate.height
        }
        return nil
    }

    /// Rule 4 as a checkable proof: the primary's pre-prepare and q−1 matching prepares from distinct backups.
    func problemWithPreparedCertificate(_ certificate: PreparedCertificate) -> String? {
        let (height, certificateView) = (certificate.height, certificate.view)
        let primary = primary(of: certificateView, at: height)
        guard certificate.prePrepare.signer == primary, isValid(certificate.prePrepare) else { return "pre-prepare not from the primary" }
        guard certificate.prepares.count >= quorum(at: height) - 1 else { return "too few prepares" }
        guard Set(certificate.prepares.map(\.signer)).count == certificate.prepares.count else { return "duplicate prepare signer" }
        for prepare in certificate.prepares {
            guard prepare.signer != primary, prepare.payload == Prepare(view: certificateView, height: height, digest: certificate.digest),
                isValid(prepare)
            else { return "bad prepare from \(prepare.signer)" }
        }
        return nil
    }

    /// Rule 14: the new primary, on q valid VIEW-CHANGEs for its view, multicasts NEW-VIEW.
    ///
    /// V names the VIEW-CHANGEs by digest and the primary relays each of them, so no message grows with the
    /// validator count times the window (TOCS §4.5); O names blocks by digest and the primary sends the body
    /// of each entry above its committed height it holds (one height is in flight, so usually one block).
    mutating func tryFormNewView() {
        guard isChangingView, !isHalted, let own = ownIndex(at: committedHeight + 1), own == primary(of: view, at: committedHeight + 1)
        else { return }
        let changes = viewChanges.keys.sorted().compactMap { viewChanges[$0] }.filter { $0.payload.newView == view }
        guard changes.count >= quorum(at: committedHeight + 1), let reproposals = Self.reproposals(for: changes.map(\.payload)) else {
            return
        }
        var prePrepares: [Signed<PrePrepare>] = []
        for certificate in reproposals {
            guard let signed = sign(PrePrepare(view: view, height: certificate.height, digest: certificate.digest)) else { return }
            prePrepares.append(signed)
        }
        let payload = NewView(view: view, viewChanges: changes.map(reference(to:)), prePrepares: prePrepares)
        guard let newView = sign(payload, at: viewChangeHeight) else { return }
        for prePrepare in prePrepares {
            _ = recordVote(.prePrepare, view: view, height: prePrepare.payload.height, digest: prePrepare.payload.digest)
        }
        (newViewSent, newViewProof) = (newView, changes)
        // Relayed so every backup can check V; its own VIEW-CHANGE it multicast already.
        for change in changes where change.signer != own { send(.viewChange(change)) }
        send(.newView(newView))
        for prePrepare in prePrepares where prePrepare.payload.height > committedHeight {
            if let body = slots[prePrepare.payload.height]?.bodies[prePrepare.payload.digest] { send(.prePrepare(prePrepare, body)) }
        }
        enter(changes: changes, prePrepares: prePrepares)
    }

    /// Rule 14's O: for each height in (min-s, max-s], the certificate of the highest view. Nil when a
    /// height has no certificate; with honest quorums that cannot happen for a chain (one height is in
    /// flight at a time and every block above a committed one proves its parent prepared), so a gap
    /// means the primary waits for more VIEW-CHANGEs instead of inventing a null block.
    static func reproposals(for changes: [ViewChange]) -> [PreparedCertificate]? {
        let minS = changes.map(\.stableHeight).max() ?? 0
        let maxS = changes.map(\.maxPreparedHeight).max() ?? minS
        guard maxS > minS else { return [] }
        var result: [PreparedCertificate] = []
        for height in (minS + 1)...maxS {
            let candidates = changes.flatMap(\.prepared).filter { $0.height == height }
            guard let best = candidates.max(by: { ($0.view, $0.digest) < ($1.view, $1.digest) }) else { return nil }
            result.append(best)
        }
        return result
    }

    /// Rule 15: a backup accepts NEW-VIEW only after checking every VIEW-CHANGE and recomputing O itself.
    ///
    /// V names VIEW-CHANGEs by digest (TOCS §4.5): until this replica holds every one of them (received
    /// directly or relayed by the primary) the NEW-VIEW waits in `pendingNewView`.
    mutating func onNewView(_ signed: Signed<NewView>) {
        guard isValid(signed, at: viewChangeHeight) else { return reject(.invalidSignature(signer: signed.signer)) }
        let newView = signed.payload
        guard newView.view > view || (newView.view == view && isChangingView) else { return }
        guard signed.signer == primary(of: newView.view, at: committedHeight + 1) else {
            return reject(.notFromPrimary(signer: signed.signer))
        }
        guard newView.viewChanges.count <= currentValidators.count else {
            return reject(.invalidNewView(signer: signed.signer, reason: "V names more VIEW-CHANGEs than there are validators"))
        }
        guard let changes = referencedViewChanges(signed) else { return }
        if let problem = problemWithNewView(newView, changes: changes, primary: signed.signer) {
            return reject(.invalidNewView(signer: signed.signer, reason: problem))
        }
        if view < newView.view { persist(.changingView(newView.view)) }
        view = newView.view
        enter(changes: changes, prePrepares: newView.prePrepares)
    }

    /// The VIEW-CHANGEs a NEW-VIEW's V names, in V's order, or nil (the NEW-VIEW then waits for them).
    mutating func referencedViewChanges(_ signed: Signed<NewView>) -> [Signed<ViewChange>]? {
        var pending = pendingNewView.flatMap { $0.signed == signed ? $0 : nil } ?? PendingNewView(signed: signed)
        var changes: [Signed<ViewChange>] = []
        for reference in signed.payload.viewChanges {
            if let known = pending.changes[reference.signer] ?? viewChanges[reference.signer], self.reference(to: known) == reference {
                pending.changes[reference.signer] = known
                changes.append(known)
            }
        }
        guard changes.count < signed.payload.viewChanges.count else { return changes }
        if pendingNewView.map({ $0.signed.payload.view <= signed.payload.view }) ?? true { pendingNewView = pending }
        return nil
    }

    func problemWithNewView(_ newView: NewView, changes: [Signed<ViewChange>], primary: UInt16) -> String? {
        guard changes.count >= quorum(at: committedHeight + 1) else { return "fewer than a quorum of VIEW-CHANGEs" }
        guard Set(changes.map(\.signer)).count == changes.count else { return "duplicate VIEW-CHANGE signer" }
        for change in changes {
            guard change.payload.newView == newView.view else { return "VIEW-CHANGE for another view" }
            guard isValid(change, at: viewChangeHeight) else { return "bad VIEW-CHANGE signature from \(change.signer)" }
            if let problem = problemWithViewChange(change.payload) { return "VIEW-CHANGE from \(change.signer): \(problem)" }
        }
        for prePrepare in newView.prePrepares {
            guard prePrepare.signer == primary, prePrepare.payload.view == newView.view, isValid(prePrepare) else {
                return "O holds a pre-prepare not signed by the new primary for its view"
            }
        }
        // Negative control: trust the primary's O instead of recomputing it.
        if configuration.faults.contains(.acceptAnyNewView) { return nil }
        guard let expected = Self.reproposals(for: changes.map(\.payload)) else { return "O cannot be computed from V" }
        let expectedO = expected.map { PrePrepare(view: newView.view, height: $0.height, digest: $0.digest) }
        guard expectedO == newView.prePrepares.map(\.payload) else { return "O differs from the one V determines" }
        return nil
    }

    /// Enters the new view: adopts V's stable checkpoint, then treats each entry of O as a pre-prepare.
    mutating func enter(changes: [Signed<ViewChange>], prePrepares: [Signed<PrePrepare>]) {
        isChangingView = false
        pendingNewView = nil
        persist(.enteredView(view))
        emit(.enteredView(view))
        timerDeadline = nil
        if let best = changes.max(by: { $0.payload.stableHeight < $1.payload.stableHeight }),
            best.payload.stableHeight > stableHeight, let checkpoint = best.payload.checkpointProof.first?.payload
        {
            makeStable(checkpoint, proof: best.payload.checkpointProof)
        }
        for prePrepare in prePrepares where prePrepare.payload.height > stableHeight {
            adoptReproposal(prePrepare)
        }
        if !prePrepares.isEmpty || workPending { armTimer() }
        drainBuffer()
    }

    /// Treats one entry of O like a pre-prepare of the new view (rule 15: prepare each, fetching blocks).
    ///
    /// The body comes from this replica's own slot or, when it lacks it, from the new primary's pre-prepare
    /// of the entry (`offer(_:)`); until then the entry waits. At a height already committed here no body is
    /// needed: the replica only votes so that the others can finish.
    mutating func adoptReproposal(_ prePrepare: Signed<PrePrepare>) {
        let (height, digest) = (prePrepare.payload.height, prePrepare.payload.digest)
        if height <= committedHeight {
            slots[height, default: Slot()].prePrepare = prePrepare
            slots[height, default: Slot()].isCommitted = true
            if let own = ownIndex(at: height), own != prePrepare.signer, mayVote(view: view, height: height),
                digest == committedBlockHash(at: height) ?? digest,
                recordVote(.prepare, view: view, height: height, digest: digest),
                let prepare = sign(Prepare(view: view, height: height, digest: digest))
            {
                slots[height, default: Slot()].prepares[own] = prepare
                send(.prepare(prepare))
            }
            // Those that have not committed the block may lack its body (the pre-prepare never reached them, or
            // they were wiped) and get it from nobody else: the new primary sends only bodies it holds, and
            // the others offer only blocks above their committed height. Only the block committed here is
            // relayed; the digest authenticates it. Simulator seed 2410 stalled for good without this.
            if digest == committedBlockHash(at: height), let body = slots[height]?.bodies[digest] {
                send(.prePrepare(prePrepare, body))
            }
            checkPrepared(height: height)
        } else if height == committedHeight + 1, executedHeight == committedHeight, let own = ownIndex(at: height),
            own == prePrepare.signer
        {
            slots[height, default: Slot()].prePrepare = prePrepare
            checkPrepared(height: height)
        } else if height == committedHeight + 1, executedHeight == committedHeight, let body = slots[height]?.bodies[digest] {
            accept(prePrepare, block: body)
        } else {
            slots[height, default: Slot()].wait(for: prePrepare, body: nil)
        }
    }

    func committedBlockHash(at height: UInt64) -> Hash? {
        height == committedHeight ? committedHash : committedBlockHashes[height]
    }
}
