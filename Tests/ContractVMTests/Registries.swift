import ChainTypes
import Foundation

@testable import ContractVM

/// The two standard contracts, deployed from `Genesis/contracts` into in-memory storage.
final class Registries {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let licenceAddress = Address(bytes: [UInt8](repeating: 0x11, count: 20))!
    static let certificateAddress = Address(bytes: [UInt8](repeating: 0x22, count: 20))!
    static let holder = Hash.sha256(Array("salt|holder-a".utf8))
    static let otherHolder = Hash.sha256(Array("salt|holder-b".utf8))

    static func code(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent("Genesis/contracts/\(name).wasm")))
    }

    static func codec(_ name: String) throws -> ABICodec {
        let data = try Data(contentsOf: root.appendingPathComponent("Genesis/contracts/\(name).interface.json"))
        return ABICodec(interface: try JSONDecoder().decode(ContractInterface.self, from: data))
    }

    let vm: ContractVM
    let storage = InMemoryContractStorage()
    let licence: ABICodec
    let certificate: ABICodec
    var height: UInt64 = 10

    init(metered: Bool = true) throws {
        vm = ContractVM(metered: metered)
        licence = try Registries.codec("licence_registry")
        certificate = try Registries.codec("certificate_registry")
        for (name, address) in [("licence_registry", Registries.licenceAddress), ("certificate_registry", Registries.certificateAddress)] {
            let code = try Registries.code(name)
            try vm.validate(code: code)
            storage.deploy(code: code, at: address)
        }
    }

    /// Calls a licence registry method with text arguments and applies the writes on success.
    @discardableResult
    func licence(
        _ method: String, _ arguments: [String], department: String = "TD", roles: [ContractRole] = [.issuer]
    ) throws -> ContractOutcome {
        try run(Registries.licenceAddress, licence.encodeCall(method: method, arguments: arguments), department, roles)
    }

    @discardableResult
    func certificate(
        _ method: String, _ arguments: [String], department: String = "IMMD", roles: [ContractRole] = [.issuer]
    ) throws -> ContractOutcome {
        try run(Registries.certificateAddress, certificate.encodeCall(method: method, arguments: arguments), department, roles)
    }

    func run(_ contract: Address, _ input: [UInt8], _ department: String, _ roles: [ContractRole]) -> ContractOutcome {
        height += 1
        let context = CallContext(
            contract: contract, caller: Address(bytes: [UInt8](repeating: 0xAB, count: 20))!, callerDepartment: department,
            callerRoles: roles, blockHeight: height, blockTimestamp: 1_700_000_000 + height * 2, input: input,
            fuelLimit: 5_000_000)
        let outcome = vm.call(context, storage: storage)
        if outcome.status == .success { storage.apply(outcome.writes) }
        return outcome
    }

    /// The named result fields of a successful read.
    func read(_ codec: ABICodec, _ method: String, _ outcome: ContractOutcome) throws -> [String: String] {
        let fields = try codec.decodeResult(method: method, bytes: outcome.returnData)
        return Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.label ?? $0.value.description) })
    }

    /// A standard licence issue call's arguments.
    static func issueArguments(
        _ id: String, type: String = "driving", holder: Hash = Registries.holder,
        from: UInt64 = 100, until: UInt64 = 1000
    ) -> [String] {
        [id, type, holder.hex, "\(from)", "\(until)", "class B"]
    }
}
