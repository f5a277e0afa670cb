import ChainTypes

/// `⟨PRE-PREPARE, v, h, d⟩`: the primary's proposal of block digest d at height h in view v (PBFT §4.2).
public struct PrePrepare: SignablePayload {
    public static let messageType = ConsensusMessageType.prePrepare
    public var view: UInt64
    public var height: UInt64
    public var digest: Hash

    public init(view: UInt64, height: UInt64, digest: Hash) {
        (self.view, self.height, self.digest) = (view, height, digest)
    }
}

/// `⟨PREPARE, v, h, d⟩`: a backup accepted the pre-prepare (PBFT §4.2, rule 3).
public struct Prepare: SignablePayload {
    public static let messageType = ConsensusMessageType.prepare
    public var view: UInt64
    public var height: UInt64
    public var digest: Hash

    public init(view: UInt64, height: UInt64, digest: Hash) {
        (self.view, self.height, self.digest) = (view, height, digest)
    }
}

/// `⟨COMMIT, v, h, d⟩`: the sender is prepared (rule 5). Its signature is a `CommitVote` of the certificate.
public struct Commit: SignablePayload {
    public static let messageType = ConsensusMessageType.commit
    public var view: UInt64
    public var height: UInt64
    public var digest: Hash

    public init(view: UInt64, height: UInt64, digest: Hash) {
        (self.view, self.height, self.digest) = (view, height, digest)
    }
}

/// `⟨CHECKPOINT, h, blockHash, stateRoot⟩`, sent after executing a height divisible by K (PBFT §4.3, rule 10).
public struct Checkpoint: HeightScopedPayload {
    public static let messageType = ConsensusMessageType.checkpoint
    public var height: UInt64
    public var blockHash: Hash
    /// The state root after executing `height`.
    public var stateRoot: Hash

    public init(height: UInt64, blockHash: Hash, stateRoot: Hash) {
        (self.height, self.blockHash, self.stateRoot) = (height, blockHash, stateRoot)
    }
}

/// A pre-prepare and 2f matching prepares: proof that (v, h, d) prepared (rule 4).
///
/// The block is named by its digest only: PBFT's view-change messages carry digests, and a replica that
/// lacks a body fetches it (OSDI '99 §4.4; TOCS 2002 §4.5). A VIEW-CHANGE therefore stays within a frame
/// whatever the blocks weigh; the body travels once, in a pre-prepare (`Replica.offer(_:)`).
public struct PreparedCertificate: Hashable, Sendable {
    public var prePrepare: Signed<PrePrepare>
    public var prepares: [Signed<Prepare>]

    public init(prePrepare: Signed<PrePrepare>, prepares: [Signed<Prepare>]) {
        self.prePrepare = prePrepare
        self.prepares = prepares
    }

    public var view: UInt64 { prePrepare.payload.view }
    public var height: UInt64 { prePrepare.payload.height }
    public var digest: Hash { prePrepare.payload.digest }
}

/// `⟨VIEW-CHANGE, v+1, s, C, P⟩` (PBFT §4.4, rule 13).
public struct ViewChange: SignablePayload {
    public static let messageType = ConsensusMessageType.viewChange
    /// The view the sender moves to.
    public var newView: UInt64
    /// s: the sender's last stable checkpoint height (0 = genesis).
    public var stableHeight: UInt64
    /// C: a quorum of checkpoint messages for s (empty when s = 0).
    public var checkpointProof: [Signed<Checkpoint>]
    /// P: a prepared certificate for every height above s at which the sender is prepared.
    public var prepared: [PreparedCertificate]

    public init(newView: UInt64, stableHeight: UInt64, checkpointProof: [Signed<Checkpoint>], prepared: [PreparedCertificate]) {
        self.newView = newView
        self.stableHeight = stableHeight
        self.checkpointProof = checkpointProof
        self.prepared = prepared
    }

    /// The highest prepared height in P, or s.
    public var maxPreparedHeight: UInt64 { prepared.map(\.height).max() ?? stableHeight }
}

/// Names one VIEW-CHANGE of a NEW-VIEW's V: its signer and the digest its signature covers.
///
/// TOCS 2002 §4.5: V holds the sender and digest of each view-change message, not the message, so a
/// NEW-VIEW stays small whatever the validator count; backups check V against the VIEW-CHANGEs they
/// received, which the new primary also relays one by one.
public struct ViewChangeReference: Hashable, Sendable {
    public var signer: UInt16
    /// `ViewChange.signingDigest(chainId:)` of the referenced message.
    public var digest: Hash

    public init(signer: UInt16, digest: Hash) {
        (self.signer, self.digest) = (signer, digest)
    }
}

/// `⟨NEW-VIEW, v+1, V, O⟩` (PBFT §4.4, rule 14; V by reference as in TOCS §4.5). O names re-proposed blocks
/// by digest; the new primary sends each body it holds as a pre-prepare of O.
public struct NewView: SignablePayload {
    public static let messageType = ConsensusMessageType.newView
    public var view: UInt64
    public var viewChanges: [ViewChangeReference]
    public var prePrepares: [Signed<PrePrepare>]

    public init(view: UInt64, viewChanges: [ViewChangeReference], prePrepares: [Signed<PrePrepare>]) {
        self.view = view
        self.viewChanges = viewChanges
        self.prePrepares = prePrepares
    }
}

/// Everything one replica sends another. Blocks travel only with pre-prepares (a proposal, a body pushed to
/// a new primary, or a re-proposal of O) and in state transfer, which asks for committed blocks with their
/// certificates (PBFT-NOTES rule 18); VIEW-CHANGE and NEW-VIEW carry digests.
public enum Message: Hashable, Sendable {
    case prePrepare(Signed<PrePrepare>, Block)
    case prepare(Signed<Prepare>)
    case commit(Signed<Commit>)
    case checkpoint(Signed<Checkpoint>)
    case viewChange(Signed<ViewChange>)
    case newView(Signed<NewView>)
    /// Asks for committed blocks `fromHeight...` (at most `Limits.fetchBlocksMax`).
    case fetchBlocks(fromHeight: UInt64, requester: UInt16)
    /// Committed blocks, each with its commit certificate, in ascending height.
    case blocks([CommittedBlock])
}

/// A committed block with the certificate that proves it.
public struct CommittedBlock: Hashable, Sendable {
    public var block: Block
    public var certificate: CommitCertificate

    public init(block: Block, certificate: CommitCertificate) {
        self.block = block
        self.certificate = certificate
    }
}
