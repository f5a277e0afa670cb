import ChainTypes
import Foundation
import Keys
import Ledger
import RPCServer

/// One node's settings, read from its TOML config file (DESIGN §7 "TOML config with environment overrides").
///
/// The file says who the node is, where its keys and data live, which addresses it listens on and which
/// peers it dials. Paths are kept as written; `load(file:environment:)` resolves relative ones against the
/// config file's directory, so a network directory can be moved as a whole. `render()` writes the file
/// back, and parsing the rendered text gives the same value.
public struct NodeConfiguration: Hashable, Sendable {
    /// The node's name; the validator name in genesis and the common name of its TLS certificate.
    public var nodeName: String
    /// The department (genesis department id) the node belongs to.
    public var department: String
    /// `validator` (votes once the chain adds it) or `observer` (follows the chain, never votes;
    /// `node.role`, default validator).
    public var role: NodeRole = .validator
    /// Where the node keeps its ledger and consensus journal.
    public var dataDirectory: String
    /// The genesis document the chain starts from.
    public var genesisFile: String
    public var keys: KeyFiles
    /// Address and port the node accepts peer links on.
    public var p2p: ListenAddress
    /// The other nodes this node dials.
    public var peers: [Peer]
    /// Addresses of running nodes this node dials without knowing their names (`p2p.bootstrap`): any
    /// node whose certificate the chain trusts may answer (`sbp node init --bootstrap`).
    public var bootstrap: [Endpoint] = []
    /// Address and port of the JSON-RPC server.
    public var rpc: ListenAddress
    /// Its CORS origins and limits (`[rpc]` keys besides the address).
    public var rpcOptions: RPCOptions
    /// Port of `/metrics`, `/healthz` and `/readyz`; nil when the RPC server serves them on its own port.
    public var metricsListenPort: Int?
    public var log: LogSettings
    public var mempool: MempoolLimits
    /// Bytes of RocksDB block cache and memtables and the ledger's state tree node cache together (`storage.memory_bytes`).
    public var storageMemoryBytes: Int = NodeLimits.storageMemoryBytesDefault
    /// How many versions of the state tree the node keeps (`storage.history`): every one, or the latest N
    /// with the rest pruned in the background (docs/operations.md, Tree history).
    public var stateHistory: StateHistory = .archive
    /// Days ahead of an expiry of this node's or a peer's TLS certificate (or CA) that the node warns
    /// (`p2p.certificate_expiry_warning_days`).
    public var certificateExpiryWarningDays: Int = NodeLimits.certificateExpiryWarningDaysDefault
    /// How long a primary with nothing pending waits before it proposes an empty block, and half of how long
    /// a backup waits for a commit before it suspects the primary on an idle chain (`node.empty_block_interval_ms`);
    /// nil: never, so an idle chain adds no blocks and a lost primary is replaced once a transaction waits.
    /// Every validator of a network must use the same value (docs/operations.md, Idle chains).
    public var emptyBlockIntervalMs: UInt64? = NodeLimits.emptyBlockIntervalMs
    /// How a node with an empty data directory gets the chain's state (`node.sync`): by replaying every block
    /// from genesis, or from a verified state snapshot its peers serve (docs/adr/0017-state-sync.md).
    public var syncMode: SyncMode = .replay
    /// Every how many blocks the node makes a state snapshot for peers and `sbp snapshot export`
    /// (`storage.snapshot_interval`); 0: never.
    public var snapshotInterval: UInt64 = NodeLimits.snapshotIntervalDefault
    /// How many of its latest snapshots the node keeps on disk (`storage.snapshots_kept`).
    public var snapshotsKept: Int = NodeLimits.snapshotsKeptDefault

    /// How a node with an empty data directory starts (`node.sync`).
    public enum SyncMode: String, Sendable, Equatable {
        /// Replays every block from genesis (state transfer).
        case replay
        /// Restores a verified state snapshot from its peers, then follows blocks from there.
        case snapshot
    }

