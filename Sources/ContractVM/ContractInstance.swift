@_spi(Fuzzing) import WasmKit

/// An instantiated contract that is reset to its freshly instantiated state after every successful call.
///
/// WasmKit translates a function to its internal code on first call per instance, so a new instance per
/// call would re-translate the contract every time (20× slower). Reuse is sound because every piece of
/// state a call can leave behind is restored: linear memory is set back to the image taken at
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
    /// The ranges of `image` that hold non-zero bytes (short zero gaps included); the rest is zero.
    private let dataRuns: [Range<Int>]
    private let globals: [(Global, Value)]

    /// Zero gaps shorter than this stay inside a data run: one copy is cheaper than a copy and a clear.
    static let zeroGapBytesMin = 256

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
        dataRuns = Self.dataRuns(of: image, zeroGapBytesMin: Self.zeroGapBytesMin)
        var globals: [(Global, Value)] = []
        for (_, value) in instance.exports {
            if case .global(let global) = value { globals.append((global, global.value)) }
        }
        self.globals = globals
    }

    /// Restores memory and globals to their state right after instantiation; false when that is impossible
    /// (memory grew), and the instance must be dropped.
    ///
    /// Most of a contract's memory is zero at instantiation (its stack, buffers, the unused rest), so only
    /// the ranges holding initialised data are copied back and the rest is cleared, which writes the same
    /// bytes as copying the whole image without reading it (the copy of 128 KiB per call was 1.5 % of a
    /// ledger benchmark's time; issue 18).
    func reset() -> Bool {
        guard memory.byteCount == image.count else { return false }
        memory.withUnsafeMutableBufferPointer(offset: 0, count: image.count) { target in
            image.withUnsafeBytes { source in
                var restored = 0
                for run in dataRuns {
                    Self.zero(target, restored..<run.lowerBound)
                    UnsafeMutableRawBufferPointer(rebasing: target[run]).copyMemory(from: UnsafeRawBufferPointer(rebasing: source[run]))
                    restored = run.upperBound
                }
                Self.zero(target, restored..<target.count)
            }
        }
        for (global, value) in globals where global.value != value {
            do { try global.assign(value) } catch { return false }
        }
        return true
    }

    private static func zero(_ buffer: UnsafeMutableRawBufferPointer, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        UnsafeMutableRawBufferPointer(rebasing: buffer[range]).initializeMemory(as: UInt8.self, repeating: 0)
    }

    /// The ranges of `image` holding its non-zero bytes, in order and disjoint, each zero gap between two of
    /// them at least `zeroGapBytesMin` long.
    static func dataRuns(of image: [UInt8], zeroGapBytesMin: Int) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        var index = 0
        while index < image.count {
            guard image[index] != 0 else {
                index += 1
                continue
            }
            var end = index + 1
            while end < image.count && image[end] != 0 { end += 1 }
            if let last = runs.last, index - last.upperBound < zeroGapBytesMin {
                runs[runs.count - 1] = last.lowerBound..<end
            } else {
                runs.append(index..<end)
            }
            index = end
        }
        return runs
    }
}
