import ChainTypes
import Keys
import LedgerFixtures
import Storage
import Synchronization
import Testing

@testable import Ledger

/// Admission checks share one snapshot, the decoded chain parameters and the values read through them
/// until the next block is finalized (`AdmissionReads`, issue 18). These check that sharing never changes
/// a verdict: a check after a finalized block sees that block, as a check with a snapshot of its own did.
extension AdmissionTests {
    @Test func aCheckAfterAFinalizedBlockSeesTheNonceItConsumed() throws {
        let first = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        #expect(check(first) == nil, "admitted against genesis, which the shared reads now hold")
        try chain.commit([first], on: ledger)
        #expect(check(first) == .nonceTooLow(expected: 1, received: 0))
        #expect(check(try chain.licenceCall("issue", issueArguments("L-2"), from: issuer)) == nil)
    }

    @Test func aCheckAfterAFinalizedSuspensionRefusesTheSender() throws {
        let call = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        #expect(check(call) == nil)
        try chain.commit([chain.account(.suspend(address: issuer.address), from: chain.admins["TD"]!)], on: ledger)
        #expect(check(call) == .senderSuspended(issuer.address))
    }

    @Test func aCheckAfterAParameterChangeUsesTheNewParameters() throws {
        let admins = chain.departments.map { chain.admins[$0]! }
        var parameters = chain.genesis.consensus
        parameters.transactionFuelMax = 1_000_000
        let call = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer, fuelLimit: 2_000_000)
        #expect(check(call) == nil, "within the genesis transactionFuelMax")
        try chain.commit(
            [
                chain.governance(
                    .propose(change: .setConsensusParameters(parameters), activationHeight: 0, description: "less fuel"), from: admins[0])
            ], on: ledger)
        #expect(check(call) == nil, "proposed, not yet activated")
        try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admins[$0]) }, on: ledger)
        #expect(try ledger.view().parameters().consensus.transactionFuelMax == 1_000_000)
        #expect(check(call) == .transactionFuelTooHigh(fuelLimit: 2_000_000, transactionFuelMax: 1_000_000))
    }

    @Test func readsOfAnOlderHeightAreNeverUsed() throws {
        let old = try ledger.admissionReads(atLeast: 0)
        #expect(try ledger.admissionReads(atLeast: 0) === old, "shared while the height stays")
        // A check that read a later finalized height gets a new snapshot, never the older reads.
        let newer = try ledger.admissionReads(atLeast: 1)
        #expect(newer !== old)
        #expect(newer.height == 1)
        // A check that read the earlier height may use the newer reads: its own snapshot, taken now, would
        // hold that state too.
        #expect(try ledger.admissionReads(atLeast: 0) === newer)
    }

    @Test func aSenderIsReadOnceAndThenAnsweredFromMemory() throws {
        let reads = try ledger.admissionReads(atLeast: ledger.height)
        #expect(reads.rememberedSenders == 0)
        #expect(check(try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)) == nil)
        #expect(check(try chain.licenceCall("issue", issueArguments("L-2"), from: issuer), pending: 1) == nil)
        #expect(reads.rememberedSenders == 1, "both checks of one sender share one read")
        let sender = try reads.sender(issuer.address)
        #expect(sender.account == (try ledger.view().account(issuer.address)))
        #expect(sender.departmentExists)
        let stranger = try reads.sender(FixtureChain.key("stranger").address)
        #expect(stranger == AdmissionReads.Sender(account: nil, departmentExists: false))
        #expect(reads.rememberedSenders == 2, "an unknown sender is remembered as unknown")
    }

    @Test func aRoleRemovedByAFinalizedBlockRefusesTheSendersNextTransaction() throws {
        let first = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        let second = try chain.licenceCall("issue", issueArguments("L-2"), from: issuer)
        #expect(check(first) == nil, "the sender's account is now remembered for this height")
        #expect(check(second, pending: 1) == nil)
        try chain.commit(
            [first, chain.account(.setRoles(address: issuer.address, roles: [.auditor]), from: chain.admins["TD"]!)], on: ledger)
        #expect(check(second) == .roleNotAllowed(kind: .call, required: [.admin, .issuer, .submitter]))
    }

    @Test func aDepartmentRemovedByAFinalizedBlockRefusesItsAccountsNextTransaction() throws {
        let admins = chain.departments.map { chain.admins[$0]! }
        let call = try chain.licenceCall("issue", issueArguments("L-1"), from: chain.issuers["DH"]!)
        #expect(check(call) == nil, "the sender and its department are now remembered for this height")
        try chain.commit(
            [chain.governance(.propose(change: .removeDepartment(id: "DH"), activationHeight: 0, description: "merge"), from: admins[0])],
            on: ledger)
        #expect(check(call) == nil)
        try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admins[$0]) }, on: ledger)
        while try ledger.view().proposal(1)?.status != .activated {
            #expect(check(call) == nil, "the department stays until the removal activates")
            try chain.commit([], on: ledger)
        }
        #expect(check(call) == .departmentRemoved("DH"))
    }

    @Test func finalizingABlockReleasesTheSharedSnapshot() throws {
        let before = try ledger.admissionReads(atLeast: 0)
        try chain.commit([], on: ledger)
        let after = try ledger.admissionReads(atLeast: 0)
        #expect(after !== before, "a check after the block reads a snapshot taken after it")
    }

}

