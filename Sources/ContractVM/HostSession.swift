import ChainTypes
import WasmKit

/// The mutable state of one contract call as its host functions see it: input, output, buffered
/// writes and events, and the fuel host calls charge.
///
/// Reads see this call's own buffered writes first, then committed storage. Nothing reaches storage
/// from here: the VM returns the writes, and the caller applies them only on success.
final class HostSession {
    let context: CallContext
    let storage: any ContractStorage
    let vm: ContractVM
    /// 1 for a transaction's call, one more for each nested query.
    let depth: Int
    /// A query may not write storage or emit events.
    let isReadOnly: Bool
    /// The called instance's memory; set after instantiation, cleared after the call.
    var memory: Memory?
    /// Fuel charged by host calls when the engine does not meter (unmetered benchmarks and tests).
    var unmeteredHostFuel: UInt64 = 0

    // The four buffers skip Swift's run-time exclusivity checks: each is changed only inside one short
    // method of this class that calls out to nothing while it holds the access (no host call re-enters a
    // session; a query runs on a session of its own), so no two accesses can overlap. The checks cost a
    // thread-local lookup per access, several per host call (issue 18).
    @exclusivity(unchecked) private(set) var output: [UInt8] = []
    @exclusivity(unchecked) private(set) var events: [Event] = []
    @exclusivity(unchecked) private(set) var writes: [StorageWrite] = []
    /// Index into `writes` per key, built only once a call has buffered more than `scannedWritesMax` writes
    /// (below that, `writes` is searched in order): looked up only, never iterated, so hash order never
    /// reaches output.
    @exclusivity(unchecked) private var writeIndex: [[UInt8]: Int] = [:]

    /// Up to this many buffered writes, a key is found by comparing it with each one in turn, which costs
    /// less than hashing it: a typical call writes two or three keys, and hashing every key read and written
    /// into a dictionary built per call was a tenth of the host calls' time (issue 18). Beyond it, the
    /// dictionary keeps a call of up to `ContractLimits.storageWritesMax` writes from comparing quadratically.
    static let scannedWritesMax = 8

    init(context: CallContext, storage: any ContractStorage, vm: ContractVM, depth: Int, isReadOnly: Bool) {
        self.context = context
        self.storage = storage
        self.vm = vm
        self.depth = depth
        self.isReadOnly = isReadOnly
    }

    // MARK: Fuel

    /// Charges `amount` to the store's budget, or traps with out of fuel.
    func charge(_ amount: UInt64, store: Store) throws(HostAbort) {
        guard let fuel = store.fuel else {
            unmeteredHostFuel &+= amount
            return
        }
        guard fuel.remaining >= amount else { throw .outOfFuel }
        store.fuel = Fuel(remaining: fuel.remaining - amount)
    }

    /// The fuel left for a nested query.
    func remainingFuel(store: Store) -> UInt64 {
        store.fuel?.remaining ?? context.fuelLimit
    }

    // MARK: Memory

    /// Copies `length` bytes at `pointer` out of contract memory, trapping on an out-of-bounds range.
    func read(_ pointer: UInt32, _ length: UInt32, limit: Int, what: String) throws(HostAbort) -> [UInt8] {
        guard Int(length) <= limit else { throw .trap("\(what) of \(length) bytes exceeds the limit of \(limit)") }
        guard let memory, Int(pointer) + Int(length) <= memory.byteCount else {
            throw .trap("\(what): memory access out of bounds")
        }
        if length == 0 { return [] }
        return memory.withUnsafeBufferPointer(offset: UInt(pointer), count: Int(length)) { Array($0) }
    }

    /// The text of `length` bytes at `pointer` in contract memory, or nil when they are not UTF-8; traps as
    /// `read` does. Validated in place: an event topic is a few bytes, and copying them to an array first
    /// cost an allocation per event.
    func text(_ pointer: UInt32, _ length: UInt32, limit: Int, what: String) throws(HostAbort) -> String? {
        guard Int(length) <= limit else { throw .trap("\(what) of \(length) bytes exceeds the limit of \(limit)") }
        guard let memory, Int(pointer) + Int(length) <= memory.byteCount else {
            throw .trap("\(what): memory access out of bounds")
        }
        if length == 0 { return "" }
        return memory.withUnsafeBufferPointer(offset: UInt(pointer), count: Int(length)) { String(validating: $0, as: UTF8.self) }
    }

    /// Copies `bytes` into contract memory at `pointer`, trapping on an out-of-bounds range.
    func write(_ bytes: some Collection<UInt8>, at pointer: UInt32, what: String) throws(HostAbort) {
        guard let memory, Int(pointer) + bytes.count <= memory.byteCount else {
            throw .trap("\(what): memory access out of bounds")
        }
        if bytes.isEmpty { return }
        memory.withUnsafeMutableBufferPointer(offset: UInt(pointer), count: bytes.count) { buffer in
            buffer.copyBytes(from: bytes)
        }
    }

    // MARK: Output, storage, events

    func appendOutput(_ bytes: [UInt8]) throws(HostAbort) {
        guard output.count + bytes.count <= ContractLimits.outputBytesMax else {
            throw .trap("output exceeds the limit of \(ContractLimits.outputBytesMax) bytes")
        }
        output.append(contentsOf: bytes)
    }

    func storedValue(key: [UInt8]) -> [UInt8]? {
        if let index = bufferedWrite(key: key) { return writes[index].value }
        return storage.value(contract: context.contract, key: key)
    }

    func bufferWrite(key: [UInt8], value: [UInt8]?) throws(HostAbort) {
        guard !isReadOnly else { throw .trap("storage write in a read-only query") }
        if let index = bufferedWrite(key: key) {
            writes[index].value = value
            return
        }
        guard writes.count < ContractLimits.storageWritesMax else {
            throw .trap("more than \(ContractLimits.storageWritesMax) storage writes")
        }
        writes.append(StorageWrite(contract: context.contract, key: key, value: value))
        if writes.count > Self.scannedWritesMax {
            if writeIndex.isEmpty {
                for (index, write) in writes.enumerated() { writeIndex[write.key] = index }
            } else {
                writeIndex[key] = writes.count - 1
            }
        }
    }

    /// The position in `writes` of the write buffered for `key`, if any (`writes` holds one entry per key).
    private func bufferedWrite(key: [UInt8]) -> Int? {
        guard writes.count > Self.scannedWritesMax else { return writes.firstIndex { $0.key == key } }
        return writeIndex[key]
    }

    /// Buffers an event; `topic` is nil when its bytes are not UTF-8 (checked last, as ever).
    func emit(topic: String?, data: [UInt8]) throws(HostAbort) {
        guard !isReadOnly else { throw .trap("event emitted in a read-only query") }
        guard events.count < ContractLimits.eventsMax else {
            throw .trap("more than \(ContractLimits.eventsMax) events")
        }
        guard let topic else { throw .trap("event topic is not UTF-8") }
        events.append(Event(contract: context.contract, topic: topic, data: data))
    }
}
