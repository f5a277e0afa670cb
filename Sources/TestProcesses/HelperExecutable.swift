import ChildProcesses
import Foundation

/// Finds the helper executables (`sbp-crash-writer`, `sbp-ledger-worker`, ...) built next to the tests.
///
/// Tests that need a second process (crash consistency, cross-process determinism) run a small
/// executable product of this package; `swift build --build-tests` builds every product into the same
/// directory as the test bundle, so looking beside (and a few levels above, for macOS bundles) is enough.
public enum HelperExecutable {
    /// The executable `name` in the build directory of the running tests.
    public static func locate(_ name: String) throws -> URL {
        var directories: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent())
        if let bundleExecutable = Bundle.main.executableURL {
            directories.append(bundleExecutable.deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        for directory in directories {
            var candidate = directory
            for _ in 0..<4 {
                let url = candidate.appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
                candidate = candidate.deletingLastPathComponent()
            }
        }
        throw Missing(name: name, searched: directories.map(\.path))
    }

    /// The helper was not built.
    public struct Missing: Error, CustomStringConvertible {
        public let name: String
        public let searched: [String]
        public var description: String {
            "\(name) not found next to the test bundle (searched \(searched)); build it with `swift build --build-tests`"
        }
    }

    /// Runs `executable` with `arguments` to completion and returns its standard output, or throws with
    /// its standard error when it exits with a failure status.
    public static func run(_ executable: URL, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let child = try ChildProcess(launching: process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        let exit = child.waitForExit()
        guard exit.succeeded else {
            throw Failed(status: exit.status, errorOutput: String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A helper exited with a failure status.
    public struct Failed: Error, CustomStringConvertible {
        public let status: Int32
        public let errorOutput: String
        public var description: String { "helper exited with status \(status): \(errorOutput)" }
    }
}

/// Splits a pipe's bytes into lines, reading as data arrives; nil at end of file.
public struct LineReader {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private var atEnd = false

    public init(handle: FileHandle) {
        self.handle = handle
    }

    public mutating func nextLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            guard !atEnd else {
                defer { buffer = [] }
                return buffer.isEmpty ? nil : String(decoding: buffer, as: UTF8.self)
            }
            let data = handle.availableData
            if data.isEmpty { atEnd = true } else { buffer += data }
        }
    }
}
