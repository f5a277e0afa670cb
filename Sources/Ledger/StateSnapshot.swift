import ChainTypes
import StateTree
import Storage

/// Bounds of state snapshots (docs/adr/0017-state-sync.md): every count and length a peer or a file
/// supplies is checked against these before anything is allocated.
public enum SnapshotLimits {
    /// The size a maker aims each chunk at; a subtree above it is split by the next nibble.
    public static let chunkBytesTarget = 4 * 1024 * 1024
    /// The largest chunk a decoder accepts: a subtree cannot be split below one leaf, and a nibble holds
    /// at most 16 targets' worth when a maker splits, so twice the target leaves room for that.
    public static let chunkBytesMax = 2 * chunkBytesTarget + StateTreeLimits.valueBytesMax + 1024
    /// Leaves in one chunk: each is at least 36 bytes encoded.
    public static let chunkLeavesMax = chunkBytesMax / 36
    /// Chunks in one manifest (1 M chunks of 4 MiB is 4 TiB of state).
    public static let chunksMax = 1 << 20
}

/// Why a snapshot chunk or its state cannot be taken.
public enum SnapshotError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The chunk's leaves are not sorted and distinct, or not all under its path.
    case chunkMalformed(path: String, reason: String)
    /// The chunk's leaves hash to something other than the manifest lists for its path.
    case chunkHashMismatch(path: String, listed: Hash, computed: Hash)
    /// The rebuilt state's root is not the certified one.
    case rootMismatch(certified: Hash, computed: Hash)
    /// A restore needs an empty store.
    case storeNotEmpty(latestHeight: UInt64)
    case storage(String)

    public var description: String {
        switch self {
        case .chunkMalformed(let path, let reason): "snapshot chunk \(path): \(reason)"
        case .chunkHashMismatch(let path, let listed, let computed):
            "snapshot chunk \(path) hashes to \(computed), the manifest lists \(listed)"
        case .rootMismatch(let certified, let computed): "the snapshot's state hashes to \(computed), the certified root is \(certified)"
        case .storeNotEmpty(let height): "a snapshot is restored only into an empty store; this one holds height \(height)"
        case .storage(let message): "storage: \(message)"
        }
    }
}

/// One leaf of the state tree: its key hash and value (the flat state's entry, docs/ledger.md §3).
public struct SnapshotLeaf: Hashable, Sendable {
    public var key: Hash
    public var value: [UInt8]

