import Foundation
import ProcessAllocator
import StorageRocksDB

/// The machine and moment a benchmark ran on, printed above its figures.
///
/// Figures mean little without the hardware and the load they were taken under, and this machine's
/// cores are shared with other builds, so the load average is recorded too.
struct Machine: Encodable {
    /// Online processors, as `nproc` reports them.
    let processors: Int
    /// The `model name` line of /proc/cpuinfo, or "unknown" where there is none.
    let cpuModel: String
    /// The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown".
    let loadAverage: String
    /// ISO 8601, UTC.
    let date: String
    /// The allocator serving this process's `malloc` (`ProcessAllocator`), which the `sbp` nodes it starts
    /// share (ADR 0024): a figure taken on another allocator is not comparable.
    let allocator: String
    /// How RocksDB's checksums are computed (`RocksDBStore.checksumDescription`, ADR 0025), in this process
    /// and in the `sbp` nodes built beside it.
    let checksums: String

    static func current() -> Machine {
        Machine(
            processors: ProcessInfo.processInfo.activeProcessorCount,
            cpuModel: cpuModel() ?? "unknown",
            loadAverage: loadAverage() ?? "unknown",
            date: ISO8601DateFormatter().string(from: Date()),
            allocator: ProcessAllocator.description,
            checksums: RocksDBStore.checksumDescription)
    }

    /// The header lines of a text report.
    var description: String {
        "machine: \(cpuModel), \(processors) processors (nproc), load average \(loadAverage)\ndate:    \(date)\nmalloc:  \(allocator)\ncrc32c:  \(checksums)"
    }

    private static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    private static func loadAverage() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
