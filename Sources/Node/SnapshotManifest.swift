import ChainTypes
import Evidence
import Ledger

/// What a state snapshot at `height` holds, and what proves it (docs/adr/0017-state-sync.md).
///
/// The state after `height` is certified by block `height + 1`, whose header carries its root: so the
/// manifest carries that header with its commit certificate, every validator-set change from genesis up to
/// it (checked as evidence bundles are, docs/evidence.md §3), and block `height` itself with its certificate
/// (the header of `height + 1` names both by hash), which becomes the restored node's first block. The
/// chunk list cuts the state into subtrees whose hashes must combine to the certified root, so every chunk
/// can be checked on its own as it arrives.
public struct SnapshotManifest: Hashable, Sendable {
    public static let formatVersion: UInt8 = 1

    public var chainId: String
    public var genesisHash: Hash
    public var height: UInt64
    public var block: Block
    public var certificate: CommitCertificate
    public var nextHeader: BlockHeader
    public var nextCertificate: CommitCertificate
    public var transitions: [EpochTransition]
    public var chunks: [SnapshotChunkInfo]

    public init(
        chainId: String, genesisHash: Hash, height: UInt64, block: Block, certificate: CommitCertificate, nextHeader: BlockHeader,
        nextCertificate: CommitCertificate, transitions: [EpochTransition], chunks: [SnapshotChunkInfo]
    ) {
        self.chainId = chainId
        self.genesisHash = genesisHash
        self.height = height
        self.block = block
        self.certificate = certificate
        self.nextHeader = nextHeader
        self.nextCertificate = nextCertificate
        self.transitions = transitions
        self.chunks = chunks
    }

    /// Identifies the manifest among peers: the SHA-256 of its encoding.
    public var digest: Hash { Hash.sha256(parts: [canonicalBytes]) }

    /// Total encoded bytes of the chunks.
    public var stateBytes: UInt64 { chunks.reduce(0) { $0 + UInt64($1.byteCount) } }

    /// Checks everything the manifest claims against `genesis` alone: the header of `height + 1` is
    /// certified by the validator set its transitions lead to, block `height` and its certificate are the
    /// ones that header names, and the listed chunks combine to the header's state root.
    public func verify(genesis: Genesis) throws(StateSyncError) {
        guard chainId == genesis.chainId, genesisHash == genesis.hash else {
            throw .manifestRejected(height: height, reason: "for chain \(chainId) (genesis \(genesisHash)), not \(genesis.chainId)")
        }
        guard height >= 1, block.height == height, nextHeader.height == height + 1 else {
            throw .manifestRejected(height: height, reason: "block \(block.height) and header \(nextHeader.height) do not frame the height")
        }
        do {
            _ = try EvidenceVerifier.checkCertified(nextHeader, nextCertificate, through: transitions, genesis: genesis)
        } catch {
            throw .headerNotCertified(height: height + 1, reason: error.description)
        }
        guard nextHeader.parentHash == block.hash else {
            throw .manifestRejected(height: height, reason: "block \(height) is not the parent of the certified header")
        }
        guard certificate.height == height, certificate.blockHash == block.hash, nextHeader.lastCommitHash == certificate.hash else {
            throw .manifestRejected(height: height, reason: "the certificate of block \(height) is not the one the certified header names")
        }
        do {
            try block.checkStructure()
        } catch {
            throw .manifestRejected(height: height, reason: "block \(height): \(error)")
        }
        guard let root = SnapshotChunkInfo.root(of: chunks) else {
            throw .manifestRejected(height: height, reason: "the chunk list is not a set of disjoint subtrees")
        }
        guard root == nextHeader.stateRoot else {
            throw .manifestRejected(
                height: height, reason: "the chunks hash to \(root), the certified state root is \(nextHeader.stateRoot)")
        }
    }
}

extension SnapshotManifest: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(Self.formatVersion)
        encoder.write(text: chainId)
        encoder.write(genesisHash)
        encoder.write(height)
        encoder.write(block)
        encoder.write(certificate)
        encoder.write(nextHeader)
        encoder.write(nextCertificate)
        encoder.write(sequence: transitions)
        encoder.write(sequence: chunks)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let version = try decoder.readUInt8()
        guard version == Self.formatVersion else { throw .unknownVariant(type: "SnapshotManifest version", tag: UInt64(version)) }
        chainId = try decoder.readText(field: "snapshot.chainId", limit: Limits.chainIdBytesMax)
        genesisHash = try decoder.read()
        height = try decoder.readUInt64()
        block = try decoder.read()
        certificate = try decoder.read()
        nextHeader = try decoder.read()
        nextCertificate = try decoder.read()
        transitions = try decoder.readSequence(field: "snapshot.transitions", limit: EvidenceLimits.transitionsMax)
        chunks = try decoder.readSequence(field: "snapshot.chunks", limit: SnapshotLimits.chunksMax)
    }
}

/// Why state sync or a snapshot import did not take a snapshot (docs/adr/0017-state-sync.md).
public enum StateSyncError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The header that carries the snapshot's state root is not certified by the chain's validators.
    case headerNotCertified(height: UInt64, reason: String)
    /// The manifest is inconsistent with its own certified header.
    case manifestRejected(height: UInt64, reason: String)
    /// A chunk does not match what the verified manifest lists.
    case chunkRejected(height: UInt64, index: Int, reason: String)
    /// No peer offered a snapshot in time.
    case noSnapshot(waitedMs: UInt64, peers: Int)
    /// A chunk could not be fetched from any peer.
    case chunkUnavailable(height: UInt64, index: Int, attempts: Int)
    case malformed(String)
    case storage(String)

    public var description: String {
        switch self {
        case .headerNotCertified(let height, let reason): "snapshot header \(height) is not certified: \(reason)"
        case .manifestRejected(let height, let reason): "snapshot manifest at height \(height) rejected: \(reason)"
        case .chunkRejected(let height, let index, let reason): "snapshot \(height) chunk \(index) rejected: \(reason)"
        case .noSnapshot(let waited, let peers): "no peer offered a verifiable snapshot within \(waited) ms (\(peers) peers linked)"
        case .chunkUnavailable(let height, let index, let attempts):
            "snapshot \(height) chunk \(index) could not be fetched after \(attempts) attempts"
        case .malformed(let reason): "not a snapshot: \(reason)"
        case .storage(let message): "storage: \(message)"
        }
    }
}