    public init(key: Hash, value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// Text of a nibble path for messages, like `NibblePath.description`: `[3a]`.
func nibbleText(_ nibbles: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return "[" + String(nibbles.map { digits[Int($0 & 0xF)] }) + "]"
}

/// What a manifest lists for one chunk: the subtree's nibble path, hash, leaf count and encoded size.
public struct SnapshotChunkInfo: Hashable, Sendable {
    public var nibbles: [UInt8]
    public var hash: Hash
    public var leafCount: UInt64
    public var byteCount: UInt32

    public init(nibbles: [UInt8], hash: Hash, leafCount: UInt64, byteCount: UInt32) {
        self.nibbles = nibbles
        self.hash = hash
        self.leafCount = leafCount
        self.byteCount = byteCount
    }

    var part: SnapshotHashing.Part { SnapshotHashing.Part(nibbles: nibbles, hash: hash, leafCount: leafCount) }

    /// The state root the listed chunks make together, or nil when they are not disjoint subtrees.
    public static func root(of chunks: [SnapshotChunkInfo]) -> Hash? {
        SnapshotHashing.root(of: chunks.map(\.part))
    }
}

/// The leaves of one subtree of a state snapshot, in key order (docs/adr/0017-state-sync.md).
public struct SnapshotChunk: Hashable, Sendable {
    public var nibbles: [UInt8]
    public var leaves: [SnapshotLeaf]

    public init(nibbles: [UInt8], leaves: [SnapshotLeaf]) {
        self.nibbles = nibbles
        self.leaves = leaves
    }

    /// The subtree's hash after checking that the leaves are sorted, distinct and under the path.
    public func verifiedHash() throws(SnapshotError) -> Hash {
        let path = nibbleText(nibbles)
        guard !leaves.isEmpty else { throw .chunkMalformed(path: path, reason: "no leaves") }
        var hashed: [SnapshotHashing.Leaf] = []
        hashed.reserveCapacity(leaves.count)
        var previous: StateKey?
        for leaf in leaves {
            let key = StateKey(hash: leaf.key)
            if let previous, !(previous < key) { throw .chunkMalformed(path: path, reason: "leaves not in strictly ascending key order") }
            for (index, nibble) in nibbles.enumerated() where key.nibble(at: index) != Int(nibble) {
                throw .chunkMalformed(path: path, reason: "leaf \(leaf.key) is outside the chunk's path")
            }
            previous = key
            hashed.append(SnapshotHashing.Leaf(key: key, valueHash: TreeHasher.valueHash(leaf.value)))
        }
        return SnapshotHashing.subtreeHash(hashed, bitDepth: nibbles.count * 4)
    }

    /// Checks the chunk against what the manifest lists for it.
    public func verify(against info: SnapshotChunkInfo) throws(SnapshotError) {
        let path = nibbleText(nibbles)
        guard nibbles == info.nibbles else { throw .chunkMalformed(path: path, reason: "listed as \(nibbleText(info.nibbles))") }
        guard UInt64(leaves.count) == info.leafCount else {
            throw .chunkMalformed(path: path, reason: "\(leaves.count) leaves, the manifest lists \(info.leafCount)")
        }
        let computed = try verifiedHash()
        guard computed == info.hash else { throw .chunkHashMismatch(path: path, listed: info.hash, computed: computed) }
    }

    func info(hash: Hash) -> SnapshotChunkInfo {
        SnapshotChunkInfo(nibbles: nibbles, hash: hash, leafCount: UInt64(leaves.count), byteCount: UInt32(clamping: canonicalBytes.count))
    }
}

extension SnapshotChunkInfo: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(bytes: nibbles)
        encoder.write(hash)
        encoder.write(leafCount)
        encoder.write(byteCount)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        nibbles = try SnapshotChunk.readNibbles(&decoder)
        hash = try decoder.read()
        leafCount = try decoder.readUInt64()
        byteCount = try decoder.readUInt32()
    }
}

extension SnapshotChunk: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(bytes: nibbles)
        encoder.write(UInt32(leaves.count))
        for leaf in leaves {
            encoder.write(leaf.key)
            encoder.write(bytes: leaf.value)
        }
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        nibbles = try Self.readNibbles(&decoder)
        let count = Int(try decoder.readUInt32())
        guard count <= SnapshotLimits.chunkLeavesMax else {
            throw .lengthExceedsLimit(field: "snapshot chunk leaves", length: count, limit: SnapshotLimits.chunkLeavesMax)
        }
        var leaves: [SnapshotLeaf] = []
        leaves.reserveCapacity(min(count, 4096))
        for _ in 0..<count {
            let key: Hash = try decoder.read()
            let value = try decoder.readBytes(field: "snapshot leaf value", limit: StateTreeLimits.valueBytesMax)
            leaves.append(SnapshotLeaf(key: key, value: value))
        }
        self.leaves = leaves
    }

    static func readNibbles(_ decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) -> [UInt8] {
        let nibbles = try decoder.readBytes(field: "snapshot chunk path", limit: StateTreeLimits.pathNibblesMax)
        guard nibbles.allSatisfy({ $0 < 16 }) else { throw .invalidValue(field: "snapshot chunk path", reason: "a nibble above 15") }
        return nibbles
    }
}

