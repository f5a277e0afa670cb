import ChainTypes
import StateTree
import Storage

/// How much of the state tree's history a node keeps (`storage.history`, docs/operations.md).
///
/// Every version is kept by default, so any past height can be proven; a node that only serves recent
/// proofs keeps the latest versions and prunes the rest, so its tree grows with records, not with time.
/// The choice is the node's, not the chain's: state roots and blocks are the same either way.
public enum StateHistory: Hashable, Sendable, CustomStringConvertible {
    /// Every version since genesis.
    case archive
    /// The latest `versions` versions (at least `LedgerLimits.retainedVersionsMin`).
    case recent(UInt64)

    public var description: String {
        switch self {
        case .archive: "archive"
        case .recent(let versions): "recent \(versions)"
        }
    }
}

/// What one pruning step did.
public struct PruneProgress: Hashable, Sendable {
    /// The oldest height whose state the tree holds after the step.
    public var oldestStateHeight: UInt64
    /// Stale nodes the step deleted.
    public var nodesDeleted: Int
    /// Whether nothing is left to delete for now (until later blocks make more nodes stale).
    public var isComplete: Bool
}

/// Tree-history pruning (docs/state-tree.md §5): deletes the nodes only versions below the oldest kept
/// one reach, in bounded steps that are each one atomic write.
///
/// Crash safety comes from the order of writes: a step first records the new oldest height (with the
/// proofs evidence still needs from below it) in one synced batch, and only later batches delete nodes,
/// all of which only versions below that height reach. A crash at any point leaves every version at or
/// above the recorded height whole; the next step deletes what the interrupted one left. Readers see the
/// oldest height and the tree of one snapshot, so a query never reads a half-pruned version.
extension Ledger {
    /// Metadata key of the oldest height whose state the tree keeps (u64; absent: 0, nothing pruned).
    static let oldestStateHeightKey = StorageFormat.oldestStateHeightKey
    /// Metadata key prefix of a kept validator-set announcement proof (prefix ‖ u64be(activation height)).
    static let announcementProofPrefix = Array("ledger.announcementProof.".utf8)

    static func announcementProofKey(_ activationHeight: UInt64) -> [UInt8] {
        var key = announcementProofPrefix
        IndexKeys.appendBigEndian(activationHeight, to: &key)
        return key
    }

    /// The oldest height whose state the tree holds (0 when nothing was ever pruned).
    public func oldestStateHeight() throws(LedgerError) -> UInt64 {
        try Self.oldestStateHeight(in: store)
    }

    static func oldestStateHeight(in reader: any KeyValueReader) throws(LedgerError) -> UInt64 {
        let bytes: [UInt8]?
        do {
            bytes = try reader.get(oldestStateHeightKey, in: .metadata)
        } catch {
            throw .storage(error)
        }
        guard let bytes else { return 0 }
        do {
            return try UInt64(canonicalBytes: bytes)
        } catch {
            throw .corruption("the oldest state height does not decode: \(error)")
        }
    }

    /// Deletes up to `nodesMax` tree nodes that none of the latest `versions` versions reaches.
    ///
    /// Call it again while the result is not complete. Runs beside execution and finalization: the
    /// versions it deletes are below every version those read, and their writes never touch its keys.
    /// One thread at a time may prune (the node's pruner).
    public func pruneStep(
        keepingVersions versions: UInt64, nodesMax: Int = LedgerLimits.pruneRecordsPerStep
    ) throws(LedgerError) -> PruneProgress {
        precondition(versions >= LedgerLimits.retainedVersionsMin, "the configuration keeps fewer versions than proofs need")
        precondition(nodesMax > 0 && nodesMax <= StorageLimits.scanPairsMax)
        let latest = height
        let target = latest >= versions ? latest - versions + 1 : 0
        var oldest = try Self.oldestStateHeight(in: store)
        if target > oldest {
            try raiseOldestStateHeight(from: oldest, to: target)
            oldest = target
        }
        var writer = KeyValueTreeWriter()
        let deleted: Int
        // Records up to the cursor are deleted, and no record at or below `oldest` is ever written again
        // (new ones are stale since a later height), so the scan resumes after it instead of walking over
        // the deletions again; a restart starts from the front.
        let cursor = pruneCursor.withLock { $0 }
        do {
            deleted = try writer.prune(retaining: oldest, reading: store, recordsMax: nodesMax, after: cursor)
            // Unsynced: the WAL keeps writes in order, so a crash loses at most a suffix of deletions, which
            // the next step repeats; the synced batch that raised the oldest height is before them.
            if deleted > 0 { try store.write(writer.batch, sync: false) }
        } catch {
            throw .storage(error)
        }
        if let last = writer.lastPrunedRecord { pruneCursor.withLock { $0 = last } }
        return PruneProgress(oldestStateHeight: oldest, nodesDeleted: deleted, isComplete: deleted < nodesMax)
    }

    /// Records `target` as the oldest kept height, first keeping the proof of every validator-set
    /// announcement whose version falls below it: an evidence bundle for any later state carries those
    /// proofs (docs/evidence.md), and they cannot be rebuilt once their version is gone.
    private func raiseOldestStateHeight(from oldest: UInt64, to target: UInt64) throws(LedgerError) {
        var batch = WriteBatch()
        let tree = SparseMerkleTree(reader: KeyValueTreeReader(store: store))
        for epoch in try BlockState(reader: store).epochs().epochs where epoch.firstHeight >= 2 {
            let version = epoch.firstHeight - 2
            guard version >= oldest, version < target else { continue }
            do {
                let (_, proof) = try tree.proof(for: StateLayout.announced(epoch.firstHeight), at: version)
                batch.put(proof.canonicalBytes, for: Self.announcementProofKey(epoch.firstHeight), in: .metadata)
            } catch {
                throw .stateTree(error, version: version)
            }
        }
        batch.put(target.canonicalBytes, for: Self.oldestStateHeightKey, in: .metadata)
        // A pruned store no longer holds every state version: builds that assume it must refuse it.
        StorageFormat.recordPartialHistory(in: &batch)
        do {
            try store.write(batch, sync: true)
        } catch {
            throw .storage(error)
        }
    }
}
