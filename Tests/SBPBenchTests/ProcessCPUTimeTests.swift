import Foundation
import Testing

@testable import sbp_bench

/// The validators' CPU figure of the network benchmark (`ProcessCPUTime`, `NetworkCommand.cpuLine`).
@Suite struct ProcessCPUTimeTests {
    @Test("utime and stime are read after the command name, even when it holds spaces and parentheses")
    func statLineFields() throws {
        // Fields 3 to 15 of a real line; utime 250 and stime 50 ticks.
        let line = "4242 (sbp (node) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 12 0 100 0 0"
        let seconds = try #require(ProcessCPUTime.seconds(statLine: line, ticksPerSecond: 100))
        #expect(abs(seconds - 3.0) < 1e-9)
        #expect(ProcessCPUTime.seconds(statLine: "4242 (sbp) S 1 2", ticksPerSecond: 100) == nil)
        #expect(ProcessCPUTime.seconds(statLine: line, ticksPerSecond: 0) == nil)
    }

    @Test("this process's CPU time is read and grows as it works")
    func ownProcess() throws {
        let pid = ProcessInfo.processInfo.processIdentifier
        let before = try #require(ProcessCPUTime.seconds(of: pid))
        // Spin until the kernel's tick-granular count moves; bounded so a broken reader fails, not hangs.
        var after = before
        var spins = 0
        while after == before, spins < 2_000 {
            var sum = 0
            for value in 0..<200_000 { sum &+= value &* value }
            #expect(sum != 1)
            after = try #require(ProcessCPUTime.seconds(of: pid))
            spins += 1
        }
        #expect(after > before)
    }

    @Test("the CPU line divides by transactions and validators")
    func cpuLine() {
        let line = NetworkCommand.cpuLine(before: 10, after: 14, validators: 4, transactions: 10_000, seconds: 2)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let share = Int((4.0 / 2 / Double(cores) * 100).rounded())
        #expect(line == "4.00 core-seconds, 100.0 µs per transaction and validator, \(share)% of \(cores) cores over the phase")
        #expect(NetworkCommand.cpuLine(before: nil, after: 14, validators: 4, transactions: 1, seconds: 1).hasPrefix("-"))
    }
}
