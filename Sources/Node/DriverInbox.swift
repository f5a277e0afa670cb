/// The replica driver's inbound queues: one bounded queue per peer and one for the node's own events.
///
/// One shared queue let a single flooding peer fill it and push every other peer's messages out (issue 13,
/// defect 9). Here each peer's messages are bounded by count and bytes on their own, a full queue drops that
/// peer's newest message only (consensus retransmits), and `takeAll` interleaves the peers round-robin so a
/// long queue from one peer does not delay the others' messages behind it.
struct DriverInbox<Event> {
    private struct Queue {
        var events: [Event] = []
        var bytes = 0
    }

    let perPeerMax: Int
    let perPeerBytesMax: Int
    let localMax: Int
    private var local: [Event] = []
    private var peers: [String: Queue] = [:]
    /// Events refused because their queue was full, since the inbox was made.
    private(set) var droppedCount = 0

    init(
        perPeerMax: Int = NodeLimits.inboxPerPeerMax, perPeerBytesMax: Int = NodeLimits.intakePerPeerBytesMax,
        localMax: Int = NodeLimits.inboxLocalMax
    ) {
        precondition(perPeerMax >= 1 && perPeerBytesMax >= 1 && localMax >= 1)
        self.perPeerMax = perPeerMax
        self.perPeerBytesMax = perPeerBytesMax
        self.localMax = localMax
    }

    var isEmpty: Bool { local.isEmpty && peers.isEmpty }

    /// Queues `event` from `peer` (nil: the node itself) of `bytes` on the wire; false when it was dropped.
    ///
    /// A peer with nothing queued may always queue one message, whatever its size.
    mutating func append(_ event: Event, from peer: String?, bytes: Int = 0) -> Bool {
        guard let peer else {
            guard local.count < localMax else {
                droppedCount += 1
                return false
            }
            local.append(event)
            return true
        }
        let (count, queued) = peers[peer].map { ($0.events.count, $0.bytes) } ?? (0, 0)
        guard count == 0 || (count < perPeerMax && queued + bytes <= perPeerBytesMax) else {
            droppedCount += 1
            return false
        }
        // In place: a copy taken out of the dictionary would copy the peer's whole queue on each append.
        peers[peer, default: Queue()].events.append(event)
        peers[peer, default: Queue()].bytes += bytes
        return true
    }

    /// Everything queued: the node's own events first, then the peers' interleaved one at a time in name
    /// order (each peer's own messages stay in arrival order).
    mutating func takeAll() -> [Event] {
        var events = local
        local.removeAll(keepingCapacity: true)
        let queues = peers.sorted { $0.key < $1.key }.map(\.value.events)
        peers.removeAll(keepingCapacity: true)
        let longest = queues.map(\.count).max() ?? 0
        for index in 0..<longest {
            for queue in queues where index < queue.count { events.append(queue[index]) }
        }
        return events
    }
}
