import Storage
import Synchronization

/// The finalized state that admission checks share until the next block is finalized: one store snapshot,
/// the chain parameters decoded once, and the flat-state values read through the snapshot.
///
/// Why: `Ledger.check` took a store snapshot, read and decoded the chain parameters, and read the sender's
/// account and department for every transaction it admitted (10.6 % of four validators' CPU in a closed
/// loop, issue 18), though none of them changes until a block is finalized. A check uses these reads only
/// when they hold at least the finalized height it read first, as its own snapshot would; once a block is
/// finalized, the next check takes a new snapshot (`Ledger.admissionReads(atLeast:)`).
///
/// Reads are answered from the snapshot, never from anything newer or older, so a check reading through
/// this sees exactly what it would through a snapshot of its own taken at the same moment. Safe to share
/// between threads: the snapshot is, and the remembered values sit behind a lock.
final class AdmissionReads: KeyValueReader {
    /// The finalized height read before the snapshot was taken: the snapshot holds at least its state.
    let height: UInt64
    /// The chain parameters in the snapshot, or why they could not be read (the check reports it).
    let parameters: Result<ChainParameters, LedgerError>
    private let snapshot: any KeyValueSnapshot
    /// Flat-state values read so far (nil: absent), at most `LedgerLimits.admissionReadsMax` of them and
    /// `LedgerLimits.admissionReadsBytesMax` bytes of keys and values.
    private let values = Mutex<(byKey: [[UInt8]: [UInt8]?], bytes: Int)>(([:], 0))

    init(height: UInt64, snapshot: any KeyValueSnapshot) {
        self.height = height
        self.snapshot = snapshot
        self.parameters = Result { () throws(LedgerError) in
            let state = BlockState(reader: snapshot)
            let parameters = Result { () throws(LedgerError) in try state.parameters() }
            // A read that failed reads as absent; report the failure, not missing parameters.
            if let failure = state.failure { throw .storage(failure) }
            return try parameters.get()
        }
    }

    /// Values read through the snapshot and remembered (tests check the bound).
    var rememberedCount: Int { values.withLock { $0.byKey.count } }

    /// Bytes of keys and values remembered (tests check the bound).
    var rememberedBytes: Int { values.withLock { $0.bytes } }

    func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? {
        guard family == .indexes else { return try snapshot.get(key, in: family) }
        if let known = values.withLock({ $0.byKey[key] }) { return known }
        let value = try snapshot.get(key, in: family)
        let bytes = key.count + (value?.count ?? 0)
        values.withLock { values in
            guard values.byKey[key] == nil, values.byKey.count < LedgerLimits.admissionReadsMax,
                bytes <= LedgerLimits.admissionReadsBytesMax - values.bytes
            else { return }
            values.byKey[key] = .some(value)
            values.bytes += bytes
        }
        return value
    }

    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
        try snapshot.scan(prefix: prefix, after: after, limit: limit, in: family)
    }
}
