import ArgumentParser
import ChainTypes
import Foundation
import Ledger
import Logging
import Node

/// `sbp-byzantine node start --home DIR`: a real validator that misbehaves on purpose, for integration tests.
///
/// Test-only (issue 13, deliver 8): the production `sbp` binary has no switch that makes a node
/// misbehave. This one runs the same `NodeRuntime` with `NodeFaults`: with `--seed`, every consensus
/// message it sends may be mutated (`Mutator`); with `--censor-sender`, as primary it leaves one sender's
/// transactions out of every proposal; with `--withhold-blocks-from`, it answers no request for committed
/// blocks from the peers named; with `--as-next-build`, it runs as the next release would
/// (`BuildCapabilities.nextBuildRehearsal`), so a rolling upgrade between two builds is tested from one binary.
@main
struct ByzantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbp-byzantine", abstract: "Run a deliberately faulty SBP validator (tests only).",
        subcommands: [NodeCommand.self])

    struct NodeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "node", subcommands: [StartCommand.self])
    }

    struct StartCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a faulty node from DIR/config.toml.")

        @Option(help: "The node's directory, holding config.toml.")
        var home: String

        @Option(help: "Configuration file, relative to --home.")
        var config: String = "config.toml"

        @Option(help: "Seed of the message mutations; without it, messages are sent as they are.")
        var seed: UInt64?

        @Option(help: "Percent of outgoing consensus messages that are mutated.")
        var mutatePercent: Int = 40

        @Option(help: "An address whose transactions this node, as primary, leaves out of every proposal.")
        var censorSender: String?

        @Option(help: "A peer (node name) whose requests for committed blocks this node leaves unanswered; repeatable.")
        var withholdBlocksFrom: [String] = []

        @Flag(help: "Act as the next build: execute one more chain protocol version and speak one more peer protocol version.")
        var asNextBuild = false

        @Option(help: "Stale tree nodes one pruning step deletes (storage.history = \"recent N\"): a slow pruner.")
        var pruneStepNodes: Int?

        @Option(help: "Milliseconds the pruning thread pauses after each step (with --prune-step-nodes).")
        var pruneStepPauseMs: Int = 0

        func run() async throws {
            let configuration = try NodeConfiguration.load(file: (home as NSString).appendingPathComponent(config))
            let logger = NodeLogging.logger(
                label: "sbp.byzantine", format: configuration.log.format, level: configuration.log.level, node: configuration.nodeName)
            var faults = NodeFaults()
            if let censorSender {
                guard let censored = Address(hex: censorSender) else { throw ValidationError("--censor-sender: not an address") }
                logger.warning(
                    "fault injection: this node leaves one sender's transactions out of its proposals", metadata: ["sender": "\(censored)"])
                faults.proposal = { batch in batch.filter { $0.body.sender != censored } }
            }
            if !withholdBlocksFrom.isEmpty {
                let withheld = Set(withholdBlocksFrom)
                logger.warning("fault injection: this node withholds committed blocks", metadata: ["from": "\(withheld.sorted())"])
                faults.withholdBlocks = { withheld.contains($0) }
            }
            if let pruneStepNodes {
                guard pruneStepNodes >= 1, pruneStepPauseMs >= 0 else { throw ValidationError("--prune-step-nodes must be at least 1") }
                logger.warning(
                    "fault injection: this node prunes its tree history slowly",
                    metadata: ["nodesPerStep": "\(pruneStepNodes)", "pauseMs": "\(pruneStepPauseMs)"])
                let pause = pruneStepPauseMs
                let stepLogger = logger
                faults.pruning = (
                    pruneStepNodes,
                    { deleted, complete in
                        stepLogger.info(
                            "fault injection: pruning step (round \(complete ? "complete" : "in progress"))",
                            metadata: ["nodes": "\(deleted)"])
                        // The fault itself: the pruning thread (never the pool) is slowed down.
                        if !complete && pause > 0 { Thread.sleep(forTimeInterval: Double(pause) / 1000) }
                    }
                )
            }
            if let seed {
                let chainId = try GenesisBundle.load(path: configuration.genesisFile).genesis.chainId
                let mutator = Mutator(
                    seed: seed, key: try configuration.loadConsensusKey(), chainId: chainId, mutatePercent: mutatePercent, logger: logger)
                logger.warning("fault injection: this node mutates its consensus messages", metadata: ["seed": "\(seed)"])
                faults.outgoing = { message in mutator.rewrite(message) }
            }
            let capabilities: BuildCapabilities = asNextBuild ? .nextBuildRehearsal : .thisBuild
            if asNextBuild {
                logger.warning(
                    "rehearsal: this node acts as the next build",
                    metadata: [
                        "chainProtocolVersions": "\(capabilities.chainProtocolVersions)",
                        "peerProtocolVersions": "\(capabilities.peerProtocolVersions)",
                    ])
            }
            let node = try NodeRuntime(configuration: configuration, logger: logger, faults: faults, capabilities: capabilities)
            try await node.run()
        }
    }
}
