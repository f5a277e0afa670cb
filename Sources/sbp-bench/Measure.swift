import Foundation

/// Runs `operation` in rounds until `seconds` have passed and returns operations per second.
///
/// A benchmark, not a test: figures are printed, never compared against a threshold in CI.
func measure(seconds: Double, batch: Int = 64, _ operation: () -> Void) -> Double {
    let clock = ContinuousClock()
    // Warm-up: caches, lazy initialization, branch predictors.
    for _ in 0..<batch { operation() }
    let start = clock.now
    let budget = Duration.milliseconds(Int64(seconds * 1000))
    var count = 0
    var elapsed = Duration.zero
    repeat {
        for _ in 0..<batch { operation() }
        count += batch
        elapsed = clock.now - start
    } while elapsed < budget
    return Double(count) / elapsed.seconds
}

extension Duration {
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// One measured figure: a line of the text table and an element of the JSON report.
///
/// `id` is a stable snake_case name for scripts; `name` is what people read.
struct Figure: Encodable {
    let id: String
    let name: String
    let value: Double
    let unit: String

    /// The figure as one table line, its name padded to `nameWidth` and its number right-aligned.
    func line(nameWidth: Int = 44) -> String {
        let number: String
        if value >= 100 { number = String(Int(value.rounded())) } else { number = String(format: "%.2f", value) }
        return name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + number.leftPadded(to: 12) + " " + unit
    }

    /// The figures as an aligned table, one per line.
    static func table(_ figures: [Figure]) -> String {
        let nameWidth = (figures.map(\.name.count).max() ?? 0) + 2
        return figures.map { $0.line(nameWidth: nameWidth) }.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}

/// CPU time the calling thread has used, in seconds.
///
/// Why: on this shared two-core machine a block's wall time stretches with other processes' load, while
/// the CPU the calling thread spends executing or finalizing it does not; that is the cost a validator's
/// driver thread pays per block, and before/after pairs measured under load compare it more steadily.
enum ThreadCPUTime {
    static func seconds() -> Double {
        var time = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// CPU time processes have used, user and system together, read from `/proc/<pid>/stat`.
///
/// Why: throughput on this shared two-core machine moves 10-20 % between runs minutes apart, while the
/// CPU the validators spend per committed transaction moves far less; it is the figure a change to the
/// node's per-transaction work shows most clearly, and what a deployment with a core per node pays.
enum ProcessCPUTime {
    /// Seconds `pid` has run on any core, user and system; nil when /proc does not tell.
    static func seconds(of pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return seconds(statLine: text, ticksPerSecond: sysconf(Int32(_SC_CLK_TCK)))
    }

    /// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line, in seconds. The command name (field
    /// 2) is in parentheses and may hold spaces or parentheses itself, so fields are counted after the last ")".
    static func seconds(statLine: String, ticksPerSecond: Int) -> Double? {
        guard ticksPerSecond > 0, let close = statLine.lastIndex(of: ")") else { return nil }
        // After the name: field 3 (state) is the first, so utime (14) and stime (15) are the 12th and 13th.
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return (Double(user) + Double(system)) / Double(ticksPerSecond)
    }

    /// The seconds of every process in `pids` together; nil when any one cannot be read.
    static func seconds(of pids: [Int32]) -> Double? {
        var total = 0.0
        for pid in pids {
            guard let seconds = seconds(of: pid) else { return nil }
            total += seconds
        }
        return total
    }
}