    /// A configuration with the file's defaults for everything optional (`data`, no peers, text logs at
    /// info, default mempool bounds, metrics on the RPC port).
    public init(
        nodeName: String, department: String, dataDirectory: String = "data", genesisFile: String, keys: KeyFiles,
        p2p: ListenAddress, peers: [Peer] = [], rpc: ListenAddress, rpcOptions: RPCOptions = RPCOptions(), metricsListenPort: Int? = nil,
        log: LogSettings = LogSettings(), mempool: MempoolLimits = MempoolLimits()
    ) {
        self.nodeName = nodeName
        self.department = department
        self.dataDirectory = dataDirectory
        self.genesisFile = genesisFile
        self.keys = keys
        self.p2p = p2p
        self.peers = peers
        self.rpc = rpc
        self.rpcOptions = rpcOptions
        self.metricsListenPort = metricsListenPort
        self.log = log
        self.mempool = mempool
    }

    /// The port `/metrics` and the health checks are served on.
    public var effectiveMetricsPort: Int { metricsListenPort ?? rpc.port }

    /// The files holding the node's secrets and the certificates it presents and trusts.
    public struct KeyFiles: Hashable, Sendable {
        /// The secp256k1 consensus key: a plaintext hex file, or a keystore document when it ends in `.json`.
        public var consensusKeyFile: String
        /// File whose first line is the password of an encrypted consensus key; `SBP_KEYSTORE_PASSWORD` wins.
        public var keystorePasswordFile: String?
        /// The node's PEM TLS certificate, issued by its department CA.
        public var tlsCertificateFile: String
        /// The PEM P-256 private key of that certificate.
        public var tlsKeyFile: String
        /// The PEM certificate of the department CA.
        public var departmentCAFile: String

        public init(
            consensusKeyFile: String, keystorePasswordFile: String? = nil, tlsCertificateFile: String, tlsKeyFile: String,
            departmentCAFile: String
        ) {
            self.consensusKeyFile = consensusKeyFile
            self.keystorePasswordFile = keystorePasswordFile
            self.tlsCertificateFile = tlsCertificateFile
            self.tlsKeyFile = tlsKeyFile
            self.departmentCAFile = departmentCAFile
        }
    }

    /// Who may call the JSON-RPC server from a browser, and its request and WebSocket limits.
    public struct RPCOptions: Hashable, Sendable {
        /// Browser origins allowed by CORS (exact `scheme://host[:port]`, or `*`); empty: none.
        public var allowedOrigins: [String]
        public var batchRequestsMax: Int
        public var requestBodyBytesMax: Int
        public var subscriptionsPerConnectionMax: Int
        public var webSocketConnectionsMax: Int
        /// TCP connections the server keeps open at once, and from one client address (`rpc.connections_max`,
        /// `rpc.client_connections_max`): the node's file descriptor budget counts them (`FileDescriptorBudget`).
        public var connectionsMax = RPCLimits.connectionsMaxDefault
        public var clientConnectionsMax = RPCLimits.clientConnectionsMaxDefault
        /// Host names the server answers to besides IP literals and `localhost` (`rpc.allowed_hosts`).
        public var allowedHosts: [String] = []
        /// Per-client call rate and requests in flight (`rpc.client_*`).
        public var clientLimits = RPCClientLimits()
        /// What one request may spend (`rpc.request_blocks_max`, `rpc.request_fuel_max`, `rpc.response_bytes_max`).
        public var costLimits = RPCCostLimits()
        /// Threads and admissions of the RPC work executor (`rpc.work_threads`, `rpc.work_admissions_max`).
        public var workThreads = RPCLimits.workThreadsDefault
        public var workAdmissionsMax = RPCLimits.workAdmissionsMaxDefault
        /// Scheduling niceness of those threads (`rpc.work_thread_niceness`): above 0 they yield busy cores to consensus.
        public var workThreadNiceness = RPCLimits.workThreadNicenessDefault
        /// A file of API tokens, one per line, of which write methods need one (`rpc.api_tokens_file`); nil: none.
        public var apiTokensFile: String?
        /// Whether the RPC port serves the block explorer on `/explorer/` (`rpc.explorer`, default true).
        public var explorer = true

