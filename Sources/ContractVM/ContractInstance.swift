@_spi(Fuzzing) import WasmKit

/// An instantiated contract that is reset to its freshly instantiated state after every successful call.
///
/// WasmKit translates a function to its internal code on first call per instance, so a new instance per
/// call would re-translate the contract every time (20× slower). Reuse is sound because every piece of
/// state a call can leave behind is restored: linear memory is copied back from the image taken at
/// instantiation, exported mutable globals (validation requires every mutable global to be exported) are
/// reassigned, tables cannot be changed (table instructions are rejected), and `memory.init`/`data.drop`
/// are rejected. An instance whose memory grew, or whose call failed, is dropped instead of reused.
final class ContractInstance {
    /// The session of the call in progress; host functions read it.
    final class SessionSlot {
        var session: HostSession?
    }

    let store: Store
    let memory: Memory
    let entry: Function
    let slot: SessionSlot
    private let image: [UInt8]
    private let globals: [(Global, Value)]

    init(module: ContractModule, engine: Engine) throws {
        store = Store(engine: engine)
        store.resourceLimiter = MemoryLimiter.shared
        slot = SessionSlot()
        let instance = try module.module.instantiate(store: store, imports: HostImports.make(for: slot, store: store))
        guard let memory = instance.exports[memory: EntryPoint.memoryName],
            let entry = instance.exports[function: EntryPoint.name]
        else { throw HostAbort.trap("missing export") }
        self.memory = memory
        self.entry = entry
        image = memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { Array($0) }
        var globals: [(Global, Value)] = []
        for (_, value) in instance.exports {
            if case .global(let global) = value { globals.append((global, global.value)) }
        }
        self.globals = globals
    }

    /// Restores memory and globals to their state right after instantiation; false when that is impossible
    /// (memory grew), and the instance must be dropped.
    func reset() -> Bool {
        guard memory.byteCount == image.count else { return false }
        memory.withUnsafeMutableBufferPointer(offset: 0, count: image.count) { $0.copyBytes(from: image) }
        for (global, value) in globals where global.value != value {
            do { try global.assign(value) } catch { return false }
        }
        return true
    }
}
