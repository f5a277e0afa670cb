/// Every bound of the peer network in one place (DESIGN §1.4); `PeerNetworkLimitsTests` checks how they relate.
public enum PeerNetworkLimits {
    /// Largest frame body (type byte + payload) a peer may send: a full block plus its certificate fits.
    public static let frameBytesMax = 32 * 1024 * 1024
    /// Bytes of the frame header: a big-endian `UInt32` body length.
    public static let frameHeaderBytes = 4
    /// Frames a link holds written but not yet handed to the socket; newer frames are dropped and counted.
    public static let sendQueueFramesMax = 4096
    /// Bytes a link holds written but not yet handed to the socket; newer frames are dropped and counted.
    public static let sendQueueBytesMax = 64 * 1024 * 1024
    /// Network events (links up/down, refusals, messages) buffered for the consumer before the oldest are dropped.
    public static let eventsBufferedMax = 16 * 1024
    /// Default milliseconds between heartbeat ticks.
    public static let heartbeatIntervalMsDefault: Int64 = 1000
    /// Heartbeat ticks a peer may stay silent before its link is closed.
    public static let heartbeatsMissedMax = 3
    /// Heartbeat ticks a TLS handshake may take before the connection is dropped.
    public static let handshakeTicksMax = 5
    /// First delay before redialing a peer, doubled per failed attempt up to `reconnectDelayMsMax`.
    public static let reconnectDelayMsInitial: Int64 = 100
    public static let reconnectDelayMsMax: Int64 = 30_000
    /// Open links (inbound and outbound) a host keeps; more inbound connections are closed at once.
    public static let linksMax = 1024
    /// Inbound TCP connections open at once, handshaking or linked (`PeerHost`'s inbound counts): as many as links,
    /// so a full registry of peers always fits, while connections that never present a certificate cannot
    /// take more descriptors than that (the node's budget counts it: `FileDescriptorBudget`).
    public static let inboundConnectionsMax = linksMax
    /// Inbound connections from one address at once: the nodes a department runs behind one address, each
    /// with a link and a redial in progress, with room to spare.
    public static let inboundConnectionsPerAddressMax = 64
    /// Log lines about connections that fail before they are verified, or are refused, written per minute of each
    /// kind (`LogThrottle`): enough to show a misconfigured peer's every attempt at its redial pace (one in 30 s
    /// at most, `reconnectDelayMsMax`) for ten peers at once, and about 10 MB of log a day at most.
    public static let unverifiedLogLinesPerMinute = 20
}

/// The peer protocol version: what the messages on a link mean (docs/protocol.md "Peer protocol versions").
///
/// Each side's first frame on a link is a `Frame.hello` with the range of versions it speaks; a peer whose
/// first frame is anything else is a build from before versions, version 0, whose messages are those of
/// version 1. The two sides link at the highest version both speak (`negotiate(_:_:)`): each computes it from
/// the two ranges, so both agree without a further round trip. A peer whose range does not overlap this
/// build's is closed before any of its messages is delivered, on both sides, logged with both ranges and
/// counted (`PeerHost.versionRefusalCount`, `sbp_peer_protocol_version_refusals`). A build that changes a
/// message raises `version` and keeps the older versions it still speaks in `accepted`, so a network is
/// upgraded one node at a time (ADR 0016).
public enum PeerProtocol {
    /// The highest version this build speaks: 2 adds the state-snapshot messages (docs/adr/0017-state-sync.md).
    public static let version: UInt32 = 2
    /// The versions this build speaks, the range its hello announces: 0 (no hello) speaks the same messages
    /// as 1, and 1 is 2 without the snapshot messages (a version-1 peer closes a link that asks it for a
    /// snapshot; state sync then asks the others).
    public static let accepted: ClosedRange<UInt32> = 0...version

    /// The version a link between builds speaking `local` and `peer` uses: the highest both speak, or nil
    /// when the ranges do not overlap (the link is refused).
    public static func negotiate(_ local: ClosedRange<UInt32>, _ peer: ClosedRange<UInt32>) -> UInt32? {
        guard local.overlaps(peer) else { return nil }
        return min(local.upperBound, peer.upperBound)
    }
}
