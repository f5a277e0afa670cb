import ChainTypes

/// What a replica knows about one height: the accepted pre-prepare and the votes of the current view, and
/// the prepared certificate of the highest view (which outlives view changes, PBFT §4.4).
struct Slot: Sendable {
    var prePrepare: Signed<PrePrepare>? = nil
    var block: Block? = nil
    /// A pre-prepare for the current view waiting until the parent is committed and executed.
    var waiting: (Signed<PrePrepare>, Block)? = nil
    var prepares: [UInt16: Signed<Prepare>] = [:]
    var commits: [UInt16: Signed<Commit>] = [:]
    var prepared: PreparedCertificate? = nil
    var sentCommit = false
    var isCommitted = false

    /// Forgets the votes of a view that ended; the prepared certificate stays.
    mutating func resetView() {
        prePrepare = nil
        block = nil
        waiting = nil
        prepares = [:]
        commits = [:]
        sentCommit = false
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
