import Foundation
import Ledger
import Node
import RPCServer
import Testing

@Suite("Node configuration files")
struct NodeConfigurationTests {
    /// A configuration that sets every field, including the optional ones, to a non-default value.
    static let full = NodeConfiguration(
        nodeName: "td-1", department: "TD", dataDirectory: "state/td 1", genesisFile: "../genesis.json",
        keys: NodeConfiguration.KeyFiles(
            consensusKeyFile: "keystore/consensus.json", keystorePasswordFile: "/run/secrets/\"pass\"\\word",
            tlsCertificateFile: "tls.crt", tlsKeyFile: "tls.key", departmentCAFile: "ca.crt"),
        p2p: NodeConfiguration.ListenAddress(host: "0.0.0.0", port: 26600),
        peers: [
            NodeConfiguration.Peer(name: "immd-1", department: "IMMD", host: "10.0.0.2", port: 26601),
            NodeConfiguration.Peer(name: "epd-1", department: "EPD", host: "::1", port: 26602),
        ],
        rpc: NodeConfiguration.ListenAddress(host: "127.0.0.1", port: 8545),
        rpcOptions: NodeConfiguration.RPCOptions(
            allowedOrigins: ["https://explorer.example", "http://localhost:3000"], batchRequestsMax: 50, requestBodyBytesMax: 1_048_576,
            subscriptionsPerConnectionMax: 4, webSocketConnectionsMax: 32),
        metricsListenPort: 9100,
        log: NodeConfiguration.LogSettings(format: .json, level: .debug),
        mempool: NodeConfiguration.MempoolLimits(transactionsMax: 500, bytesMax: 1_000_000)
    )
    .settingStorageMemory(256 * 1024 * 1024, history: .recent(100_000))

    static let minimal = NodeConfiguration(
        nodeName: "dh-2", department: "DH", genesisFile: "/etc/sbp/genesis.json",
        keys: NodeConfiguration.KeyFiles(
            consensusKeyFile: "consensus.key", tlsCertificateFile: "tls.crt", tlsKeyFile: "tls.key", departmentCAFile: "ca.crt"),
        p2p: NodeConfiguration.ListenAddress(port: 0), rpc: NodeConfiguration.ListenAddress(port: 8546))

    /// A node made by `sbp node init`: bootstrap addresses instead of named peers.
    static let bootstrapped: NodeConfiguration = {
        var configuration = minimal
        configuration.bootstrap = [
            NodeConfiguration.Endpoint(host: "10.0.0.7", port: 26600), NodeConfiguration.Endpoint(host: "::1", port: 26601),
        ]
        return configuration
    }()

    /// Empty blocks never (0), and a minute apart: both round-trip.
    static let quiet: [NodeConfiguration] = ([nil, 60_000] as [UInt64?]).map { interval in
        var configuration = minimal
        configuration.emptyBlockIntervalMs = interval
        return configuration
    }

    /// State sync and snapshot settings (docs/operations.md, State sync) round-trip.
    static let snapshotting: NodeConfiguration = {
        var configuration = minimal
        configuration.syncMode = .snapshot
        configuration.snapshotInterval = 500
        configuration.snapshotsKept = 5
        return configuration
    }()

    @Test("render then parse gives the same configuration", arguments: [full, minimal, bootstrapped, snapshotting] + quiet)
    func roundTrip(configuration: NodeConfiguration) throws {
        let text = configuration.render()
        #expect(try NodeConfiguration.parse(text) == configuration)
    }

    @Test("optional sections take their defaults")
    func defaults() throws {
        let text = """
            [node]
            name = "td-1"
            department = "TD"
            genesis_file = "genesis.json"
            [keys]
            consensus_key_file = "c.key"
            tls_certificate_file = "t.crt"
            tls_key_file = "t.key"
            department_ca_file = "ca.crt"
            [p2p]
            listen_port = 26600
            [rpc]
            listen_port = 8545
            """
        let configuration = try NodeConfiguration.parse(text)
        #expect(configuration.dataDirectory == "data")
        #expect(configuration.p2p.host == "127.0.0.1" && configuration.rpc.host == "127.0.0.1")
        #expect(configuration.peers.isEmpty)
        #expect(configuration.metricsListenPort == nil && configuration.effectiveMetricsPort == 8545)
        #expect(configuration.log == NodeConfiguration.LogSettings(format: .text, level: .info))
        #expect(configuration.mempool == NodeConfiguration.MempoolLimits())
        #expect(configuration.storageMemoryBytes == NodeLimits.storageMemoryBytesDefault)
        #expect(configuration.keys.keystorePasswordFile == nil)
        #expect(configuration.emptyBlockIntervalMs == NodeLimits.emptyBlockIntervalMs)
        #expect(configuration.stateHistory == .archive)
    }

