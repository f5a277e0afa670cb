import ChainTypes
import Consensus
import PeerNetwork

/// What nodes send each other over a peer link: consensus messages and gossiped transactions.
///
/// The body of a `PeerNetwork` message frame is one tag byte and the canonical encoding of the content
/// (docs/peer-network.md), so a peer that sends anything else is detected at decoding and disconnected.
enum PeerMessage: Sendable {
    case consensus(Message)
    /// Transactions admitted to the sender's mempool, packed by `MempoolGossip` (DESIGN §7: gossip).
    case gossip([UInt8])
}

extension PeerMessage {
    /// The kind of message, for logs and metrics.
    var kind: String {
        switch self {
        case .gossip: "gossip"
        case .consensus(let message): message.kind
        }
    }
}

extension Message {
    /// The kind of consensus message, for logs and metrics.
    public var kind: String {
        switch self {
        case .prePrepare: "pre-prepare"
        case .prepare: "prepare"
        case .commit: "commit"
        case .checkpoint: "checkpoint"
        case .viewChange: "view-change"
        case .newView: "new-view"
        case .fetchBlocks: "fetch-blocks"
        case .blocks: "blocks"
        }
    }
}

extension PeerMessage: CanonicalCodable {
    func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .consensus(let message):
            encoder.write(UInt8(1))
            encoder.write(message)
        case .gossip(let bytes):
            encoder.write(UInt8(2))
            encoder.write(bytes: bytes)
        }
    }

    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1: self = .consensus(try decoder.read())
        case 2: self = .gossip(try decoder.readBytes(field: "gossip", limit: PeerNetworkLimits.frameBytesMax))
        default: throw .unknownVariant(type: "PeerMessage", tag: UInt64(tag))
        }
    }
}
