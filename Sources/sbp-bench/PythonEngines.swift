import ChildProcesses
import Foundation

/// Runs `Tools/bench-wasmtime.py` (wasmtime and wasm3 from PyPI) on the benchmark module and reads its
/// JSON report.
///
/// The other engines are reached through Python because their PyPI packages are what this machine can
/// install (no Rust or C toolchain downloads). Anything that goes wrong — no Python, no pip, no network —
/// comes back as a reason to print: a benchmark never fails a build.
enum PythonEngines {
    /// One engine's measurement, as the script reports it.
    struct EngineFigure: Decodable {
        let id: String
        let name: String
        let compressionsPerSecond: Double
        let checksum: UInt32
        let fuelPerCall: UInt64?
    }

    /// An engine the script could not run, and why.
    struct Skipped: Codable {
        let runtime: String
        let reason: String
    }

    struct Report: Decodable {
        let python: String
        let results: [EngineFigure]
        let skipped: [Skipped]
    }

    /// Starts `python script module --compressions n --seconds s` and decodes its standard output; the
    /// script's progress and pip's messages pass through to standard error.
    static func run(
        python: String, script: String, module: String, compressions: UInt32, seconds: Double, install: Bool
    ) -> Result<Report, PythonEnginesUnavailable> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [python, script, module, "--compressions", String(compressions), "--seconds", String(seconds)]
            + (install ? [] : ["--no-install"])
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        let child: ChildProcess
        do {
            child = try ChildProcess(launching: process)
        } catch {
            return .failure(PythonEnginesUnavailable(reason: "cannot start \(python): \(error)"))
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let exit = child.waitForExit()
        guard exit.succeeded else {
            let hint = exit == ChildProcess.Exit(status: 127, reason: .exit) ? " (\(python) not found)" : ""
            return .failure(PythonEnginesUnavailable(reason: "\(python) \(script) \(exit)\(hint)"))
        }
        do {
            return .success(try JSONDecoder().decode(Report.self, from: data))
        } catch {
            return .failure(PythonEnginesUnavailable(reason: "unreadable report from \(script): \(error)"))
        }
    }
}

/// Why the Python engines could not be measured at all.
struct PythonEnginesUnavailable: Error {
    let reason: String
}
