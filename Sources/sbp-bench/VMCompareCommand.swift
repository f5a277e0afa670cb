import ArgumentParser
import Foundation

/// `sbp-bench vm-compare`: WasmKit (metered and unmetered) against wasmtime and wasm3 on the same CPU-bound
/// module, in one run and one table.
///
/// Contracts run in WasmKit, an interpreter pinned because its fuel accounting is consensus (DESIGN §6).
/// This measures what that costs against a JIT (wasmtime, with and without its own fuel metering) and
/// another interpreter (wasm3), so docs/performance.md can state it from a single run on one machine.
struct VMCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm-compare",
        abstract: "Compare WasmKit with wasmtime and wasm3 (via Python) on Contracts/bench/sha256_mix.wasm.")

    @Option(help: "A module exporting run(n: i32) -> i32.")
    var module = "Contracts/bench/sha256_mix.wasm"

    @Option(help: "The script that runs the module in the Python engines.")
    var script = "Tools/bench-wasmtime.py"

    @Option(help: "The Python interpreter.")
    var python = "python3"

    @Option(help: "SHA-256 compressions per run(n) call.")
    var compressions: UInt32 = 2000

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 2

    @Flag(help: "Do not pip install missing Python engines.")
    var noInstall = false

    @Option(help: "Output format.")
    var output: OutputFormat = .text

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke {
            compressions = 2
            seconds = 0.01
            noInstall = true
        }
    }

    func run() throws {
        let code = Array(try Data(contentsOf: URL(fileURLWithPath: module)))
        var figures: [Figure] = []
        var fuelFigures: [Figure] = []
        var checksum: UInt32?
        for metered in [true, false] {
            let loop = try WasmKitLoop(code: code, metered: metered)
            let (result, fuelUsed) = try loop.call(compressions)
            precondition(checksum == nil || checksum == result, "WasmKit metered and unmetered disagree: \(result)")
            checksum = result
            let label = metered ? "metered" : "unmetered"
            let callsPerSecond = measure(seconds: seconds, batch: 1) { _ = try! loop.call(compressions) }
            figures.append(
                Figure(
                    id: "wasmkit_\(label)", name: "WasmKit \(WasmKitLoop.version) (\(label))",
                    value: callsPerSecond * Double(compressions), unit: "compressions/s"))
            if let fuelUsed {
                fuelFigures.append(
                    Figure(
                        id: "wasmkit_fuel", name: "WasmKit fuel per compression", value: Double(fuelUsed) / Double(compressions),
                        unit: "fuel"))
            }
        }
        let external = PythonEngines.run(
            python: python, script: script, module: module, compressions: compressions, seconds: seconds, install: !noInstall)
        let (engineFigures, engineFuel, skipped) = Self.figures(from: external, expectedChecksum: checksum ?? 0, compressions: compressions)
        figures += engineFigures
        fuelFigures += engineFuel
        figures += Self.ratios(figures)
        try report(figures: figures + fuelFigures, skipped: skipped)
    }

    /// The Python engines' figures, keeping only those whose checksum matches WasmKit's.
    static func figures(
        from external: Result<PythonEngines.Report, PythonEnginesUnavailable>, expectedChecksum: UInt32, compressions: UInt32
    ) -> (figures: [Figure], fuel: [Figure], skipped: [PythonEngines.Skipped]) {
        let report: PythonEngines.Report
        switch external {
        case .failure(let error): return ([], [], [PythonEngines.Skipped(runtime: "wasmtime, pywasm3", reason: error.reason)])
        case .success(let value): report = value
        }
        var figures: [Figure] = []
        var fuel: [Figure] = []
        var skipped = report.skipped
        for result in report.results {
            guard result.checksum == expectedChecksum else {
                skipped.append(
                    PythonEngines.Skipped(
                        runtime: result.name, reason: "wrong result: checksum \(result.checksum), WasmKit computed \(expectedChecksum)"))
                continue
            }
            figures.append(Figure(id: result.id, name: result.name, value: result.compressionsPerSecond, unit: "compressions/s"))
            if let perCall = result.fuelPerCall {
                fuel.append(
                    Figure(
                        id: "\(result.id)_fuel", name: "wasmtime fuel per compression", value: Double(perCall) / Double(compressions),
                        unit: "fuel"))
            }
        }
        return (figures, fuel, skipped)
    }

    /// Each other engine's speed as a multiple of metered WasmKit (what contracts run on).
    static func ratios(_ figures: [Figure]) -> [Figure] {
        guard let base = figures.first(where: { $0.id == "wasmkit_metered" }), base.value > 0 else { return [] }
        return figures.filter { $0.id != base.id }.map { figure in
            Figure(id: "\(figure.id)_ratio", name: "\(figure.name) ÷ WasmKit (metered)", value: figure.value / base.value, unit: "×")
        }
    }

    private func report(figures: [Figure], skipped: [PythonEngines.Skipped]) throws {
        switch output {
        case .text:
            print(Machine.current().description)
            print("module:  \(module), run(\(compressions)) per call, \(seconds) s per figure")
            print(Figure.table(figures))
            for engine in skipped { print("skipped: \(engine.runtime): \(engine.reason)") }
        case .json:
            struct Report: Encodable {
                let machine: Machine
                let figures: [Figure]
                let skipped: [PythonEngines.Skipped]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = Report(machine: Machine.current(), figures: figures, skipped: skipped)
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}