        public init(
            allowedOrigins: [String] = [], batchRequestsMax: Int = RPCLimits.batchRequestsMaxDefault,
            requestBodyBytesMax: Int = RPCLimits.requestBodyBytesMaxDefault,
            subscriptionsPerConnectionMax: Int = RPCLimits.subscriptionsPerConnectionMaxDefault,
            webSocketConnectionsMax: Int = RPCLimits.webSocketConnectionsMaxDefault
        ) {
            self.allowedOrigins = allowedOrigins
            self.batchRequestsMax = batchRequestsMax
            self.requestBodyBytesMax = requestBodyBytesMax
            self.subscriptionsPerConnectionMax = subscriptionsPerConnectionMax
            self.webSocketConnectionsMax = webSocketConnectionsMax
        }

        /// The server configuration for these options at `address`.
        ///
        /// `apiTokens` are the tokens read from `apiTokensFile` (`NodeConfiguration.loadAPITokens()`).
        public func serverConfiguration(_ address: ListenAddress, apiTokens: [String] = []) -> RPCServerConfiguration {
            var configuration = RPCServerConfiguration(
                host: address.host, port: address.port, requestBodyBytesMax: requestBodyBytesMax, batchRequestsMax: batchRequestsMax,
                allowedOrigins: allowedOrigins, subscriptionsPerConnectionMax: subscriptionsPerConnectionMax,
                webSocketConnectionsMax: webSocketConnectionsMax)
            configuration.allowedHosts = allowedHosts
            configuration.connectionsMax = connectionsMax
            configuration.clientConnectionsMax = clientConnectionsMax
            configuration.clientLimits = clientLimits
            configuration.costLimits = costLimits
            configuration.workThreads = workThreads
            configuration.workAdmissionsMax = workAdmissionsMax
            configuration.workThreadNiceness = workThreadNiceness
            configuration.apiTokens = apiTokens
            configuration.explorer = explorer
            return configuration
        }
    }

    /// An address and port a server binds; port 0 asks the system for a free port.
    public struct ListenAddress: Hashable, Sendable {
        public var host: String
        public var port: Int

        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// A node to dial: its name and department (checked against its certificate) and where it listens.
    public struct Peer: Hashable, Sendable {
        public var name: String
        public var department: String
        public var host: String
        public var port: Int

        public init(name: String, department: String, host: String, port: Int) {
            self.name = name
            self.department = department
            self.host = host
            self.port = port
        }

        /// `host:port`, with an IPv6 host in brackets: the form the config file uses.
        public var address: String { HostPort.format(host: host, port: port) }
    }

    /// A `host:port` to dial.
    public struct Endpoint: Hashable, Sendable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with an IPv6 host in brackets: the form the config file uses.
        public var address: String { HostPort.format(host: host, port: port) }
    }

    /// How the node writes its logs.
    public struct LogSettings: Hashable, Sendable {
        public var format: LogFormat
        public var level: LogLevel

        public init(format: LogFormat = .text, level: LogLevel = .info) {
            self.format = format
            self.level = level
        }
    }

    /// `text` for people at a terminal, `json` (one object per line) for log collectors.
    public enum LogFormat: String, Hashable, Sendable, CaseIterable {
        case text, json
    }

    /// The swift-log levels, least to most severe.
    public enum LogLevel: String, Hashable, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// Bounds on pending transactions (DESIGN §1.4); a full mempool refuses new transactions.
    public struct MempoolLimits: Hashable, Sendable {
        public var transactionsMax: Int
        public var bytesMax: Int

        public init(
            transactionsMax: Int = NodeLimits.mempoolTransactionsMaxDefault, bytesMax: Int = NodeLimits.mempoolBytesMaxDefault
        ) {
            self.transactionsMax = transactionsMax
            self.bytesMax = bytesMax
        }
    }
}

extension NodeConfiguration {
    /// Environment variables that override the file, so one file serves several runs (containers, tests).
    public enum EnvironmentVariable: String, CaseIterable, Sendable {
        case rpcPort = "SBP_RPC_PORT"
        case p2pPort = "SBP_P2P_PORT"
        case dataDirectory = "SBP_DATA_DIR"
        case logFormat = "SBP_LOG_FORMAT"
        case logLevel = "SBP_LOG_LEVEL"
    }

