import ArgumentParser
import Foundation
import Keys
import Node
import ProcessAllocator
import RPCServer
import StorageRocksDB

/// `sbp node`: run a node.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Run an SBP node; register your department's nodes and their endpoints.",
        subcommands: [
            NodeStartCommand.self, NodeInitCommand.self, NodeSetEndpoints.self, NodeRegisterObserver.self, NodeRemoveObserver.self,
            NodeRenewCertificate.self, NodeRotateObserver.self, NodeBackupCommand.self,
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
        do {
            if let height = try await StateSync.runIfNeeded(configuration: configuration, logger: logger) {
                logger.notice("state sync: restored the state after height \(height) from a verified snapshot; following blocks from there")
            }
        } catch {
            throw CommandError("node \(configuration.nodeName) cannot join by state sync: \(error)")
        }
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
                "allocator": "\(ProcessAllocator.description)",
                "rocksdb_checksums": "\(RocksDBStore.checksumDescription)",
            ])
        try await node.run()
    }
}

/// `sbp node backup --out DIR`: asks a running node for a consistent copy of its data directory.
struct NodeBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Make a consistent copy of a running node's data directory in DIR, on the node's machine (docs/operations.md).",
        discussion: """
            The node writes a RocksDB checkpoint of its database and a recovery marker into DIR (node_backup). To \
            restore, stop the node, replace its data directory with a copy of DIR and start it: it catches up and \
            votes only where it cannot have voted before, as a wiped node does.
            """)

    @Option(help: "The new backup directory; must not exist. A relative path is taken from the current directory.")
    var out: String

    @Option(help: "JSON-RPC URL of the node, which must be on this machine (a loopback address).")
    var rpc = ReadOptions.rpcDefault

    @Option(help: "File holding an API token of the node (rpc.api_tokens_file), when it configures any.")
    var tokenFile: String?

    func run() async throws {
        let directory =
            out.hasPrefix("/") ? out : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(out)
        var token: String?
        if let tokenFile {
            do {
                let bytes = try BoundedFile.read(tokenFile, bytesMax: RPCLimits.apiTokenBytesMax + 2)
                token = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw CommandError("cannot read --token-file \(tokenFile): \(error.reason)")
            }
        }
        let client = JSONRPCClient(url: rpc, bearerToken: token)
        let result = try await client.object("node_backup", [.string(directory)], timeoutSeconds: CLILimits.backupTimeoutSeconds)
        let path = result["directory"]?.string ?? directory
        let height = result["heightAtLeast"].map { "\($0.rendered(pretty: false))" } ?? "?"
        print("backup written to \(path) (height \(height) or later)")
    }
}