    @Test("rpc.work_thread_niceness defaults to 10, takes 0...19 and reaches the server configuration; 20 is refused")
    func workThreadNiceness() throws {
        let base = Self.minimal.render()
        #expect(try NodeConfiguration.parse(base).rpcOptions.workThreadNiceness == RPCLimits.workThreadNicenessDefault)
        #expect(RPCLimits.workThreadNicenessDefault == 10)
        let zero = try NodeConfiguration.parse(base.replacingOccurrences(of: "[rpc]\n", with: "[rpc]\nwork_thread_niceness = 0\n"))
        #expect(zero.rpcOptions.workThreadNiceness == 0)
        let address = NodeConfiguration.ListenAddress(host: "127.0.0.1", port: 8545)
        #expect(zero.rpcOptions.serverConfiguration(address).workThreadNiceness == 0)
        #expect(throws: NodeConfigurationError.self) {
            try NodeConfiguration.parse(base.replacingOccurrences(of: "[rpc]\n", with: "[rpc]\nwork_thread_niceness = 20\n"))
        }
    }

    @Test("environment variables override the file; empty ones are ignored")
    func environmentOverrides() throws {
        let environment = [
            "SBP_RPC_PORT": "9545", "SBP_P2P_PORT": "36600", "SBP_DATA_DIR": "/var/lib/sbp", "SBP_LOG_FORMAT": "json",
            "SBP_LOG_LEVEL": "warning", "SBP_UNRELATED": "x",
        ]
        let configuration = try NodeConfiguration.parse(Self.minimal.render(), environment: environment)
        #expect(configuration.rpc.port == 9545)
        #expect(configuration.p2p.port == 36600)
        #expect(configuration.dataDirectory == "/var/lib/sbp")
        #expect(configuration.log == NodeConfiguration.LogSettings(format: .json, level: .warning))
        #expect(configuration.effectiveMetricsPort == 9545, "metrics follow the RPC port unless set")

        let empty = Dictionary(uniqueKeysWithValues: NodeConfiguration.EnvironmentVariable.allCases.map { ($0.rawValue, "") })
        #expect(try NodeConfiguration.parse(Self.minimal.render(), environment: empty) == Self.minimal)
    }

    @Test(
        "a bad environment value names the variable",
        arguments: [
            ("SBP_RPC_PORT", "http"), ("SBP_RPC_PORT", "70000"), ("SBP_P2P_PORT", "-1"), ("SBP_LOG_FORMAT", "xml"),
            ("SBP_LOG_LEVEL", "loud"),
        ])
    func badEnvironment(variable: String, value: String) {
        #expect {
            try NodeConfiguration.parse(Self.minimal.render(), environment: [variable: value])
        } throws: { error in
            (error as? NodeConfigurationError)?.field == variable
        }
    }

    @Test("load resolves relative paths against the config file's directory, not the current one")
    func loadResolvesPaths() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/net/td-1", withIntermediateDirectories: true)
            let file = directory + "/net/td-1/config.toml"
            try Self.full.render().write(toFile: file, atomically: true, encoding: .utf8)
            let loaded = try NodeConfiguration.load(file: file, environment: [:])
            let base = (directory + "/net/td-1" as NSString).standardizingPath
            #expect(loaded.genesisFile == (directory + "/net/genesis.json" as NSString).standardizingPath)
            #expect(loaded.dataDirectory == base + "/state/td 1")
            #expect(loaded.keys.consensusKeyFile == base + "/keystore/consensus.json")
            #expect(loaded.keys.tlsCertificateFile == base + "/tls.crt")
            #expect(loaded.keys.keystorePasswordFile == "/run/secrets/\"pass\"\\word", "absolute paths stay")
        }
    }

    @Test("a missing or oversized file is reported with its path")
    func unreadableFiles() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: NodeConfigurationError.unreadable(path: directory + "/absent.toml", reason: "no such file")) {
                try NodeConfiguration.load(file: directory + "/absent.toml", environment: [:])
            }
            let large = directory + "/large.toml"
            try String(repeating: "#", count: NodeLimits.configurationFileBytesMax + 1).write(
                toFile: large, atomically: true, encoding: .utf8)
            #expect {
                try NodeConfiguration.load(file: large, environment: [:])
            } throws: { error in
                if case .unreadable(let path, _) = error as? NodeConfigurationError { path == large } else { false }
            }
        }
    }

    /// Each edit of a valid file and the field its error must name.
    static let malformed: [(String, @Sendable (String) -> String, String)] = [
        ("missing [node]", { $0.replacing("[node]", with: "[nodes]") }, "nodes"),
        ("missing name", { $0.replacing("name = \"dh-2\"", with: "") }, "node.name"),
        ("name with a space", { $0.replacing("name = \"dh-2\"", with: "name = \"dh 2\"") }, "node.name"),
        ("department is a number", { $0.replacing("department = \"DH\"", with: "department = 7") }, "node.department"),
        ("missing genesis file", { $0.replacing("genesis_file = \"/etc/sbp/genesis.json\"", with: "") }, "node.genesis_file"),
        (
            "empty consensus key path", { $0.replacing("consensus_key_file = \"consensus.key\"", with: "consensus_key_file = \"\"") },
            "keys.consensus_key_file"
        ),
        ("missing TLS key", { $0.replacing("tls_key_file = \"tls.key\"", with: "") }, "keys.tls_key_file"),
        ("misspelt key field", { $0.replacing("department_ca_file", with: "departmentCAFile") }, "keys.departmentCAFile"),
        ("port as a string", { $0.replacing("listen_port = 8546", with: "listen_port = \"8546\"") }, "rpc.listen_port"),
        ("port out of range", { $0.replacing("listen_port = 8546", with: "listen_port = 65536") }, "rpc.listen_port"),
        ("missing P2P port", { $0.replacing("listen_port = 0", with: "") }, "p2p.listen_port"),
        (
            "listen address with a slash",
            { $0.replacing("listen_address = \"127.0.0.1\"\nlisten_port = 0", with: "listen_address = \"a/b\"\nlisten_port = 0") },
            "p2p.listen_address"
        ),
        ("unknown section", { $0 + "\n[consensus]\nview = 1\n" }, "consensus"),
        (
            "empty block interval below a tick",
            { $0.replacing("[keys]", with: "empty_block_interval_ms = 50\n[keys]") },
            "node.empty_block_interval_ms"
        ),
        ("stray field in the last section", { $0 + "listen_port = 5\n" }, "storage.listen_port"),
        ("metrics port negative", { $0.replacing("[metrics]", with: "[metrics]\nlisten_port = -5") }, "metrics.listen_port"),
        ("log format", { $0.replacing("format = \"text\"", with: "format = \"xml\"") }, "log.format"),
        ("log level", { $0.replacing("level = \"info\"", with: "level = \"verbose\"") }, "log.level"),
        ("metrics is not a table", { "metrics = 5\n" + $0.replacing("[metrics]\n", with: "") }, "metrics"),
        ("mempool zero", { $0.replacing("transactions_max = 10000", with: "transactions_max = 0") }, "mempool.transactions_max"),
        ("mempool too large", { $0.replacing("bytes_max = 67108864", with: "bytes_max = 99999999999") }, "mempool.bytes_max"),
        (
            "storage budget too small", { $0.replacing("memory_bytes = 536870912", with: "memory_bytes = 1048576") },
            "storage.memory_bytes"
        ),
        ("sync mode unknown", { $0.replacing("[keys]", with: "sync = \"fast\"\n[keys]") }, "node.sync"),
        ("snapshots kept zero", { $0.replacing("[storage]", with: "[storage]\nsnapshots_kept = 0") }, "storage.snapshots_kept"),
        (
            "snapshot interval negative", { $0.replacing("[storage]", with: "[storage]\nsnapshot_interval = -1") },
            "storage.snapshot_interval"
        ),
        ("storage field unknown", { $0.replacing("[storage]", with: "[storage]\nblock_cache = 5") }, "storage.block_cache"),
        ("history unknown", { $0.replacing("history = \"archive\"", with: "history = \"some\"") }, "storage.history"),
        ("history keeps one version", { $0.replacing("history = \"archive\"", with: "history = \"recent 1\"") }, "storage.history"),
        ("history count missing", { $0.replacing("history = \"archive\"", with: "history = \"recent\"") }, "storage.history"),
        ("peer without address", { $0 + "\n[[p2p.peers]]\nname = \"td-1\"\ndepartment = \"TD\"\n" }, "p2p.peers[0].address"),
        ("peer address without port", { $0 + peer("td-1", "127.0.0.1") }, "p2p.peers[0].address"),
        ("peer address bare IPv6", { $0 + peer("td-1", "::1:26600") }, "p2p.peers[0].address"),
        ("peer port zero", { $0 + peer("td-1", "127.0.0.1:0") }, "p2p.peers[0].address"),
        ("peer is the node itself", { $0 + peer("dh-2", "127.0.0.1:26600") }, "p2p.peers[0].name"),
        ("duplicate peer", { $0 + peer("td-1", "127.0.0.1:1") + peer("td-1", "127.0.0.1:2") }, "p2p.peers[1].name"),
        ("batch size zero", { $0.replacing("batch_requests_max = 100", with: "batch_requests_max = 0") }, "rpc.batch_requests_max"),
        (
            "body limit too small", { $0.replacing("request_body_bytes_max = 4194304", with: "request_body_bytes_max = 100") },
            "rpc.request_body_bytes_max"
        ),
        (
            "subscriptions too many",
            { $0.replacing("subscriptions_per_connection_max = 16", with: "subscriptions_per_connection_max = 100000") },
            "rpc.subscriptions_per_connection_max"
        ),
        (
            "websocket connections zero", { $0.replacing("websocket_connections_max = 256", with: "websocket_connections_max = 0") },
            "rpc.websocket_connections_max"
        ),
        ("connections zero", { $0.replacing("connections_max = 512", with: "connections_max = 0") }, "rpc.connections_max"),
        (
            "client connections zero", { $0.replacing("client_connections_max = 64", with: "client_connections_max = 0") },
            "rpc.client_connections_max"
        ),
        (
            "origin with a path", { $0.replacing("allowed_origins = []", with: "allowed_origins = [\"https://a.example/app\"]") },
            "rpc.allowed_origins[0]"
        ),
        ("origin not a string", { $0.replacing("allowed_origins = []", with: "allowed_origins = [\"*\", 5]") }, "rpc.allowed_origins[1]"),
        ("origins not an array", { $0.replacing("allowed_origins = []", with: "allowed_origins = \"*\"") }, "rpc.allowed_origins"),
        (
            "bootstrap without a port", { $0.replacing("listen_port = 0", with: "listen_port = 0\nbootstrap = [\"10.0.0.1\"]") },
            "p2p.bootstrap[0]"
        ),
        (
            "bootstrap not an array", { $0.replacing("listen_port = 0", with: "listen_port = 0\nbootstrap = \"10.0.0.1:1\"") },
            "p2p.bootstrap"
        ),
        ("peers is not a table array", { $0.replacing("listen_port = 0", with: "listen_port = 0\npeers = [1, 2]") }, "p2p.peers[0]"),
    ]

    static func peer(_ name: String, _ address: String) -> String {
        "\n[[p2p.peers]]\nname = \"\(name)\"\ndepartment = \"TD\"\naddress = \"\(address)\"\n"
    }

    @Test("a malformed config names the field at fault", arguments: malformed.indices)
    func malformedConfig(index: Int) {
        let (name, edit, field) = Self.malformed[index]
        let text = edit(Self.minimal.render())
        #expect(text != Self.minimal.render(), "\(name): the edit changed nothing")
        do {
            let parsed = try NodeConfiguration.parse(text)
            Issue.record("\(name): parsed \(parsed)")
        } catch {
            #expect(error.field == field, "\(name): \(error)")
            #expect(error.description.contains(field), "\(name): the message names the field: \(error)")
        }
    }

    @Test("[rpc] options reach the server configuration; absent ones take the server's defaults")
    func rpcOptions() throws {
        let server = Self.full.rpcOptions.serverConfiguration(Self.full.rpc)
        #expect(server.allowedOrigins == ["https://explorer.example", "http://localhost:3000"])
        #expect(server.batchRequestsMax == 50 && server.requestBodyBytesMax == 1_048_576)
        #expect(server.subscriptionsPerConnectionMax == 4 && server.webSocketConnectionsMax == 32)
        #expect(server.host == "127.0.0.1" && server.port == 8545)
        let text = Self.minimal.render().replacing(/allowed_origins = .*\n|batch_requests_max = .*\n/, with: "")
        let parsed = try NodeConfiguration.parse(text)
        #expect(parsed.rpcOptions == NodeConfiguration.RPCOptions())
        #expect(parsed.rpcOptions.serverConfiguration(parsed.rpc).batchRequestsMax == 100)
    }

    @Test("a TOML syntax error gives the line")
    func syntaxError() {
        let text = "[node]\nname = \"td-1\"\ndepartment = \n"
        #expect {
            try NodeConfiguration.parse(text)
        } throws: { error in
            if case .syntax(let line, _, _) = error as? NodeConfigurationError { line == 3 } else { false }
        }
    }

    @Test("strings with quotes, backslashes and control characters survive rendering")
    func awkwardStrings() throws {
        var configuration = Self.minimal
        configuration.dataDirectory = "a\"b\\c\td\u{1}e\u{7f}f é"
        configuration.genesisFile = "line\nbreak"
        #expect(try NodeConfiguration.parse(configuration.render()) == configuration)
    }
}

extension NodeConfiguration {
    /// This configuration with `storage.memory_bytes` set.
    fileprivate func settingStorageMemory(_ bytes: Int, history: StateHistory) -> NodeConfiguration {
        var configuration = self
        configuration.storageMemoryBytes = bytes
        configuration.stateHistory = history
        return configuration
    }
}
