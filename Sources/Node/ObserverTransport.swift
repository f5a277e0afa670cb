import Consensus
import Logging

/// The transport of an observer node: it passes requests for blocks and gossip, and nothing that votes.
///
/// An observer's key is in no validator set, so its replica has no vote to send; this is the second
/// wall (DESIGN §5: an observer never votes or counts), and validators drop an observer's consensus
/// messages anyway (`PeerIntake`).
struct ObserverTransport: PeerTransport {
    let inner: any PeerTransport
    let logger: Logger

    func send(_ message: PeerMessage, to name: String) {
        guard Self.mayLeave(message) else { return refuse(message) }
        inner.send(message, to: name)
    }

    func broadcast(_ message: PeerMessage) {
        guard Self.mayLeave(message) else { return refuse(message) }
        inner.broadcast(message)
    }

    /// Whether an observer may send `message`: gossip, requests for blocks and snapshots and the replies carrying them.
    static func mayLeave(_ message: PeerMessage) -> Bool {
        switch message {
        case .gossip, .consensus(.fetchBlocks), .consensus(.blocks): true
        case .snapshotManifestRequest, .snapshotManifest, .snapshotChunkRequest, .snapshotChunk: true
        case .consensus: false
        }
    }

    private func refuse(_ message: PeerMessage) {
        logger.debug("observer: not sending a consensus message", metadata: ["message": "\(message.kind)"])
    }
}
