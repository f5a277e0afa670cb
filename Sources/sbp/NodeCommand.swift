import ArgumentParser
import Foundation
import Node

/// `sbp node`: run a node.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Run an SBP node; register your department's nodes and their endpoints.",
        subcommands: [
            NodeStartCommand.self, NodeInitCommand.self, NodeSetEndpoints.self, NodeRegisterObserver.self, NodeRemoveObserver.self,
            NodeRenewCertificate.self, NodeRotateObserver.self,
        ])
}

/// `sbp node start --home DIR`: runs one node from `DIR/config.toml` until SIGTERM or SIGINT.
struct NodeStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a node from DIR/config.toml (as written by `sbp network init`); stops cleanly on Ctrl-C or SIGTERM.")

    @Option(help: "The node's directory, holding config.toml (see docs/operations.md).")
    var home: String

    @Option(help: "Configuration file, relative to --home.")
    var config: String = "config.toml"

    func run() async throws {
        let path = (home as NSString).appendingPathComponent(config)
        let configuration: NodeConfiguration
        do {
            configuration = try NodeConfiguration.load(file: path)
        } catch {
            throw CommandError("\(error)")
        }
        let logger = NodeLogging.logger(
            label: "sbp.node", format: configuration.log.format, level: configuration.log.level, node: configuration.nodeName)
        let node: NodeRuntime
        do {
            node = try NodeRuntime(configuration: configuration, logger: logger)
        } catch {
            throw CommandError("cannot start node \(configuration.nodeName): \(error)")
        }
        logger.info(
            "node starting",
            metadata: [
                "p2p": "\(configuration.p2p.host):\(configuration.p2p.port)",
                "rpc": "http://\(configuration.rpc.host):\(configuration.rpc.port)",
            ])
        try await node.run()
    }
}
