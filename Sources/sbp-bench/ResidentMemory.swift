import Foundation
import Synchronization

/// Samples the resident memory of a set of processes (the benchmark's nodes) from `/proc/<pid>/statm`
/// while a benchmark runs, and reports each one's peak and median.
///
/// Resident memory is what a deployment must provision per node; sampling it during the load (not after)
/// catches the RocksDB memtables and the mempool at their fullest. A process that has exited, or a
/// system without /proc, simply contributes no samples.
final class ResidentMemorySampler: Sendable {
    /// How often each process is sampled.
    static let interval: Duration = .milliseconds(250)

    private let processes: [Int32]
    private let samples: Mutex<[[Int]]>

    init(processes: [Int32]) {
        self.processes = processes
        samples = Mutex(Array(repeating: [], count: processes.count))
    }

    /// Samples every `interval` until the returned task is cancelled.
    func start() -> Task<Void, Never> {
        Task {
            while !Task.isCancelled {
                sample()
                try? await Task.sleep(for: Self.interval)  // sampling period
            }
        }
    }

    /// Takes one sample of every process now.
    func sample() {
        let now = processes.map { Self.residentBytes(of: $0) }
        samples.withLock { samples in
            for (index, bytes) in now.enumerated() {
                if let bytes { samples[index].append(bytes) }
            }
        }
    }

    /// Peak and median resident bytes per process, in the order given; nil for a process never sampled.
    func summary() -> [(peak: Int, median: Int, samples: Int)?] {
        samples.withLock { samples in
            samples.map { values in
                let sorted = values.sorted()
                guard let peak = sorted.last else { return nil }
                return (peak, sorted[sorted.count / 2], sorted.count)
            }
        }
    }

    /// The resident set of `pid` in bytes: the second field of /proc/<pid>/statm, in pages.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: sysconf(Int32(_SC_PAGESIZE)))
        return overflow ? nil : bytes
    }

    /// This process's peak resident set (`VmHWM` in /proc/self/status), in bytes.
    static func peakResidentBytesOfThisProcess() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            let (bytes, overflow) = kibibytes.multipliedReportingOverflow(by: 1024)
            return overflow ? nil : bytes
        }
        return nil
    }

    /// Bytes as MiB with one decimal.
    static func mebibytes(_ bytes: Int) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }
}
