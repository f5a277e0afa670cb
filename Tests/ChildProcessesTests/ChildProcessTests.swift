import ChildProcesses
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `ChildProcess`: every wait for a child process in SBP, without polling (issue 18, deliver 7).
///
/// The children are `/bin/cat` with a pipe on its standard input: it runs until the test closes the
/// pipe, so no test depends on how long anything takes.
@Suite struct ChildProcessTests {
    /// `cat` reading a pipe the test holds: it exits (status 0) when the test closes `input`.
    static func cat() throws -> (child: ChildProcess, input: Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/cat")
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        return (try ChildProcess(launching: process), input)
    }

    /// Voluntary context switches of the calling thread so far (Linux: /proc/thread-self/status).
    static func voluntarySwitches() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches:") {
            return Int(line.dropFirst("voluntary_ctxt_switches:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    /// CPU time of the calling thread so far, in seconds.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// How often a blocking wait on `child` woke its thread, and the CPU it used, measured on a thread of its own.
    static func measureBlockingWait(_ child: ChildProcess) async -> (switches: Int, cpuSeconds: Double) {
        await withCheckedContinuation { continuation in
            Thread {
                let switches = voluntarySwitches()
                let cpu = threadCPUSeconds()
                _ = child.waitForExit()
                continuation.resume(returning: (voluntarySwitches() - switches, threadCPUSeconds() - cpu))
            }.start()
        }
    }

    /// The regression of issue 18: Foundation's `waitUntilExit` woke its thread every 50 ms, and spun a
    /// core on a thread without run-loop sources. A blocking wait must sleep until the exit: over a window
    /// of about a second its thread is woken a few times at most and uses almost no CPU.
    @Test func waitingForAnExitDoesNotPoll() async throws {
        let (child, input) = try Self.cat()
        async let measured = Self.measureBlockingWait(child)
        // The window in which a polling wait would show (a measuring window, not synchronization: the child
        // exits only when its input is closed, and the figures only shrink if the waiter starts late).
        try await Task.sleep(for: .seconds(1))
        try input.fileHandleForWriting.close()
        let (switches, cpuSeconds) = await measured
        #expect(switches <= 5, "the waiting thread was woken \(switches) times in about a second")
        #expect(cpuSeconds < 0.2, "the waiting thread used \(cpuSeconds) s of CPU in about a second")
        #expect(child.exitIfEnded == ChildProcess.Exit(status: 0, reason: .exit))
    }

    @Test func exitCarriesTheStatusOrTheSignal() async throws {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "exit 3"]
        let exited = try await ChildProcess(launching: shell).exit()
        #expect(exited == ChildProcess.Exit(status: 3, reason: .exit))
        #expect(!exited.succeeded)
        #expect(exited.description == "exited with status 3")

        let (child, _) = try Self.cat()
        child.send(SIGKILL)
        let killed = await child.exit()
        #expect(killed == ChildProcess.Exit(status: SIGKILL, reason: .uncaughtSignal))
        #expect(killed.description == "killed by signal \(SIGKILL)")
        #expect(!child.isRunning)
    }

    @Test func aTimedWaitEndsWithNilWhileTheChildRuns() async throws {
        let (child, input) = try Self.cat()
        #expect(await child.exit(within: .milliseconds(20)) == nil)
        #expect(child.waitForExit(within: .milliseconds(20)) == nil)
        #expect(child.isRunning && child.exitIfEnded == nil)
        try input.fileHandleForWriting.close()
        #expect(await child.exit(within: .seconds(600)) == ChildProcess.Exit(status: 0, reason: .exit))
    }

    @Test func everyWaiterIsWokenAndLateWaitersReturnAtOnce() async throws {
        let (child, input) = try Self.cat()
        let exits = try await withThrowingTaskGroup(of: ChildProcess.Exit?.self) { group in
            for index in 0..<8 {
                group.addTask { index.isMultiple(of: 2) ? await child.exit() : await child.exit(within: .seconds(600)) }
            }
            try input.fileHandleForWriting.close()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(exits.count == 8 && exits.allSatisfy { $0 == ChildProcess.Exit(status: 0, reason: .exit) })
        #expect(await child.exit().succeeded)
        #expect(child.waitForExit().succeeded)
        #expect(child.waitForExit(within: .zero)?.succeeded == true)
    }

    @Test func aProcessThatCannotStartThrows() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/nonexistent/sbp-child")
        #expect(throws: (any Error).self) { try ChildProcess(launching: process) }
    }
}
