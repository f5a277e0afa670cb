import ChainTypes

/// The node's identity and progress, as `node_status` reports it.
public struct NodeStatus: Hashable, Sendable {
    public var chainId: String
    /// The node's name in the network manifest (a validator or a registered non-voting node).
    public var nodeId: String
    /// The height of the latest committed block (0 before the first block).
    public var latestHeight: UInt64
    /// The hash of that block (`Hash.zero` before the first block).
    public var latestHash: Hash
    /// The PBFT view the node is in.
    public var view: UInt64
    /// Peers with an established, authenticated link.
    public var peersConnected: Int
    /// Whether the node is catching up by state transfer rather than following consensus.
    public var syncing: Bool
    /// `validator` or `observer`: what the node's configuration makes it (`node.role`).
    public var role: String = "validator"
    /// The chain protocol versions this node's build executes: before a version governance schedules
    /// activates, every node should list it (docs/operations.md, Versions and upgrades).
    public var executableProtocolVersions: ClosedRange<UInt32> = 1...1
    /// The chain protocol version in force after the latest block, the rules the next block executes by
    /// (genesis, then governance's `setProtocolVersion`).
    public var protocolVersion: UInt32 = 1
    /// The peer protocol versions this node's build speaks; a link uses the highest both sides speak
    /// (docs/protocol.md, Peer protocol versions).
    public var peerProtocolVersions: ClosedRange<UInt32> = 0...2

    public init(
        chainId: String, nodeId: String, latestHeight: UInt64, latestHash: Hash, view: UInt64, peersConnected: Int, syncing: Bool
    ) {
        self.chainId = chainId
        self.nodeId = nodeId
        self.latestHeight = latestHeight
        self.latestHash = latestHash
        self.view = view
        self.peersConnected = peersConnected
        self.syncing = syncing
    }
}
