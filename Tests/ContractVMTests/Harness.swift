import ChainTypes
import WAT

@testable import ContractVM

/// Builds modules from WAT text and runs calls against in-memory storage.
struct Harness {
    static let contract = Address(bytes: [UInt8](repeating: 0xC0, count: 20))!
    static let other = Address(bytes: [UInt8](repeating: 0xC1, count: 20))!
    static let sender = Address(bytes: [UInt8](repeating: 0x5E, count: 20))!

    let vm: ContractVM
    let storage = InMemoryContractStorage()

    init(metered: Bool = true) { vm = ContractVM(metered: metered) }

    /// A contract module: the given imports, body functions, and the required memory and exports.
    static func module(imports: String = "", memory: String = "(memory (export \"memory\") 1 2)", body: String) -> String {
        "(module \(imports) \(memory) \(body))"
    }

    static func wasm(_ text: String) throws -> [UInt8] { try wat2wasm(text) }

    func deploy(_ text: String, at address: Address = Harness.contract) throws {
        let code = try Harness.wasm(text)
        try vm.validate(code: code)
        storage.deploy(code: code, at: address)
    }

    func call(
        _ input: [UInt8] = [], fuel: UInt64 = 1_000_000, department: String = "TD", roles: [ContractRole] = [.issuer],
        at address: Address = Harness.contract, apply: Bool = true
    ) -> ContractOutcome {
        let context = CallContext(
            contract: address, caller: Harness.sender, callerDepartment: department, callerRoles: roles,
            blockHeight: 7, blockTimestamp: 1_700_000_000, input: input, fuelLimit: fuel)
        let outcome = vm.call(context, storage: storage)
        if apply && outcome.status == .success { storage.apply(outcome.writes) }
        return outcome
    }
}
