import ChainTypes
import ContractVM
import Foundation

/// Runs `ReplaySequence` on a fresh contract VM over fresh in-memory storage, as one node would.
///
/// Shared by `sbp-contract-replay` (one run per process) and `ContractVMTests` (the same run in the test
/// process), so the sequence the two-process determinism test compares exists exactly once.
public struct ContractReplay: Sendable {
    public static let licenceName = "licence_registry"
    public static let certificateName = "certificate_registry"
    /// The caller of every transaction in the sequence.
    public static let caller = Address(bytes: [UInt8](repeating: 0xAB, count: 20))!
    /// The height of the first call's block; each call gets the next one.
    public static let firstHeight: UInt64 = 10

    let licenceCode: [UInt8]
    let certificateCode: [UInt8]
    let calls: [ReplayCall]

    /// Loads both standard contracts and their interfaces from `directory` (normally `Genesis/contracts`).
    public init(contractsDirectory directory: URL) throws {
        func load(_ file: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(file)) }
        func codec(_ name: String) throws -> ABICodec {
            ABICodec(interface: try JSONDecoder().decode(ContractInterface.self, from: try load("\(name).interface.json")))
        }
        licenceCode = Array(try load("\(Self.licenceName).wasm"))
        certificateCode = Array(try load("\(Self.certificateName).wasm"))
        calls = try ReplaySequence.calls(licence: try codec(Self.licenceName), certificate: try codec(Self.certificateName))
    }

    /// Deploys both contracts, runs every call in order (applying the writes of each successful one) and
    /// returns the transcript.
    public func run() throws(ContractValidationError) -> ReplayTranscript {
        let vm = ContractVM()
        let storage = InMemoryContractStorage()
        for (code, address) in [(licenceCode, ReplaySequence.licenceAddress), (certificateCode, ReplaySequence.certificateAddress)] {
            try vm.validate(code: code)
            storage.deploy(code: code, at: address)
        }
        var outcomes: [ContractOutcome] = []
        for (index, call) in calls.enumerated() {
            let height = Self.firstHeight + UInt64(index)
            let context = CallContext(
                contract: call.contract, caller: Self.caller, callerDepartment: call.department, callerRoles: call.roles,
                blockHeight: height, blockTimestamp: 1_700_000_000 + height * 2, input: call.input, fuelLimit: call.fuelLimit)
            let outcome = vm.call(context, storage: storage)
            if outcome.status == .success { storage.apply(outcome.writes) }
            outcomes.append(outcome)
        }
        return ReplayTranscript(calls: calls, outcomes: outcomes)
    }
}
