@_spi(Fuzzing) import WasmKit

/// Denies `memory.grow` beyond `ContractLimits.memoryPagesMax`; the instruction then returns -1.
final class MemoryLimiter: ResourceLimiter {
    static let shared = MemoryLimiter()

    func limitMemoryGrowth(to desired: Int) throws -> Bool {
        desired <= ContractLimits.memoryPagesMax * ContractLimits.pageBytes
    }

    func limitTableGrowth(to desired: Int) throws -> Bool {
        desired <= ContractLimits.functionsMax
    }
}
