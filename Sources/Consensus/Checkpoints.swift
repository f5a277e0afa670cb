import ChainTypes

/// Checkpoints, stability and log garbage collection (PBFT §4.3, PBFT-NOTES rules 10–12).
extension Replica {
    /// Rule 10: after executing a height divisible by K, multicast CHECKPOINT.
    mutating func sendCheckpoint(_ checkpoint: Checkpoint) {
        ownCheckpoints[checkpoint.height] = checkpoint
        guard let signed = sign(checkpoint), let own = ownIndex(at: checkpoint.height) else { return }
        checkpointVotes[checkpoint.height, default: [:]][own] = signed
        send(.checkpoint(signed))
        checkStable(height: checkpoint.height)
    }

    mutating func onCheckpoint(_ signed: Signed<Checkpoint>) {
        guard isValid(signed) else { return reject(.invalidSignature(signer: signed.signer)) }
        let height = signed.payload.height
        // A checkpoint at h shows the signer executed h: it works on h+1 (h ≤ heightMax: admitted).
        noteActivity(of: signed.signer, height: height + 1, view: 0, verifiedAt: height)
        guard height > stableHeight, height <= highWatermark.adding(saturating: watermarkWindow) else { return }
        if checkpointVotes[height, default: [:]][signed.signer] == nil {
            checkpointVotes[height, default: [:]][signed.signer] = signed
        }
        checkStable(height: height)
    }

    /// Rule 11: q matching checkpoints make it stable; the low watermark moves up and older logs go.
    mutating func checkStable(height: UInt64) {
        guard height > stableHeight, let votes = checkpointVotes[height] else { return }
        var groups: [Checkpoint: [Signed<Checkpoint>]] = [:]
        for signer in votes.keys.sorted() { groups[votes[signer]!.payload, default: []].append(votes[signer]!) }
        // At most one group can reach q (one vote per signer and height, 2q > n); the sort keeps the choice
        // independent of Dictionary order even so (DESIGN §1.3).
        let candidates = groups.filter { $0.value.count >= quorum(at: height) }
            .sorted { ($0.key.blockHash, $0.key.stateRoot) < ($1.key.blockHash, $1.key.stateRoot) }
        guard let (checkpoint, proof) = candidates.first.map({ ($0.key, $0.value) }) else { return }
        makeStable(checkpoint, proof: Array(proof.prefix(quorum(at: height))))
    }

    /// Adopts a stable checkpoint with its proof (own quorum, or one carried by a view change).
    mutating func makeStable(_ checkpoint: Checkpoint, proof: [Signed<Checkpoint>]) {
        guard checkpoint.height > stableHeight else { return }
        stableHeight = checkpoint.height
        stableProof = proof
        persist(.stableCheckpoint(height: checkpoint.height, proof: proof))
        emit(.checkpointStable(height: checkpoint.height))
        if let own = ownCheckpoints[checkpoint.height], own.stateRoot != checkpoint.stateRoot || own.blockHash != checkpoint.blockHash {
            // Rule 12: never vote on a root this replica cannot reproduce.
            isHalted = true
            emit(.stateDivergence(height: checkpoint.height, local: own.stateRoot, stable: checkpoint.stateRoot))
        }
        if committedHeight < checkpoint.height { startStateTransfer(target: checkpoint.height) }
        garbageCollect()
    }

    /// Discards consensus messages for heights at or below the stable checkpoint (rule 11).
    mutating func garbageCollect() {
        let low = stableHeight
        slots = slots.filter { $0.key > low }
        votes = votes.filter { $0.key.height > low }
        checkpointVotes = checkpointVotes.filter { $0.key > low }
        ownCheckpoints = ownCheckpoints.filter { $0.key >= low }
    }

    /// Proof that a checkpoint is stable: q distinct valid signatures on one (h, block hash, state root).
    func problemWithCheckpointProof(height: UInt64, proof: [Signed<Checkpoint>]) -> String? {
        if height == 0 { return proof.isEmpty ? nil : "genesis needs no checkpoint proof" }
        guard let first = proof.first, first.payload.height == height else { return "missing checkpoint proof" }
        guard proof.count >= quorum(at: height) else { return "checkpoint proof below quorum" }
        guard Set(proof.map(\.signer)).count == proof.count else { return "duplicate checkpoint signer" }
        for signed in proof {
            guard signed.payload == first.payload else { return "checkpoint proof disagrees" }
            guard isValid(signed) else { return "bad checkpoint signature from \(signed.signer)" }
        }
        return nil
    }
}
