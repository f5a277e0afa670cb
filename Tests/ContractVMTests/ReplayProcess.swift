import ChildProcesses
import Dispatch
import Foundation
import TestProcesses
import Testing

/// One run of the `sbp-contract-replay` executable as a separate process, with its output collected.
///
/// A watchdog kills a process that has not exited within `timeout`, so a hung replay fails the test
/// instead of hanging it; it is a deadline, not synchronization (the test waits for the process to exit).
final class ReplayProcess {
    static let name = "sbp-contract-replay"
    /// A replay takes well under a second in a debug build; this is generous for a loaded machine.
    static let timeout = DispatchTimeInterval.seconds(60)

    private let child: ChildProcess
    private let output = Pipe()
    private let errors = Pipe()

    var processIdentifier: Int32 { child.processIdentifier }

    /// Starts the replay of the contracts in `contracts`.
    init(executable: URL, contracts: URL) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = [contracts.path]
        process.standardOutput = output
        process.standardError = errors
        let child = try ChildProcess(launching: process)
        self.child = child
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.timeout) { child.send(SIGKILL) }
    }

    /// Reads the process's whole standard output, waits for it to exit and returns the output; fails the
    /// test (with its standard error) unless it exited with status 0.
    func finish() -> [UInt8] {
        let bytes = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let exit = child.waitForExit()
        #expect(exit.succeeded, "\(Self.name) \(exit): \(errorText)")
        return bytes
    }

    /// The executable in the build directory of the running tests.
    static func locate() throws -> URL { try HelperExecutable.locate(name) }
}
