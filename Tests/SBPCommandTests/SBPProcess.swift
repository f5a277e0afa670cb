import ChildProcesses
import Foundation
import Testing

/// Runs the built `sbp` executable as a subprocess and captures what it prints.
///
/// The binary is looked up next to the test bundle (`.build/debug/sbp`, the directory of
/// `CommandLine.arguments[0]`), so the tests exercise exactly what `swift build` produced.
struct SBPProcess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static func executable() throws -> URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundleDirectory.appendingPathComponent("sbp")]
        // `swift test` may run the bundle from inside `SBPPackageTests.xctest/…`; walk up a few levels.
        var directory = bundleDirectory
        for _ in 0..<4 {
            directory = directory.deletingLastPathComponent()
            candidates.append(directory.appendingPathComponent("sbp"))
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw SBPNotBuilt(searched: candidates.map(\.path))
        }
        return found
    }

    struct SBPNotBuilt: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            "the sbp executable was not found (run `swift build --build-tests` first); looked in: \(searched.joined(separator: ", "))"
        }
    }

    /// Runs `sbp arguments…` with `environment` added to a minimal environment and stdin from /dev/null;
    /// with a `wrapper` (e.g. `strace …`), runs `wrapper… sbp arguments…`.
    static func run(_ arguments: [String], environment: [String: String] = [:], wrapper: [String] = []) throws -> Result {
        let process = Process()
        if let tool = wrapper.first {
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = wrapper.dropFirst() + [try executable().path] + arguments
        } else {
            process.executableURL = try executable()
            process.arguments = arguments
        }
        var base = ["PATH": "/usr/bin:/bin"]
        if let home = ProcessInfo.processInfo.environment["HOME"] { base["HOME"] = home }
        process.environment = base.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let child = try ChildProcess(launching: process)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        return Result(
            status: child.waitForExit().status,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }
}

/// A temporary directory for one test, removed afterwards.
func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let path = NSTemporaryDirectory() + "sbp-command-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    try body(path)
}
