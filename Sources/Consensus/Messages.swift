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

/// A pre-prepare with its block and 2f matching prepares: proof that (v, h, d) prepared (rule 4).
public struct PreparedCertificate: Hashable, Sendable {
    public var prePrepare: Signed<PrePrepare>
    public var block: Block
    public var prepares: [Signed<Prepare>]

    public init(prePrepare: Signed<PrePrepare>, block: Block, prepares: [Signed<Prepare>]) {
        self.prePrepare = prePrepare
        self.block = block
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

/// `⟨NEW-VIEW, v+1, V, O⟩` (PBFT §4.4, rule 14). O carries re-proposals; their blocks are in V.
public struct NewView: SignablePayload {
    public static let messageType = ConsensusMessageType.newView
    public var view: UInt64
    public var viewChanges: [Signed<ViewChange>]
    public var prePrepares: [Signed<PrePrepare>]

    public init(view: UInt64, viewChanges: [Signed<ViewChange>], prePrepares: [Signed<PrePrepare>]) {
        self.view = view
        self.viewChanges = viewChanges
        self.prePrepares = prePrepares
    }
}

/// Everything one replica sends another. Blocks travel with pre-prepares; state transfer asks for
/// committed blocks with their certificates (PBFT-NOTES rule 18).
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