extension LedgerView {
    /// The first height whose block this ledger holds (1, or the height of the snapshot it was restored from).
    public func firstHeight() throws(LedgerError) -> UInt64 {
        do {
            guard let bytes = try snapshot.get(BlockStore.Keys.firstHeight, in: .metadata) else { return 1 }
            return try UInt64(canonicalBytes: bytes)
        } catch let error as StorageError {
            throw .storage(error)
        } catch {
            throw .corruption("first height: \(error)")
        }
    }

    /// Cuts the state after `height` (this view's latest) into chunks of about `chunkBytes`, handing each to
    /// `emit` in key order, and returns what a manifest lists for them.
    ///
    /// Reads the flat state (docs/ledger.md §3), which holds exactly the tree's leaves at the latest version,
    /// twice: once for its size, which picks the nibble depth of the cut, then to cut it. A subtree above
    /// `chunkBytes` is split by the next nibble. The listed hashes are checked to combine to the recorded
    /// state root, so a flat state that drifted from the tree is an error, never a snapshot.
    public func snapshotChunks(
        chunkBytes: Int = SnapshotLimits.chunkBytesTarget, emit: (SnapshotChunk, SnapshotChunkInfo) throws -> Void
    ) throws -> [SnapshotChunkInfo] {
        var total = 0
        try scanFlatState { leaf in total += 36 + leaf.value.count }
        var depth = 0
        var share = total
        while share > chunkBytes / 2 && depth < 8 {
            depth += 1
            share /= 16
        }
        var infos: [SnapshotChunkInfo] = []
        var group: [SnapshotLeaf] = []
        var groupPath: [UInt8]?
        func flush() throws {
            guard let path = groupPath, !group.isEmpty else { return }
            try cut(group, path: path, chunkBytes: chunkBytes) { chunk in
                let info = chunk.info(hash: try chunk.verifiedHash())
                infos.append(info)
                try emit(chunk, info)
            }
            group = []
        }
        try scanFlatState { leaf in
            let key = StateKey(hash: leaf.key)
            let path = (0..<depth).map { UInt8(key.nibble(at: $0)) }
            if path != groupPath {
                try flush()
                groupPath = path
            }
            group.append(leaf)
        }
        try flush()
        guard let computed = SnapshotChunkInfo.root(of: infos) else { throw SnapshotError.chunkMalformed(path: "[]", reason: "overlap") }
        guard let roots = try roots(at: height), roots.stateRoot == computed else {
            throw SnapshotError.rootMismatch(certified: try roots(at: height)?.stateRoot ?? .zero, computed: computed)
        }
        return infos
    }

    /// Splits `leaves` (all under `path`) into chunks of at most `chunkBytes` where a nibble split allows.
    private func cut(_ leaves: [SnapshotLeaf], path: [UInt8], chunkBytes: Int, emit: (SnapshotChunk) throws -> Void) throws {
        let bytes = leaves.reduce(0) { $0 + 36 + $1.value.count }
        guard bytes > chunkBytes, leaves.count > 1, path.count < StateTreeLimits.pathNibblesMax else {
            return try emit(SnapshotChunk(nibbles: path, leaves: leaves))
        }
        var start = 0
        while start < leaves.count {
            let nibble = UInt8(StateKey(hash: leaves[start].key).nibble(at: path.count))
            var end = start
            while end < leaves.count && UInt8(StateKey(hash: leaves[end].key).nibble(at: path.count)) == nibble { end += 1 }
            try cut(Array(leaves[start..<end]), path: path + [nibble], chunkBytes: chunkBytes, emit: emit)
            start = end
        }
    }

    /// Every flat-state entry in key order.
    func scanFlatState(_ body: (SnapshotLeaf) throws -> Void) throws {
        let prefix = [IndexKeys.Tag.flatState.rawValue]
        var after: [UInt8]?
        while true {
            let page = try snapshot.scan(prefix: prefix, after: after, limit: StorageLimits.scanPairsMax, in: .indexes)
            for pair in page {
                guard let key = Hash(bytes: Array(pair.key.dropFirst())) else {
                    throw SnapshotError.storage("flat-state key of \(pair.key.count) bytes")
                }
                try body(SnapshotLeaf(key: key, value: pair.value))
            }
            guard page.count == StorageLimits.scanPairsMax, let last = page.last else { return }
            after = last.key
        }
    }
}

