import ChainTypes
import Consensus
import Storage

/// The consensus safety journal on disk: records appended with sync before the messages they protect
/// are sent (DESIGN §3, PBFT-NOTES rules 8 and 9), replayed into the replica on restart.
///
/// Records live in the `journal` column family under increasing sequence numbers. The journal is kept
/// short: when a checkpoint becomes stable, records about heights at or below it (which the replica never
/// votes on again) and all but the latest view records are deleted in the same synced batch.
final class JournalStore {
    private let store: any KeyValueStore
    private(set) var records: [(sequence: UInt64, record: JournalRecord)] = []
    private var nextSequence: UInt64 = 1

    /// Loads the journal written before (empty on first start).
    init(store: any KeyValueStore) throws(NodeError) {
        self.store = store
        var after: [UInt8]? = nil
        while true {
            let page: [KeyValuePair]
            do {
                page = try store.scan(prefix: [], after: after, limit: StorageLimits.scanPairsMax, in: .journal)
            } catch {
                throw .storage("reading the consensus journal: \(error)")
            }
            for pair in page {
                guard pair.key.count == 8 else { throw .storage("journal key of \(pair.key.count) bytes") }
                let sequence = pair.key.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                do {
                    records.append((sequence, try JournalRecord(canonicalBytes: pair.value)))
                } catch {
                    throw .storage("journal record \(sequence) does not decode: \(error)")
                }
                nextSequence = sequence + 1
            }
            guard page.count == StorageLimits.scanPairsMax, let last = page.last else { break }
            after = last.key
        }
    }

    var isEmpty: Bool { records.isEmpty }

    /// Writes `newRecords` durably (one synced batch), pruning what a new stable checkpoint makes useless.
    func append(_ newRecords: [JournalRecord]) throws(NodeError) {
        guard !newRecords.isEmpty else { return }
        var batch = WriteBatch()
        for record in newRecords {
            batch.put(record.canonicalBytes, for: Self.key(nextSequence), in: .journal)
            records.append((nextSequence, record))
            nextSequence += 1
        }
        let stable = newRecords.compactMap { record -> UInt64? in
            if case .stableCheckpoint(let height, _) = record { return height }
            return nil
        }.max()
        var kept = records
        if let stable {
            let lastEntered = records.last { if case .enteredView = $0.record { true } else { false } }?.sequence
            let lastChanging = records.last { if case .changingView = $0.record { true } else { false } }?.sequence
            let lastStable = records.last { if case .stableCheckpoint = $0.record { true } else { false } }?.sequence
            kept = []
            for entry in records {
                let obsolete: Bool
                switch entry.record {
                case .enteredView: obsolete = entry.sequence != lastEntered
                case .changingView: obsolete = entry.sequence != lastChanging
                case .stableCheckpoint: obsolete = entry.sequence != lastStable
                case .voted, .prepared: obsolete = (entry.record.height ?? 0) <= stable
                }
                if obsolete { batch.delete(Self.key(entry.sequence), in: .journal) } else { kept.append(entry) }
            }
        }
        do {
            try store.write(batch, sync: true)
        } catch {
            throw .storage("writing the consensus journal: \(error)")
        }
        records = kept
    }

    static func key(_ sequence: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: sequence >> UInt64(56 - 8 * $0)) }
    }
}