    /// Reads, parses, applies environment overrides to and resolves the paths of a config file.
    ///
    /// Relative paths in the file are resolved against the file's directory; a relative `SBP_DATA_DIR`
    /// against the current directory, like any path given on a command line.
    public static func load(
        file: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(NodeConfigurationError) -> NodeConfiguration {
        let text = try readText(file: file)
        let absoluteFile = absolutePath(file, relativeTo: FileManager.default.currentDirectoryPath)
        let configuration = try parse(text, environment: environment)
        return configuration.resolvingPaths(against: (absoluteFile as NSString).deletingLastPathComponent)
    }

    /// Parses TOML text and applies environment overrides; paths stay as written.
    public static func parse(_ text: String, environment: [String: String] = [:]) throws(NodeConfigurationError) -> NodeConfiguration {
        var configuration = try NodeConfigurationParser.parse(text)
        try configuration.applyEnvironment(environment)
        return configuration
    }

    /// Applies `SBP_RPC_PORT`, `SBP_P2P_PORT`, `SBP_DATA_DIR`, `SBP_LOG_FORMAT` and `SBP_LOG_LEVEL`; empty
    /// values count as unset.
    public mutating func applyEnvironment(_ environment: [String: String]) throws(NodeConfigurationError) {
        func value(_ variable: EnvironmentVariable) -> String? {
            guard let text = environment[variable.rawValue], !text.isEmpty else { return nil }
            return text
        }
        func port(_ variable: EnvironmentVariable) throws(NodeConfigurationError) -> Int? {
            guard let text = value(variable) else { return nil }
            guard let port = Int(text), NodeConfigurationParser.listenPorts.contains(port) else {
                throw .environment(variable: variable.rawValue, reason: "expected a port number 0...65535, got \"\(text)\"")
            }
            return port
        }
        if let port = try port(.rpcPort) { rpc.port = port }
        if let port = try port(.p2pPort) { p2p.port = port }
        if let directory = value(.dataDirectory) {
            dataDirectory = Self.absolutePath(directory, relativeTo: FileManager.default.currentDirectoryPath)
        }
        if let text = value(.logFormat) {
            guard let format = LogFormat(rawValue: text) else {
                throw .environment(variable: EnvironmentVariable.logFormat.rawValue, reason: "expected text or json, got \"\(text)\"")
            }
            log.format = format
        }
        if let text = value(.logLevel) {
            guard let level = LogLevel(rawValue: text) else {
                let levels = LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
                throw .environment(variable: EnvironmentVariable.logLevel.rawValue, reason: "expected one of \(levels), got \"\(text)\"")
            }
            log.level = level
        }
    }

    /// The same configuration with every relative path made absolute against `directory`.
    public func resolvingPaths(against directory: String) -> NodeConfiguration {
        var resolved = self
        func resolve(_ path: String) -> String { Self.absolutePath(path, relativeTo: directory) }
        resolved.dataDirectory = resolve(dataDirectory)
        resolved.genesisFile = resolve(genesisFile)
        resolved.keys.consensusKeyFile = resolve(keys.consensusKeyFile)
        resolved.keys.keystorePasswordFile = keys.keystorePasswordFile.map(resolve)
        resolved.keys.tlsCertificateFile = resolve(keys.tlsCertificateFile)
        resolved.keys.tlsKeyFile = resolve(keys.tlsKeyFile)
        resolved.keys.departmentCAFile = resolve(keys.departmentCAFile)
        resolved.rpcOptions.apiTokensFile = rpcOptions.apiTokensFile.map(resolve)
        return resolved
    }

    package static func absolutePath(_ path: String, relativeTo directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }

    /// Reads at most `NodeLimits.configurationFileBytesMax` bytes of UTF-8 text.
    private static func readText(file: String) throws(NodeConfigurationError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try BoundedFile.read(file, bytesMax: NodeLimits.configurationFileBytesMax)
        } catch {
            throw .unreadable(path: file, reason: error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .unreadable(path: file, reason: "not UTF-8 text") }
        return text
    }
}
