import ChainTypes

/// The integer rule (docs/consensus.md, "Integers from outside"): every view, height and timestamp a
/// message carries, at any depth, is checked against its absolute cap before the replica looks at the
/// message, so that no later `+ 1`, `+ window` or `+ drift` on it can overflow.
///
/// The caps are far above anything an honest network reaches (`ConsensusLimits.heightMax`, `viewMax`,
/// `timestampMsMax`); the tighter, state-dependent bounds (watermark window, view jump, clock drift) are
/// applied where the message is acted on.
public struct IntegerRange: Hashable, Sendable, CustomStringConvertible {
    /// Which field was out of range (`"view"`, `"height"`, `"timestampMs"`).
    public var field: String
    public var value: UInt64
    public var max: UInt64

    public var description: String { "\(field) \(value) above \(max)" }
}

extension Message {
    /// The first integer in the message above its cap, or nil when every one is in range.
    public var integerOutOfRange: IntegerRange? {
        var check = IntegerCheck()
        check.visit(self)
        return check.problem
    }
}

/// Walks a message and records the first field above its cap.
struct IntegerCheck {
    var problem: IntegerRange? = nil

    mutating func view(_ value: UInt64) { note("view", value, ConsensusLimits.viewMax) }
    mutating func height(_ value: UInt64) { note("height", value, ConsensusLimits.heightMax) }
    mutating func timestamp(_ value: UInt64) { note("timestampMs", value, ConsensusLimits.timestampMsMax) }

    mutating func note(_ field: String, _ value: UInt64, _ max: UInt64) {
        if problem == nil, value > max { problem = IntegerRange(field: field, value: value, max: max) }
    }

    mutating func visit(_ message: Message) {
        switch message {
        case .prePrepare(let signed, let block):
            vote(signed.payload)
            visit(block)
        case .prepare(let signed): vote(signed.payload)
        case .commit(let signed): vote(signed.payload)
        case .checkpoint(let signed): height(signed.payload.height)
        case .viewChange(let signed): visit(signed.payload)
        case .newView(let signed):
            view(signed.payload.view)
            for prePrepare in signed.payload.prePrepares { vote(prePrepare.payload) }
        case .fetchBlocks(let fromHeight, _): height(fromHeight)
        case .blocks(let blocks):
            for committed in blocks where problem == nil {
                visit(committed.block)
                visit(committed.certificate)
            }
        }
    }

    mutating func vote<Vote: PhaseVote>(_ payload: Vote) {
        view(payload.view)
        height(payload.height)
    }

    mutating func visit(_ change: ViewChange) {
        view(change.newView)
        height(change.stableHeight)
        for checkpoint in change.checkpointProof { height(checkpoint.payload.height) }
        for certificate in change.prepared where problem == nil {
            vote(certificate.prePrepare.payload)
            for prepare in certificate.prepares { vote(prepare.payload) }
        }
    }

    mutating func visit(_ block: Block) {
        height(block.header.height)
        view(block.header.view)
        timestamp(block.header.timestampMs)
        if let certificate = block.lastCommit { visit(certificate) }
    }

    mutating func visit(_ certificate: CommitCertificate) {
        height(certificate.height)
        view(certificate.view)
    }
}

extension UInt64 {
    /// `self + other`, or `UInt64.max` where that would overflow: for sums of bounded values with
    /// parameters from genesis or governance, where a cap is the right answer and a trap never is.
    func adding(saturating other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