/// Writes a verified state snapshot into an empty store: the flat state chunk by chunk, then the tree
/// version, the snapshot's block, its roots and the genesis record (docs/adr/0017-state-sync.md).
///
/// Chunks are written unsynced as they arrive; `finish` rebuilds the tree from the flat state in key order,
/// checks its root against the certified one and writes the rest in one synced batch, so the store claims a
/// height only once everything below that claim is there. The caller restores into a directory of its own
/// and moves it into place after `finish`, so a restore cut short leaves nothing a node would open.
public final class SnapshotRestore {
    let store: any KeyValueStore
    /// Tree nodes written per batch while the tree is rebuilt.
    static let nodesPerBatch = 20_000

    public init(store: any KeyValueStore) throws(SnapshotError) {
        self.store = store
        let latest: UInt64
        do {
            latest = try BlockStore(store: store).latestHeight()
            guard latest == 0, try store.get(IndexKeys.genesisHash, in: .metadata) == nil else {
                throw SnapshotError.storeNotEmpty(latestHeight: latest)
            }
        } catch let error as SnapshotError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Writes a verified chunk's leaves as flat-state entries.
    public func write(_ chunk: SnapshotChunk) throws(SnapshotError) {
        var batch = WriteBatch()
        for leaf in chunk.leaves {
            batch.put(leaf.value, for: IndexKeys.flatState(StateKey(hash: leaf.key)), in: .indexes)
        }
        do {
            try store.write(batch, sync: false)
        } catch {
            throw .storage("\(error)")
        }
    }

    /// Builds tree version `block.height` from the flat state written so far, checks its root against
    /// `stateRoot`, and records the block (the snapshot's height), its certificate, the roots after it,
    /// the first height and the genesis.
    public func finish(
        genesisHash: Hash, block: Block, certificate: CommitCertificate, stateRoot: Hash, receiptsRoot: Hash
    ) throws(SnapshotError) {
        let height = block.height
        do {
            var writer = KeyValueTreeWriter()
            var after: [UInt8]?
            var page: [KeyValuePair] = []
            var index = 0
            var exhausted = false
            let prefix = [IndexKeys.Tag.flatState.rawValue]
            let store = self.store
            let root = try TreeBuilder.build(
                version: height,
                source: {
                    if index == page.count {
                        guard !exhausted else { return nil }
                        page = try store.scan(prefix: prefix, after: after, limit: StorageLimits.scanPairsMax, in: .indexes)
                        index = 0
                        exhausted = page.count < StorageLimits.scanPairsMax
                        after = page.last?.key
                        guard !page.isEmpty else { return nil }
                    }
                    let pair = page[index]
                    index += 1
                    guard let key = Hash(bytes: Array(pair.key.dropFirst())) else {
                        throw SnapshotError.storage("flat-state key of \(pair.key.count) bytes")
                    }
                    return (StateKey(hash: key), pair.value)
                },
                emit: { key, node in
                    writer.write(node: node, at: key)
                    if writer.batch.count >= Self.nodesPerBatch {
                        try store.write(writer.batch, sync: false)
                        writer = KeyValueTreeWriter()
                    }
                })
            guard root == stateRoot else { throw SnapshotError.rootMismatch(certified: stateRoot, computed: root) }
            var batch = writer.batch
            batch.put(
                HeightRoots(stateRoot: stateRoot, receiptsRoot: receiptsRoot).canonicalBytes, for: IndexKeys.roots(height: height),
                in: .indexes)
            batch.put(genesisHash.bytes, for: IndexKeys.genesisHash, in: .metadata)
            let final = try BlockStore(store: store).batch(startingAt: block, certificate: certificate, additionalWrites: batch)
            try store.write(final, sync: true)
        } catch let error as SnapshotError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }
}
