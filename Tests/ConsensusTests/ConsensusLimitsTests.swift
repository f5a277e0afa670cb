import ChainTypes
import Testing

@testable import Consensus

/// Limits that must fit together (issue 13, defect 5): the largest legal VIEW-CHANGE, NEW-VIEW and
/// pre-prepare the decoder admits stay within `ConsensusLimits.messageBytesMax`, which the node's frame
/// limit exceeds (`ConsensusFrameLimitsTests` in NodeTests; the `fetchBlocks` reply is bounded by bytes
/// there, in `NodeLimitsTests`).
@Suite("Consensus limits")
struct ConsensusLimitsTests {
    static let signature = try! RecoverableSignature(compact: [UInt8](repeating: 1, count: 64), recoveryId: 0)
    static let digest = Hash(bytes: [UInt8](repeating: 0xff, count: 32))!

    static func signed<Payload: SignablePayload>(_ payload: Payload) -> Signed<Payload> {
        Signed(payload: payload, signer: UInt16.max, signature: signature)
    }

    /// Every sequence at the decoder's limit, every integer at its widest.
    static func largestViewChange() -> Signed<ViewChange> {
        let checkpoint = signed(Checkpoint(height: .max, blockHash: digest, stateRoot: digest))
        let prepare = signed(Prepare(view: .max, height: .max, digest: digest))
        let certificate = PreparedCertificate(
            prePrepare: signed(PrePrepare(view: .max, height: .max, digest: digest)),
            prepares: Array(repeating: prepare, count: Limits.validatorsMax))
        return signed(
            ViewChange(
                newView: .max, stableHeight: .max, checkpointProof: Array(repeating: checkpoint, count: Limits.validatorsMax),
                prepared: Array(repeating: certificate, count: ConsensusLimits.preparedCertificatesMax)))
    }

    @Test("the largest legal VIEW-CHANGE fits a consensus message, whatever the blocks weigh (it carries digests)")
    func largestViewChangeFits() throws {
        let change = Self.largestViewChange()
        let bytes = Message.viewChange(change).canonicalBytes
        #expect(bytes.count <= ConsensusLimits.messageBytesMax, "\(bytes.count) bytes")
        // It is legal: the decoder takes it back.
        #expect(try Message(canonicalBytes: bytes) == .viewChange(change))
    }

    @Test("the largest legal NEW-VIEW fits a consensus message (V by reference, O by digest)")
    func largestNewViewFits() throws {
        let newView = Self.signed(
            NewView(
                view: .max,
                viewChanges: Array(repeating: ViewChangeReference(signer: .max, digest: Self.digest), count: Limits.validatorsMax),
                prePrepares: Array(
                    repeating: Self.signed(PrePrepare(view: .max, height: .max, digest: Self.digest)),
                    count: ConsensusLimits.preparedCertificatesMax)))
        let bytes = Message.newView(newView).canonicalBytes
        #expect(bytes.count <= ConsensusLimits.messageBytesMax, "\(bytes.count) bytes")
        #expect(try Message(canonicalBytes: bytes) == .newView(newView))
    }

    @Test("a pre-prepare with a largest block fits a consensus message")
    func largestPrePrepareFits() {
        let prePrepare = Self.signed(PrePrepare(view: .max, height: .max, digest: Self.digest))
        // Tag, signed pre-prepare, block of at most `Limits.blockBytesMax` (the decoder's bound on a block).
        let bytes = 1 + prePrepare.canonicalBytes.count + Limits.blockBytesMax
        #expect(bytes <= ConsensusLimits.messageBytesMax)
        // The future-message budget of one sender holds one such pre-prepare (rule 7).
        #expect(ConsensusLimits.futureBytesPerSenderMax >= bytes)
    }

    @Test("a state-transfer reply of one block fits a consensus message, and a height keeps a bounded number of bodies")
    func otherRelationships() {
        #expect(ConsensusLimits.fetchBlocksMax >= 1)
        #expect(ConsensusLimits.bodiesPerHeightMax >= 1, "room for the body a new primary re-proposes")
        #expect(ConsensusLimits.watermarkWindowMax <= UInt64(ConsensusLimits.preparedCertificatesMax), "P covers the whole window")
    }
}
