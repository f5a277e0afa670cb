import ChainTypes

/// What a replica knows about one height: the accepted pre-prepare and the votes of the current view, the
/// prepared certificate of the highest view (which outlives view changes, PBFT §4.4), and the block bodies
/// those name.
///
/// Bodies are kept by digest, apart from the messages that name them: VIEW-CHANGE and NEW-VIEW carry only
/// digests (TOCS §4.5), so a body may arrive before or after the message that makes it needed.
struct Slot: Sendable {
    var prePrepare: Signed<PrePrepare>? = nil
    /// A pre-prepare for the current view waiting until the parent is committed and executed, or until its
    /// body arrives (an entry of O whose block this replica does not hold).
    var waiting: Signed<PrePrepare>? = nil
    /// The last pre-prepare accepted in an earlier view: its body is offered to the next primary.
    var lastAccepted: Signed<PrePrepare>? = nil
    /// Block bodies by digest (at most `ConsensusLimits.bodiesPerHeightMax` beyond the ones named above).
    var bodies: [Hash: Block] = [:]
    var prepares: [UInt16: Signed<Prepare>] = [:]
    var commits: [UInt16: Signed<Commit>] = [:]
    var prepared: PreparedCertificate? = nil
    var sentCommit = false
    var isCommitted = false

    /// The body of the accepted pre-prepare, when this replica holds it.
    var block: Block? { prePrepare.flatMap { bodies[$0.payload.digest] } }

    /// Digests of the bodies this slot needs: the accepted, waiting, last accepted and prepared blocks.
    var namedDigests: Set<Hash> {
        Set([prePrepare?.payload.digest, waiting?.payload.digest, lastAccepted?.payload.digest, prepared?.digest].compactMap { $0 })
    }

    /// Forgets the votes of a view that ended; the prepared certificate and the bodies it and the last
    /// accepted pre-prepare name stay (a new primary may need them).
    mutating func resetView() {
        if let prePrepare, bodies[prePrepare.payload.digest] != nil { lastAccepted = prePrepare }
        prePrepare = nil
        waiting = nil
        prepares = [:]
        commits = [:]
        sentCommit = false
        let named = namedDigests
        bodies = bodies.filter { named.contains($0.key) }
    }

    mutating func recordPrepared(_ certificate: PreparedCertificate) {
        if let existing = prepared, existing.view >= certificate.view { return }
        prepared = certificate
    }

    /// Prepares matching the accepted pre-prepare, from backups only, in signer order.
    func matchingPrepares(primary: UInt16) -> [Signed<Prepare>] {
        guard let prePrepare else { return [] }
        return prepares.keys.sorted().compactMap { signer in
            guard signer != primary, let prepare = prepares[signer],
                prepare.payload.view == prePrepare.payload.view, prepare.payload.digest == prePrepare.payload.digest
            else { return nil }
            return prepare
        }
    }

    func matchingCommits() -> [Signed<Commit>] {
        guard let prePrepare else { return [] }
        return commits.keys.sorted().compactMap { signer in
            guard let commit = commits[signer], commit.payload.view == prePrepare.payload.view,
                commit.payload.digest == prePrepare.payload.digest
            else { return nil }
            return commit
        }
    }
}

extension Slot {
    /// Keeps `prePrepare` until its parent is executed, with its body; a body no longer named is dropped.
    mutating func wait(for prePrepare: Signed<PrePrepare>, body: Block?) {
        waiting = prePrepare
        if let body { bodies[prePrepare.payload.digest] = body }
        let named = namedDigests
        bodies = bodies.filter { named.contains($0.key) }
    }
}
