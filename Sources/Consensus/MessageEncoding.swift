import ChainTypes

// Canonical encodings of consensus messages (docs/consensus.md §2): what peers exchange as bytes.

/// The three normal-case payloads share one layout: view, height, digest.
public protocol PhaseVote: HeightScopedPayload {
    var view: UInt64 { get }
    var digest: Hash { get }
    init(view: UInt64, height: UInt64, digest: Hash)
}

extension PhaseVote {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(view)
        encoder.write(height)
        encoder.write(digest)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let view = try decoder.readUInt64()
        let height = try decoder.readUInt64()
        self.init(view: view, height: height, digest: try decoder.read())
    }
}

extension PrePrepare: PhaseVote {}
extension Prepare: PhaseVote {}
extension Commit: PhaseVote {}

extension Checkpoint {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(height)
        encoder.write(blockHash)
        encoder.write(stateRoot)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        height = try decoder.readUInt64()
        blockHash = try decoder.read()
        stateRoot = try decoder.read()
    }
}

extension PreparedCertificate: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(prePrepare)
        encoder.write(sequence: prepares)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        prePrepare = try decoder.read()
        prepares = try decoder.readSequence(field: "prepared.prepares", limit: Limits.validatorsMax)
    }
}

extension ViewChangeReference: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(signer)
        encoder.write(digest)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        signer = try decoder.readUInt16()
        digest = try decoder.read()
    }
}

extension ViewChange {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(newView)
        encoder.write(stableHeight)
        encoder.write(sequence: checkpointProof)
        encoder.write(sequence: prepared)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        newView = try decoder.readUInt64()
        stableHeight = try decoder.readUInt64()
        checkpointProof = try decoder.readSequence(field: "viewChange.checkpointProof", limit: Limits.validatorsMax)
        prepared = try decoder.readSequence(field: "viewChange.prepared", limit: ConsensusLimits.preparedCertificatesMax)
    }
}

extension NewView {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(view)
        encoder.write(sequence: viewChanges)
        encoder.write(sequence: prePrepares)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        view = try decoder.readUInt64()
        viewChanges = try decoder.readSequence(field: "newView.viewChanges", limit: Limits.validatorsMax)
        prePrepares = try decoder.readSequence(field: "newView.prePrepares", limit: ConsensusLimits.preparedCertificatesMax)
    }
}

extension CommittedBlock: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(block)
        encoder.write(certificate)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        block = try decoder.read()
        certificate = try decoder.read()
    }
}

extension Message: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .prePrepare(let message, let block):
            encoder.write(UInt8(1))
            encoder.write(message)
            encoder.write(block)
        case .prepare(let message):
            encoder.write(UInt8(2))
            encoder.write(message)
        case .commit(let message):
            encoder.write(UInt8(3))
            encoder.write(message)
        case .checkpoint(let message):
            encoder.write(UInt8(4))
            encoder.write(message)
        case .viewChange(let message):
            encoder.write(UInt8(5))
            encoder.write(message)
        case .newView(let message):
            encoder.write(UInt8(6))
            encoder.write(message)
        case .fetchBlocks(let fromHeight, let requester):
            encoder.write(UInt8(7))
            encoder.write(fromHeight)
            encoder.write(requester)
        case .blocks(let blocks):
            encoder.write(UInt8(8))
            encoder.write(sequence: blocks)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1: self = .prePrepare(try decoder.read(), try decoder.read())
        case 2: self = .prepare(try decoder.read())
        case 3: self = .commit(try decoder.read())
        case 4: self = .checkpoint(try decoder.read())
        case 5: self = .viewChange(try decoder.read())
        case 6: self = .newView(try decoder.read())
        case 7: self = .fetchBlocks(fromHeight: try decoder.readUInt64(), requester: try decoder.readUInt16())
        case 8: self = .blocks(try decoder.readSequence(field: "blocks", limit: ConsensusLimits.fetchBlocksMax))
        default: throw .unknownVariant(type: "Message", tag: UInt64(tag))
        }
    }
}

extension VotePhase: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(rawValue) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        guard let phase = VotePhase(rawValue: tag) else { throw .unknownVariant(type: "VotePhase", tag: UInt64(tag)) }
        self = phase
    }
}

/// The durable form of a journal record: the node writes these, synced, before it sends (DESIGN §3).
extension JournalRecord: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        switch self {
        case .enteredView(let view):
            encoder.write(UInt8(1))
            encoder.write(view)
        case .changingView(let view):
            encoder.write(UInt8(2))
            encoder.write(view)
        case .voted(let phase, let view, let height, let digest):
            encoder.write(UInt8(3))
            encoder.write(phase)
            encoder.write(view)
            encoder.write(height)
            encoder.write(digest)
        case .prepared(let certificate, let block):
            // The layout of the certificate when it carried its block: journals written before stay readable.
            encoder.write(UInt8(4))
            encoder.write(certificate.prePrepare)
            encoder.write(block)
            encoder.write(sequence: certificate.prepares)
        case .stableCheckpoint(let height, let proof):
            encoder.write(UInt8(5))
            encoder.write(height)
            encoder.write(sequence: proof)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        switch tag {
        case 1: self = .enteredView(try decoder.readUInt64())
        case 2: self = .changingView(try decoder.readUInt64())
        case 3:
            self = .voted(
                phase: try decoder.read(), view: try decoder.readUInt64(), height: try decoder.readUInt64(), digest: try decoder.read())
        case 4:
            let prePrepare: Signed<PrePrepare> = try decoder.read()
            let block: Block = try decoder.read()
            let prepares: [Signed<Prepare>] = try decoder.readSequence(field: "prepared.prepares", limit: Limits.validatorsMax)
            self = .prepared(PreparedCertificate(prePrepare: prePrepare, prepares: prepares), block: block)
        case 5:
            self = .stableCheckpoint(
                height: try decoder.readUInt64(), proof: try decoder.readSequence(field: "checkpointProof", limit: Limits.validatorsMax))
        default: throw .unknownVariant(type: "JournalRecord", tag: UInt64(tag))
        }
    }

    /// The view a view record names; nil for the others.
    public var view: UInt64? {
        switch self {
        case .enteredView(let view), .changingView(let view): view
        case .voted, .prepared, .stableCheckpoint: nil
        }
    }

    /// The height the record is about, for pruning records below a stable checkpoint; nil for view records.
    public var height: UInt64? {
        switch self {
        case .enteredView, .changingView: nil
        case .voted(_, _, let height, _): height
        case .prepared(let certificate, _): certificate.height
        case .stableCheckpoint(let height, _): height
        }
    }
}
