import Foundation

/// When this node's and its peers' certificates expire, and what the node does about it (issue 14,
/// defect 6): close links whose certificate (or its CA) has expired, warn ahead of the node's own
/// expiry and of a peer's, and export both to `/metrics`.
///
/// A value fed the clock and the certificates, so the rules are tested with an injected time; the node
/// runs `check(now:…)` from a timer that wakes at the nearest expiry or after `checkIntervalMax`.
struct CertificateExpiryWatch: Sendable {
    /// How far ahead of an expiry the node warns (`p2p.certificate_expiry_warning_days`).
    var warningInterval: TimeInterval
    /// When this node's own TLS certificate expires (the earlier of it and its department CA).
    var ownExpiry: Date

    /// The longest the node waits between two checks, so a warning comes within this of its threshold.
    static let checkIntervalMax: TimeInterval = 3600

    struct Peer: Hashable, Sendable {
        var name: String
        var expiry: Date
    }

    struct Report: Equatable, Sendable {
        /// Seconds until this node's certificate expires (negative once expired).
        var ownSecondsLeft: Double
        /// The peer whose certificate expires first, and the seconds left.
        var nearestPeer: Peer?
        var nearestPeerSecondsLeft: Double?
        /// Peers whose certificate has expired: their links are closed.
        var expiredPeers: [String]
        /// What to log as a warning.
        var warnings: [String]
        /// When to check again: the nearest future expiry or warning threshold, at most `checkIntervalMax` away.
        var nextCheck: Date
    }

    func check(now: Date, peers: [Peer]) -> Report {
        let ownLeft = ownExpiry.timeIntervalSince(now)
        var warnings: [String] = []
        if ownLeft <= 0 {
            warnings.append("this node's TLS certificate expired at \(ownExpiry); peers refuse it. Issue a new one and rotate it on chain")
        } else if ownLeft <= warningInterval {
            warnings.append(
                "this node's TLS certificate expires at \(ownExpiry), in \(Int(ownLeft / 86_400)) days; issue a new one and rotate it on chain"
            )
        }
        let nearest = peers.min { $0.expiry < $1.expiry }
        let expired = peers.filter { $0.expiry <= now }.map(\.name).sorted()
        for peer in peers.sorted(by: { $0.name < $1.name }) where peer.expiry > now && peer.expiry.timeIntervalSince(now) <= warningInterval
        {
            warnings.append("peer \(peer.name)'s TLS certificate (or its CA) expires at \(peer.expiry); the link closes then")
        }
        var candidates = [now.addingTimeInterval(Self.checkIntervalMax)]
        for expiry in [ownExpiry] + peers.map(\.expiry) where expiry > now {
            candidates.append(expiry)
            let warnAt = expiry.addingTimeInterval(-warningInterval)
            if warnAt > now { candidates.append(warnAt) }
        }
        return Report(
            ownSecondsLeft: ownLeft, nearestPeer: nearest, nearestPeerSecondsLeft: nearest.map { $0.expiry.timeIntervalSince(now) },
            expiredPeers: expired, warnings: warnings, nextCheck: candidates.min() ?? now)
    }
}
