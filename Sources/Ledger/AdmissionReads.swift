import ChainTypes
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
    /// Flat-state values read so far (nil: absent) and senders looked up so far, at most
    /// `LedgerLimits.admissionReadsMax` of each and `LedgerLimits.admissionReadsBytesMax` bytes of keys and
    /// values together.
    private let values = Mutex<Remembered>(Remembered())

    private struct Remembered {
        var byKey: [[UInt8]: [UInt8]?] = [:]
        var senders: [Address: Sender] = [:]
        var bytes = 0
    }

    /// What admission reads of a sender in the snapshot: its account, and whether the department the account
    /// names exists.
    struct Sender: Sendable, Equatable {
        /// nil: the snapshot holds no account for the address.
        let account: AccountRecord?
        /// false when there is no account.
        let departmentExists: Bool
    }

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

    /// Senders looked up through `sender(_:)` and remembered (tests check the bound).
    var rememberedSenders: Int { values.withLock { $0.senders.count } }

    /// The account of `address` and whether its department exists, in the snapshot: decoded once per sender
    /// and finalized height, then answered from memory.
    ///
    /// Why: every check of a sender's transaction read the same account and department again, each read
    /// hashing a state key, building a flat-state key, looking it up and decoding the record (2.4 µs of a
    /// validator's CPU per transaction under four validators, issue 18). The snapshot does not change, so
    /// the answer does not either; the next finalized block brings new `AdmissionReads` and so a new read.
    /// A failed read is thrown and not remembered.
    func sender(_ address: Address) throws(LedgerError) -> Sender {
        if let known = values.withLock({ $0.senders[address] }) { return known }
        let state = BlockState(reader: snapshot)
        let account = try state.account(address)
        let departmentExists = account.map { state.departmentExists($0.department) } ?? false
        if let failure = state.failure { throw .storage(failure) }
        let sender = Sender(account: account, departmentExists: departmentExists)
        // The address, the record's department and roles, and the dictionary's own overhead.
        let bytes = Address.byteCount + (account.map { $0.department.utf8.count + $0.roles.count } ?? 0) + 64
        values.withLock { values in
            guard values.senders[address] == nil, values.senders.count < LedgerLimits.admissionReadsMax,
                bytes <= LedgerLimits.admissionReadsBytesMax - values.bytes
            else { return }
            values.senders[address] = sender
            values.bytes += bytes
        }
        return sender
    }

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
