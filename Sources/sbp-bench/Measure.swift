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

/// One printed line of the report.
struct Figure {
    let name: String
    let value: Double
    let unit: String

    var line: String {
        let number: String
        if value >= 100 { number = String(Int(value.rounded())) } else { number = String(format: "%.2f", value) }
        return name.padding(toLength: 44, withPad: " ", startingAt: 0) + number.leftPadded(to: 12) + " " + unit
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
