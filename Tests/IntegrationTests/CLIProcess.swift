import ChildProcesses
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the built `sbp` executable as a client of a test network, the way a user would, and captures what
/// it prints.
///
/// Standard output and standard error go to temporary files, so a chatty command can never block on a
/// full pipe; the process is killed if it outlives `timeout` (every command has its own, shorter waits).
struct CLIProcess: Sendable {
    let executable: URL
    /// The node the commands talk to (`--rpc`).
    let rpcURL: String
    /// Where `--sign-only` records the nonces it signed (`SBP_NONCE_DIR`), so tests never write to the home directory.
    var nonceDirectory = NSTemporaryDirectory() + "sbp-cli-nonces"
    /// A program that runs `sbp` (e.g. `strace … -o LOG`): each command is `wrapper… sbp arguments…`.
    var wrapper: [String] = []

    static let timeout: Duration = .seconds(90)

    struct Result: Sendable {
        /// The executable's file name (`sbp`, `sbp-bench`, `bench-rpc`).
        var program = "sbp"
        var arguments: [String]
        var status: Int32
        var standardOutput: String
        var standardError: String

        var summary: String {
            "\(program) \(arguments.joined(separator: " ")) exited \(status)\nstdout: \(standardOutput)\nstderr: \(standardError)"
        }
    }

    /// Runs `sbp arguments…` to completion.
    func run(_ arguments: [String]) async throws -> Result {
        guard let tool = wrapper.first else {
            return try await Self.run(executable, arguments, environment: ["SBP_NONCE_DIR": nonceDirectory])
        }
        return try await Self.run(
            URL(fileURLWithPath: tool), wrapper.dropFirst() + [executable.path] + arguments, environment: ["SBP_NONCE_DIR": nonceDirectory])
    }

    /// Runs `executable arguments…` to completion with `environment` added to this process's, in
    /// `currentDirectory` when given; kills it if it outlives `timeout`.
    static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil,
        timeout: Duration = timeout
    ) async throws -> Result {
        let directory = NSTemporaryDirectory() + "sbp-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outputPath = directory + "/stdout"
        let errorPath = directory + "/stderr"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let child = try ChildProcess(launching: process)
        let exit: ChildProcess.Exit
        if let ended = await child.exit(within: timeout) {
            exit = ended
        } else {
            child.send(SIGKILL)
            exit = await child.exit()
        }
        return Result(
            program: executable.lastPathComponent, arguments: arguments, status: exit.status,
            standardOutput: String(decoding: try Data(contentsOf: URL(fileURLWithPath: outputPath)), as: UTF8.self),
            standardError: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errorPath)), as: UTF8.self))
    }

    /// Runs a command against the network's node with `--output json`, requires exit status 0 and standard
    /// output that is one JSON object, and returns it.
    func json(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await run(arguments + ["--rpc", rpcURL, "--output", "json"])
        guard result.status == 0 else { throw CLIFailure(result: result, problem: "non-zero exit status") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] else {
            throw CLIFailure(result: result, problem: "standard output is not one JSON object")
        }
        return object
    }

    struct CLIFailure: Error, CustomStringConvertible {
        let result: Result
        let problem: String
        var description: String { "\(problem): \(result.summary)" }
    }
}
