import ArgumentParser

/// Options of every command that reads from a node: where the node is and how to print the answer.
struct ReadOptions: ParsableArguments {
    @Option(help: "JSON-RPC URL of a node (default: the first node of `sbp devnet`).")
    var rpc = ReadOptions.rpcDefault

    @Option(help: "Output format: text or json (json prints only JSON on standard output).")
    var output: OutputFormat = .text

    /// The first devnet node's JSON-RPC address (`NodeLimits.rpcBasePortDefault`).
    static let rpcDefault = "http://127.0.0.1:8545"

    var client: JSONRPCClient { JSONRPCClient(url: rpc) }
}
