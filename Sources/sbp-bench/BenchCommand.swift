import ArgumentParser

/// The `sbp-bench` command line: benchmarks that print figures for docs/performance.md.
///
/// A benchmark prints figures and never fails on speed; it is not a test and asserts nothing about
/// timings (it does stop on a wrong result, such as a signature that does not verify).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbp-bench",
        abstract: "SBP benchmarks (build with -c release).",
        subcommands: [
            PrimitivesCommand.self, StateTreeCommand.self, ContractsCommand.self, LedgerCommand.self, PruneCommand.self,
            VMCompareCommand.self,
            NetworkCommand.self, StateSyncCommand.self,
        ])
}

/// `--smoke`: the benchmark's whole path with tiny counts, so `make test` catches a command that no
/// longer runs (issue 18, deliver 8); its figures mean nothing and nothing checks them.
struct SmokeOption: ParsableArguments {
    @Flag(help: "Run with tiny counts to check the command works (make test runs this); the figures mean nothing.")
    var smoke = false
}

/// How a benchmark prints its figures: an aligned table for people (`text`) or JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
