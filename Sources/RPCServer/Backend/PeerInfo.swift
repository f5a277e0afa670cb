/// A peer with an open, authenticated link, as `node_peers` reports it.
public struct PeerInfo: Hashable, Sendable {
    /// Which side opened a link.
    public enum Direction: String, CaseIterable, Sendable {
        /// The peer dialled this node.
        case inbound
        /// This node dialled the peer.
        case outbound
    }

    /// The peer's node name (a validator or registered node).
    public var name: String
    /// The department its certificate's CA belongs to.
    public var department: String
    public var direction: Direction
    /// When the certificate the peer presented expires (X.509 `notValidAfter`), in ms since the Unix epoch.
    public var certificateNotValidAfterMs: UInt64?
    /// Milliseconds since the last message arrived on any link to this peer; nil when none has yet.
    public var lastMessageAgeMs: UInt64?
    /// The peer protocol version the link speaks, the highest both nodes speak; nil until the peer's hello.
    public var protocolVersion: UInt32?

    public init(
        name: String, department: String, direction: Direction, certificateNotValidAfterMs: UInt64?, lastMessageAgeMs: UInt64?
    ) {
        self.name = name
        self.department = department
        self.direction = direction
        self.certificateNotValidAfterMs = certificateNotValidAfterMs
        self.lastMessageAgeMs = lastMessageAgeMs
    }
}
