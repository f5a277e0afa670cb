import ChildProcesses
import Foundation
import Synchronization
import TestProcesses

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `sbp node start --home DIR` process, which may be started, stopped, killed and started again.
///
/// Every start appends to the same log file (the node's standard output and error), after a line naming the
/// start, so a test can read the whole history of a node. A watchdog SIGKILLs each process after
/// `lifetimeMax` in case the test process is wedged and never reaches its cleanup.
final class NodeProcess: Sendable {
    let name: String
    let home: String
    let logPath: String
    let rpc: RPCClient
    /// Overrides of the node's config (`SBP_P2P_PORT`, `SBP_RPC_PORT`, ...).
    let environment: [String: String]
    private let executable: URL
    private let state = Mutex(State())

    static let lifetimeMax: Double = 600
    static let exitTimeout: Duration = .seconds(30)

    private struct State {
        var process: ChildProcess?
        var starts = 0
        /// Variables added to `environment` from the next start on.
        var extraEnvironment: [String: String] = [:]
        /// Another executable (`sbp-byzantine`) and its extra options, from the next start on (fault injection).
        var faulty: (executable: URL, arguments: [String])?
    }

    /// Adds environment variables for the next start and every later one.
    func addEnvironment(_ variables: [String: String]) {
        state.withLock { $0.extraEnvironment.merge(variables) { $1 } }
    }

    /// Runs the node as the test-only `sbp-byzantine` with `arguments` (its fault options) from the next
    /// start on: the production `sbp` binary has no switch that makes a node misbehave.
    func misbehave(with arguments: [String]) throws {
        let executable = try HelperExecutable.locate("sbp-byzantine")
        state.withLock { $0.faulty = (executable, arguments) }
    }

    /// Runs the node as the next build from the next start on: the test-only `sbp-byzantine --as-next-build`,
    /// the same node code with `BuildCapabilities.nextBuildRehearsal` (one more chain and peer protocol version).
    func runAsNextBuild() throws {
        let executable = try HelperExecutable.locate("sbp-byzantine")
        state.withLock { $0.faulty = (executable, ["--as-next-build"]) }
    }

    /// Rewrites the node's `config.toml` (before a start): each text is replaced by the one it maps to, and
    /// one that is not there is an error, so a test notices when the rendered config changes under it.
    func editConfig(_ replacements: KeyValuePairs<String, String>) throws {
        let path = home + "/config.toml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        for (old, new) in replacements {
            guard text.contains(old) else { throw ConfigTextMissing(path: path, text: old) }
            text = text.replacingOccurrences(of: old, with: new)
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A text `editConfig` was to replace is not in the config.
    struct ConfigTextMissing: Error, CustomStringConvertible {
        let path: String
        let text: String
        var description: String { "\(path) does not contain \(text.debugDescription)" }
    }

    /// Runs the node as the production `sbp` again from the next start on (after `misbehave(with:)`).
    func behave() {
        state.withLock { $0.faulty = nil }
    }

    init(name: String, home: String, rpcURL: URL, executable: URL, environment: [String: String] = [:]) {
        self.name = name
        self.home = home
        self.logPath = (home as NSString).appendingPathComponent("node.log")
        self.rpc = RPCClient(url: rpcURL)
        self.executable = executable
        self.environment = environment
    }

    var dataDirectory: String { (home as NSString).appendingPathComponent("data") }

    var isRunning: Bool { state.withLock { $0.process?.isRunning ?? false } }

    /// The pid of the running process, if any.
    var pid: Int32? { state.withLock { $0.process.flatMap { $0.isRunning ? $0.processIdentifier : nil } } }

    /// Starts the node; it must not be running.
    func start() throws {
        try state.withLock { state in
            precondition(state.process?.isRunning != true, "\(name) is already running")
            state.starts += 1
            if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? log.close() }
            try log.seekToEnd()
            try log.write(contentsOf: Data("=== integration test: start \(state.starts) of \(name) ===\n".utf8))
            let process = Process()
            process.executableURL = state.faulty?.executable ?? executable
            process.arguments = ["node", "start", "--home", home] + (state.faulty?.arguments ?? [])
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                .merging(state.extraEnvironment) { $1 }
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = log
            process.standardError = log
            let child = try ChildProcess(launching: process)
            state.process = child
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.lifetimeMax) { [weak child] in child?.send(SIGKILL) }
        }
    }

    /// SIGTERM, then waits for the process to exit (a graceful stop); SIGKILL if it does not in time.
    func stop() async throws {
        guard let process = state.withLock({ $0.process }), process.isRunning else { return }
        process.send(SIGTERM)
        if await process.exit(within: Self.exitTimeout) == nil {
            process.send(SIGKILL)
            _ = await process.exit()
            throw ExitTimeout(name: name, signal: SIGTERM, timeout: Self.exitTimeout)
        }
    }

    /// SIGKILL, then waits for the process to be gone: a crash at an arbitrary instant.
    func kill() async throws {
        guard let process = state.withLock({ $0.process }), process.isRunning else { return }
        process.send(SIGKILL)
        if await process.exit(within: Self.exitTimeout) == nil {
            throw ExitTimeout(name: name, signal: SIGKILL, timeout: Self.exitTimeout)
        }
    }

    /// A node that did not exit in time after a signal.
    struct ExitTimeout: Error, CustomStringConvertible {
        let name: String
        let signal: Int32
        let timeout: Duration
        var description: String { "\(name) did not exit within \(timeout) of signal \(signal)" }
    }

    /// SIGKILL and wait for the exit: the cleanup path of a test, which must not throw. The kernel ends
    /// a SIGKILLed process at once, so the wait is short; it blocks only its caller's thread, on a semaphore.
    func killNow() {
        guard let process = state.withLock({ $0.process }), process.isRunning else { return }
        process.send(SIGKILL)
        _ = process.waitForExit(within: Self.exitTimeout)
    }

    /// How the last run ended, if it has.
    var exitDescription: String? {
        state.withLock { state in state.process?.exitIfEnded?.description }
    }

    /// Deletes the node's data directory (it must be stopped); the start marker beside it stays.
    func wipeData() throws {
        precondition(!isRunning, "wipe \(name) only while it is stopped")
        try FileManager.default.removeItem(atPath: dataDirectory)
    }

    // MARK: Logs

    /// The node's log so far.
    func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Log lines containing every one of `fragments`.
    func logLines(containing fragments: String...) -> [Substring] {
        log().split(separator: "\n").filter { line in fragments.allSatisfy { line.contains($0) } }
    }

    /// The last `count` lines of the log.
    func logTail(_ count: Int) -> String {
        log().split(separator: "\n", omittingEmptySubsequences: false).suffix(count).joined(separator: "\n")
    }
}

/// `kill(2)`, under a name that does not collide with `NodeProcess.kill()`.
func sendSignal(_ signal: Int32, to pid: pid_t) {
    _ = kill(pid, signal)
}
