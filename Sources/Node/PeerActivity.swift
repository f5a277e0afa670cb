import Synchronization

/// When each peer last sent a message, for `consensus_getStatus` and `node_peers`.
///
/// Updated for every message the peer intake decodes: one lock and one dictionary write, cheap next to
/// decoding the frame. Bounded by the number of peer names (`NodeLimits.peersMax`).
final class PeerActivity: Sendable {
    private let lastMessage = Mutex<[String: ContinuousClock.Instant]>([:])

    /// Notes that `peer` sent a message now.
    func messageArrived(from peer: String) {
        let now = ContinuousClock.now
        lastMessage.withLock { times in
            guard times[peer] != nil || times.count < NodeLimits.peersMax else { return }
            times[peer] = now
        }
    }

    /// Milliseconds since `peer`'s last message, or nil when it has sent none.
    func lastMessageAgeMs(_ peer: String) -> UInt64? {
        lastMessage.withLock { $0[peer] }.map { Self.milliseconds(since: $0) }
    }

    /// Whole milliseconds from `instant` to now.
    static func milliseconds(since instant: ContinuousClock.Instant) -> UInt64 {
        let elapsed = ContinuousClock.now - instant
        let components = elapsed.components
        guard components.seconds >= 0 else { return 0 }
        return UInt64(components.seconds) * 1000 + UInt64(components.attoseconds / 1_000_000_000_000_000)
    }
}
