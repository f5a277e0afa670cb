import ArgumentParser
import Foundation

/// `sbp-bench primitives`: the rates of the operations every block is made of, in one run.
///
/// Encoding, signing, verification (ours and raw libsecp256k1 side by side), SHA-256 and synced block
/// writes to RocksDB, printed as an aligned table or as JSON, under a header naming the machine.
struct PrimitivesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "primitives",
        abstract: "Measure encoding, signatures, hashing and block writes.")

    @Option(help: "Seconds to measure each figure for.")
    var seconds: Double = 2

    @Option(help: "Transactions in each block of the large-block write figure.")
    var blockTransactions: Int = 100

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var mode: SmokeOption

    mutating func validate() throws {
        if mode.smoke {
            seconds = 0.01
            blockTransactions = 2
        }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard (1...10_000).contains(blockTransactions) else {
            throw ValidationError("--block-transactions must be in 1...10000")
        }
    }

    func run() throws {
        let machine = Machine.current()
        var figures = try EncodingBenchmark.run(seconds: seconds)
        figures += try SignatureBenchmarks.run(seconds: seconds)
        figures += HashBenchmarks.run(seconds: seconds)
        figures += try BlockWriteBenchmark.run(seconds: seconds, transactionsPerBlock: blockTransactions)
        figures += try BlockWriteBenchmark.run(seconds: seconds, transactionsPerBlock: 1)
        switch output {
        case .text:
            print("sbp-bench primitives: each figure measured for \(seconds) s")
            print(machine.description)
            print("")
            print(Figure.table(figures))
        case .json:
            let report = PrimitivesReport(secondsPerFigure: seconds, machine: machine, figures: figures)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}

/// The JSON form of a primitives run.
struct PrimitivesReport: Encodable {
    let secondsPerFigure: Double
    let machine: Machine
    let figures: [Figure]
}
