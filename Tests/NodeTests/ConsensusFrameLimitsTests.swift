import ChainTypes
import Consensus
import PeerNetwork
import Testing

@testable import Node

/// The consensus side of the frame budget (issue 13, defect 5): every consensus message the decoder admits
/// (`ConsensusLimits.messageBytesMax`, checked against the largest legal VIEW-CHANGE, NEW-VIEW and
/// pre-prepare in `ConsensusLimitsTests`) fits one peer frame with its peer-message tag.
@Suite("Consensus messages fit a frame")
struct ConsensusFrameLimitsTests {
    @Test("the largest consensus message plus the peer-message tag fits a frame")
    func consensusMessageFitsFrame() {
        let tag =
            PeerMessage.consensus(
                .prepare(Signed(payload: Prepare(view: 0, height: 0, digest: .zero), signer: 0, signature: Self.signature))
            )
            .canonicalBytes.count
            - Message.prepare(Signed(payload: Prepare(view: 0, height: 0, digest: .zero), signer: 0, signature: Self.signature))
            .canonicalBytes.count
        #expect(ConsensusLimits.messageBytesMax + tag < PeerNetworkLimits.frameBytesMax)
        #expect(ConsensusLimits.messageBytesMax + tag <= NodeLimits.intakePerPeerBytesMax, "a peer's intake admits the largest message")
    }

    static let signature = try! RecoverableSignature(compact: [UInt8](repeating: 1, count: 64), recoveryId: 0)
}
