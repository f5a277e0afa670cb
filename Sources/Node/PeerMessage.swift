import ChainTypes
import Consensus
import Ledger
import PeerNetwork

/// What nodes send each other over a peer link: consensus messages and gossiped transactions.
///
/// The body of a `PeerNetwork` message frame is one tag byte and the canonical encoding of the content
/// (docs/peer-network.md), so a peer that sends anything else is detected at decoding and disconnected.
enum PeerMessage: Sendable {
    case consensus(Message)
    /// Transactions admitted to the sender's mempool, packed by `MempoolGossip` (DESIGN §7: gossip).
    case gossip([UInt8])
    /// Asks for the latest snapshot's manifest (peer protocol 2; docs/adr/0017-state-sync.md).
    case snapshotManifestRequest
    /// The encoded `SnapshotManifest` of the sender's latest snapshot; empty when it has none.
    case snapshotManifest([UInt8])
    /// Asks for chunk `index` of the snapshot at `height`.
    case snapshotChunkRequest(height: UInt64, index: UInt32)
    /// The encoded `SnapshotChunk`; empty when the sender no longer has that snapshot.
    case snapshotChunk(height: UInt64, index: UInt32, bytes: [UInt8])
}

extension PeerMessage {
    /// The kind of message, for logs and metrics.
    var kind: String {
        switch self {
        case .gossip: "gossip"
        case .consensus(let message): message.kind
        case .snapshotManifestRequest: "snapshot-manifest-request"
        case .snapshotManifest: "snapshot-manifest"
        case .snapshotChunkRequest: "snapshot-chunk-request"
        case .snapshotChunk: "snapshot-chunk"
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
        case .snapshotManifestRequest:
            encoder.write(UInt8(3))
        case .snapshotManifest(let bytes):
            encoder.write(UInt8(4))
            encoder.write(bytes: bytes)
        case .snapshotChunkRequest(let height, let index):
            encoder.write(UInt8(5))
            encoder.write(height)
            encoder.write(index)
        case .snapshotChunk(let height, let index, let bytes):
            encoder.write(UInt8(6))
            encoder.write(height)
            encoder.write(index)
            encoder.write(bytes: bytes)
        }
    }

    init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1: self = .consensus(try decoder.read())
        case 2: self = .gossip(try decoder.readBytes(field: "gossip", limit: PeerNetworkLimits.frameBytesMax))
        case 3: self = .snapshotManifestRequest
        case 4: self = .snapshotManifest(try decoder.readBytes(field: "snapshot manifest", limit: PeerNetworkLimits.frameBytesMax))
        case 5: self = .snapshotChunkRequest(height: try decoder.readUInt64(), index: try decoder.readUInt32())
        case 6:
            self = .snapshotChunk(
                height: try decoder.readUInt64(), index: try decoder.readUInt32(),
                bytes: try decoder.readBytes(field: "snapshot chunk", limit: SnapshotLimits.chunkBytesMax))
        default: throw .unknownVariant(type: "PeerMessage", tag: UInt64(tag))
        }
    }
}
