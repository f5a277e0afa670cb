import ContractVM
import WasmKit

/// The CPU-bound benchmark module instantiated in WasmKit, with or without fuel metering.
///
/// It uses WasmKit directly rather than `ContractVM.call` so that it runs exactly the module the other
/// engines run (no contract ABI, no host calls) and the figures compare engines, not harnesses. The stack
/// size is the contract VM's; metering is the same engine switch the VM sets.
final class WasmKitLoop {
    /// The WasmKit version Package.swift pins (exact: fuel accounting is consensus-critical).
    static let version = "0.4.2"
    /// The export the module must provide: `run(n: i32) -> i32`.
    static let entryName = "run"
    /// A budget no benchmark call exhausts, set before each metered call.
    static let fuelBudget: UInt64 = 1 << 62

    struct MissingExport: Error, CustomStringConvertible {
        var description: String { "the module does not export \(WasmKitLoop.entryName)(n: i32) -> i32" }
    }

    let isMetered: Bool
    private let store: Store
    private let entry: Function

    init(code: [UInt8], metered: Bool) throws {
        isMetered = metered
        let engine = Engine(
            configuration: EngineConfiguration(stackSize: ContractLimits.interpreterStackBytes, fuelMetering: metered))
        store = Store(engine: engine)
        let instance = try parseWasm(bytes: code).instantiate(store: store)
        guard let entry = instance.exports[function: Self.entryName] else { throw MissingExport() }
        self.entry = entry
    }

    /// Calls `run(n)` and returns its checksum and, when metered, the fuel the call used.
    func call(_ n: UInt32) throws -> (checksum: UInt32, fuelUsed: UInt64?) {
        if isMetered { store.fuel = Fuel(remaining: Self.fuelBudget) }
        let results = try entry.invoke([.i32(n)])
        guard results.count == 1, case .i32(let checksum) = results[0] else { throw MissingExport() }
        return (checksum, store.fuel.map { Self.fuelBudget - $0.remaining })
    }
}