/// The values `AdmissionReads` remembers: bounded, and always what its snapshot holds.
@Suite struct AdmissionReadsTests {
    @Test func rememberedValuesStayWithinTheirBoundAndReadsPastItStillAnswer() throws {
        let store = MemoryKeyValueStore()
        let count = LedgerLimits.admissionReadsMax + 10
        var batch = WriteBatch()
        for index in 0..<count { batch.put([UInt8(index & 0xFF)], for: Self.key(index), in: .indexes) }
        try store.write(batch, sync: false)
        let reads = AdmissionReads(height: 0, snapshot: try store.snapshot())
        for index in 0..<count { #expect(try reads.get(Self.key(index), in: .indexes) == [UInt8(index & 0xFF)]) }
        #expect(try reads.get(Self.key(count), in: .indexes) == nil)
        #expect(reads.rememberedCount == LedgerLimits.admissionReadsMax)
        // Later writes are invisible: reads come from the snapshot, remembered or not.
        var later = WriteBatch()
        later.put([0xAA], for: Self.key(0), in: .indexes)
        later.put([0xAA], for: Self.key(count - 1), in: .indexes)
        try store.write(later, sync: false)
        #expect(try reads.get(Self.key(0), in: .indexes) == [0])
        #expect(try reads.get(Self.key(count - 1), in: .indexes) == [UInt8((count - 1) & 0xFF)])
    }

    @Test func largeValuesAreRememberedOnlyWithinTheByteBound() throws {
        let store = MemoryKeyValueStore()
        let valueBytes = 64 << 10
        let count = LedgerLimits.admissionReadsBytesMax / valueBytes + 8
        var batch = WriteBatch()
        for index in 0..<count { batch.put([UInt8](repeating: UInt8(index & 0xFF), count: valueBytes), for: Self.key(index), in: .indexes) }
        try store.write(batch, sync: false)
        let reads = AdmissionReads(height: 0, snapshot: try store.snapshot())
        for index in 0..<count { #expect(try reads.get(Self.key(index), in: .indexes)?.count == valueBytes) }
        #expect(reads.rememberedBytes <= LedgerLimits.admissionReadsBytesMax)
        #expect(reads.rememberedCount < count, "the byte bound, not the count bound, stopped remembering")
        #expect(reads.rememberedCount >= LedgerLimits.admissionReadsBytesMax / (valueBytes + 9) - 1)
        #expect(try reads.get(Self.key(count - 1), in: .indexes)?.first == UInt8((count - 1) & 0xFF), "past the bound still answers")
    }

    @Test func rememberedSendersStayWithinTheirBoundAndSendersPastItStillAnswer() throws {
        let reads = AdmissionReads(height: 0, snapshot: try MemoryKeyValueStore().snapshot())
        let addresses = (0..<(LedgerLimits.admissionReadsMax + 10)).map { index in
            Address(bytes: [UInt8](repeating: 0, count: Address.byteCount - 8) + UInt64(index).canonicalBytes)
        }
        for address in addresses.compactMap({ $0 }) {
            #expect(try reads.sender(address) == AdmissionReads.Sender(account: nil, departmentExists: false))
        }
        #expect(reads.rememberedSenders == LedgerLimits.admissionReadsMax)
        #expect(reads.rememberedBytes <= LedgerLimits.admissionReadsBytesMax)
    }

    static func key(_ index: Int) -> [UInt8] { [0xF0] + UInt64(index).canonicalBytes }
}

extension AdmissionTests {
    @Test func aFailedParametersReadFailsOneCheckNotTheHeight() throws {
        let store = FlakySnapshotStore()
        let (chain, ledger) = try makeLedger(store: store)
        let call = try chain.licenceCall("issue", issueArguments("L-1"), from: chain.issuers["TD"]!)
        store.failing.withLock { $0 = true }
        guard case .failure(.unavailable(let reason)) = ledger.check(call, context: AdmissionContext(pendingFromSender: 0)) else {
            Issue.record("a check whose snapshot cannot be read is unavailable")
            return
        }
        #expect(reason.contains("injected read failure"), "the read error, not missing parameters: \(reason)")
        store.failing.withLock { $0 = false }
        #expect(throws: Never.self) { try ledger.check(call, context: AdmissionContext(pendingFromSender: 0)).get() }
    }

    @Test func aFailedSenderReadFailsOneCheckAndIsNotRemembered() throws {
        let store = FlakySnapshotStore()
        let (chain, ledger) = try makeLedger(store: store)
        let first = try chain.licenceCall("issue", issueArguments("L-1"), from: chain.issuers["TD"]!)
        #expect(throws: Never.self) { try ledger.check(first, context: AdmissionContext()).get() }
        // The shared reads (and the parameters) now exist; another sender's account read fails.
        let other = try chain.licenceCall("issue", issueArguments("L-2"), from: chain.issuers["DH"]!)
        store.failing.withLock { $0 = true }
        guard case .failure(.unavailable(let reason)) = ledger.check(other, context: AdmissionContext()) else {
            Issue.record("a check whose sender cannot be read is unavailable")
            return
        }
        #expect(reason.contains("injected read failure"), "the read error, not an unknown sender: \(reason)")
        store.failing.withLock { $0 = false }
        #expect(throws: Never.self) { try ledger.check(other, context: AdmissionContext()).get() }
    }
}

/// An in-memory store whose snapshots fail every read while `failing` is set: a transient read error.
private final class FlakySnapshotStore: KeyValueStore, @unchecked Sendable {
    private let inner = MemoryKeyValueStore()
    let failing = Mutex(false)

    struct Snapshot: KeyValueSnapshot {
        let inner: MemoryKeyValueSnapshot
        let store: FlakySnapshotStore

        func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? {
            if store.failing.withLock({ $0 }) { throw .io(message: "injected read failure") }
            return try inner.get(key, in: family)
        }

        func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
            if store.failing.withLock({ $0 }) { throw .io(message: "injected read failure") }
            return try inner.scan(prefix: prefix, after: after, limit: limit, in: family)
        }
    }

    func write(_ batch: WriteBatch, sync: Bool) throws(StorageError) { try inner.write(batch, sync: sync) }

    func get(_ key: [UInt8], in family: ColumnFamily) throws(StorageError) -> [UInt8]? { try inner.get(key, in: family) }

    func scan(prefix: [UInt8], after: [UInt8]?, limit: Int, in family: ColumnFamily) throws(StorageError) -> [KeyValuePair] {
        try inner.scan(prefix: prefix, after: after, limit: limit, in: family)
    }

    func snapshot() throws(StorageError) -> Snapshot { Snapshot(inner: try inner.snapshot(), store: self) }

    func close() { inner.close() }
}
