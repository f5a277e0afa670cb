import ArgumentParser
import ChainTypes
import ContractVM
import Foundation

/// `sbp-bench contracts`: licence registry calls per second on one core, metered and unmetered.
///
/// Issue #5's acceptance figure is `licence.issue` at 20,000 calls/s or more (VM, host calls and
/// in-memory storage, fuel metering on); docs/performance.md records the run.
struct ContractsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contracts",
        abstract: "Measure licence registry issue and verify calls through the contract VM.")

    @Option(help: "Directory holding licence_registry.wasm and its interface JSON.")
    var contractsDirectory = "Genesis/contracts"

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 2

    @Option(help: "Output format.")
    var output: OutputFormat = .text

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke { seconds = 0.01 }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: contractsDirectory)
        let code = Array(try Data(contentsOf: directory.appendingPathComponent("licence_registry.wasm")))
        let interface = try JSONDecoder().decode(
            ContractInterface.self, from: try Data(contentsOf: directory.appendingPathComponent("licence_registry.interface.json")))
        var figures: [Figure] = []
        for metered in [true, false] {
            let bench = try LicenceBench(code: code, codec: ABICodec(interface: interface), metered: metered)
            let label = metered ? "metered" : "unmetered"
            figures.append(
                Figure(
                    id: "licence_issue_\(label)", name: "licence.issue (\(label))",
                    value: measure(seconds: seconds) { bench.issue() }, unit: "calls/s"))
            figures.append(
                Figure(
                    id: "licence_verify_\(label)", name: "licence.verify (\(label))",
                    value: measure(seconds: seconds) { bench.verify() }, unit: "calls/s"))
            if metered {
                figures.append(
                    Figure(id: "licence_issue_fuel", name: "licence.issue fuel used", value: Double(bench.issueFuel), unit: "fuel"))
                figures.append(
                    Figure(id: "licence_verify_fuel", name: "licence.verify fuel used", value: Double(bench.verifyFuel), unit: "fuel"))
            }
        }
        switch output {
        case .text:
            print(Machine.current().description)
            print(Figure.table(figures))
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        }
    }
}

/// A licence registry in in-memory storage, with a counter for fresh licence ids.
final class LicenceBench {
    static let contract = Address(bytes: [UInt8](repeating: 0x11, count: 20))!
    static let caller = Address(bytes: [UInt8](repeating: 0xAB, count: 20))!
    let vm: ContractVM
    let storage = InMemoryContractStorage()
    let codec: ABICodec
    let holder = Hash.sha256(Array("salt|holder".utf8))
    var issued = 0
    var issueFuel: UInt64 = 0
    var verifyFuel: UInt64 = 0

    init(code: [UInt8], codec: ABICodec, metered: Bool) throws {
        vm = ContractVM(metered: metered)
        self.codec = codec
        try vm.validate(code: code)
        storage.deploy(code: code, at: Self.contract)
        issue()
    }

    func context(_ input: [UInt8]) -> CallContext {
        CallContext(
            contract: Self.contract, caller: Self.caller, callerDepartment: "TD", callerRoles: [.issuer],
            blockHeight: 100, blockTimestamp: 1_800_000_000, input: input, fuelLimit: 10_000_000)
    }

    func issue() {
        let input = try! codec.encodeCall(
            method: "issue",
            values: [.text("L-\(issued)"), .text("driving"), .hash(holder), .u64(100), .u64(1000), .text("class B")])
        issued += 1
        let outcome = vm.call(context(input), storage: storage)
        precondition(outcome.status == .success, "issue failed: \(outcome.status)")
        storage.apply(outcome.writes)
        issueFuel = outcome.fuelUsed
    }

    func verify() {
        let input = try! codec.encodeCall(method: "verify", values: [.text("L-0"), .hash(holder), .u64(500)])
        let outcome = vm.call(context(input), storage: storage)
        precondition(outcome.status == .success && outcome.returnData == [0], "verify failed: \(outcome.status)")
        verifyFuel = outcome.fuelUsed
    }
}
