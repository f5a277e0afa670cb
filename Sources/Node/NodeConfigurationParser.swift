import ChainTypes
import Ledger
import TOMLKit

/// Turns TOML text into a `NodeConfiguration`, naming the dotted field in every error.
///
/// TOMLKit gives a tree of tables; this walks it section by section, checks each value's type and range,
/// and refuses fields it does not know so that a misspelt setting is an error rather than a silent default.
/// The accepted layout is the one `NodeConfiguration.render()` writes (`docs/network-init.md`).
enum NodeConfigurationParser {
    static let listenPorts = 0...65535
    static let peerPorts = 1...65535

    static func parse(_ text: String) throws(NodeConfigurationError) -> NodeConfiguration {
        let document = TOMLSection(table: try table(from: text), path: "")
        try document.allow(["node", "keys", "p2p", "rpc", "metrics", "log", "mempool", "storage"])

        let node = try document.requiredSection("node")
        try node.allow(["name", "department", "data_dir", "genesis_file", "role", "empty_block_interval_ms", "sync"])
        let nodeName = try identifier(node, "name")
        let department = try identifier(node, "department")
        let dataDirectory = try path(node, "data_dir") ?? "data"
        guard let genesisFile = try path(node, "genesis_file") else { throw .missing(field: node.field("genesis_file")) }

        let keys = try keyFiles(try document.requiredSection("keys"))
        let p2pSection = try document.requiredSection("p2p")
        let (p2p, peers) = try p2pSettings(p2pSection, nodeName: nodeName)
        let warningDays = try p2pSection.integer("certificate_expiry_warning_days") ?? NodeLimits.certificateExpiryWarningDaysDefault
        guard (0...NodeLimits.certificateValidityDaysMax).contains(warningDays) else {
            throw .invalid(
                field: p2pSection.field("certificate_expiry_warning_days"), reason: "must be 0...\(NodeLimits.certificateValidityDaysMax)")
        }
        let rpcSection = try document.requiredSection("rpc")
        try rpcSection.allow([
            "listen_address", "listen_port", "allowed_origins", "batch_requests_max", "request_body_bytes_max",
            "subscriptions_per_connection_max", "websocket_connections_max", "connections_max", "client_connections_max",
            "allowed_hosts", "client_requests_per_second",
            "client_requests_burst", "client_concurrent_requests_max", "request_blocks_max", "request_fuel_max", "response_bytes_max",
            "work_threads", "work_admissions_max", "work_thread_niceness", "api_tokens_file", "explorer",
        ])
        let rpc = try listenAddress(rpcSection)
        let rpcOptions = try rpcOptions(rpcSection)

        var metricsListenPort: Int?
        if let metrics = try document.section("metrics") {
            try metrics.allow(["listen_port"])
            metricsListenPort = try port(metrics, "listen_port", range: listenPorts)
        }
        var configuration = NodeConfiguration(
            nodeName: nodeName, department: department, dataDirectory: dataDirectory, genesisFile: genesisFile, keys: keys,
            p2p: p2p, peers: peers, rpc: rpc, rpcOptions: rpcOptions, metricsListenPort: metricsListenPort,
            log: try logSettings(try document.section("log")),
            mempool: try mempoolLimits(try document.section("mempool")))
        configuration.certificateExpiryWarningDays = warningDays
        if let storage = try document.section("storage") {
            try storage.allow(["memory_bytes", "snapshot_interval", "snapshots_kept", "history"])
            if let value = try storage.integer("snapshot_interval") {
                guard (0...NodeLimits.snapshotIntervalMax).contains(value) else {
                    throw .invalid(
                        field: storage.field("snapshot_interval"), reason: "must be 0 (none) or 1...\(NodeLimits.snapshotIntervalMax)")
                }
                configuration.snapshotInterval = UInt64(value)
            }
            if let value = try storage.integer("snapshots_kept") {
                guard (1...NodeLimits.snapshotsKeptMax).contains(value) else {
                    throw .invalid(field: storage.field("snapshots_kept"), reason: "must be 1...\(NodeLimits.snapshotsKeptMax)")
                }
                configuration.snapshotsKept = value
            }
            if let history = try storage.string("history") {
                guard let parsed = Self.stateHistory(history) else {
                    throw .invalid(
                        field: storage.field("history"),
                        reason: "must be \"archive\" or \"recent N\" with N in \(NodeLimits.retainedVersionsRange)")
                }
                configuration.stateHistory = parsed
            }
            if let value = try storage.integer("memory_bytes") {
                guard (NodeLimits.storageMemoryBytesMin...NodeLimits.storageMemoryBytesLimit).contains(value) else {
                    throw .invalid(
                        field: storage.field("memory_bytes"),
                        reason: "must be \(NodeLimits.storageMemoryBytesMin)...\(NodeLimits.storageMemoryBytesLimit)")
                }
                configuration.storageMemoryBytes = value
            }
        }
        if let sync = try node.string("sync") {
            guard let mode = NodeConfiguration.SyncMode(rawValue: sync) else {
                throw .invalid(field: node.field("sync"), reason: "must be \"replay\" or \"snapshot\"")
            }
            configuration.syncMode = mode
        }
        if let interval = try node.integer("empty_block_interval_ms") {
            let range = NodeLimits.emptyBlockIntervalMsRange
            guard interval == 0 || (Int(range.lowerBound)...Int(range.upperBound)).contains(interval) else {
                throw .invalid(
                    field: node.field("empty_block_interval_ms"), reason: "must be 0 (never) or \(range.lowerBound)...\(range.upperBound)")
            }
            configuration.emptyBlockIntervalMs = interval == 0 ? nil : UInt64(interval)
        }
        configuration.bootstrap = try bootstrap(p2pSection)
        if let roleName = try node.string("role") {
            guard let role = NodeRole(name: roleName) else {
                throw .invalid(field: node.field("role"), reason: "must be validator or observer")
            }
            configuration.role = role
        }
        return configuration
    }

    /// `p2p.bootstrap`: an array of `host:port` strings, dialed without an expected identity.
    private static func bootstrap(_ section: TOMLSection) throws(NodeConfigurationError) -> [NodeConfiguration.Endpoint] {
        guard let value = section.table["bootstrap"] else { return [] }
        let field = section.field("bootstrap")
        guard let array = value.array else { throw .wrongType(field: field, expected: "an array of host:port strings") }
        guard array.count <= NodeLimits.peersMax else { throw .invalid(field: field, reason: "at most \(NodeLimits.peersMax) addresses") }
        var endpoints: [NodeConfiguration.Endpoint] = []
        for (index, element) in array.enumerated() {
            let elementField = "\(field)[\(index)]"
            guard let text = element.string else { throw .wrongType(field: elementField, expected: "a host:port string") }
            guard let (host, port) = HostPort.parse(text) else {
                throw .invalid(field: elementField, reason: "expected host:port or [ipv6]:port, got \"\(text)\"")
            }
            if let problem = HostPort.problem(host: host) { throw .invalid(field: elementField, reason: "host \(problem)") }
            guard peerPorts.contains(port) else { throw .invalid(field: elementField, reason: "port must be 1...65535, got \(port)") }
            endpoints.append(NodeConfiguration.Endpoint(host: host, port: port))
        }
        return endpoints
    }

    private static func table(from text: String) throws(NodeConfigurationError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntax(line: error.source.begin.line, column: error.source.begin.column, reason: error.description)
        } catch {
            throw .syntax(line: 0, column: 0, reason: "\(error)")
        }
    }

    private static func keyFiles(_ section: TOMLSection) throws(NodeConfigurationError) -> NodeConfiguration.KeyFiles {
        let names: Set = ["consensus_key_file", "keystore_password_file", "tls_certificate_file", "tls_key_file", "department_ca_file"]
        try section.allow(names)
        func required(_ key: String) throws(NodeConfigurationError) -> String {
            guard let value = try path(section, key) else { throw .missing(field: section.field(key)) }
            return value
        }
        return NodeConfiguration.KeyFiles(
            consensusKeyFile: try required("consensus_key_file"), keystorePasswordFile: try path(section, "keystore_password_file"),
            tlsCertificateFile: try required("tls_certificate_file"), tlsKeyFile: try required("tls_key_file"),
            departmentCAFile: try required("department_ca_file"))
    }

    private static func p2pSettings(
        _ section: TOMLSection, nodeName: String
    ) throws(NodeConfigurationError) -> (NodeConfiguration.ListenAddress, [NodeConfiguration.Peer]) {
        try section.allow(["listen_address", "listen_port", "peers", "bootstrap", "certificate_expiry_warning_days"])
        let address = try listenAddress(section)
        let peerSections = try section.arrayOfTables("peers")
        guard peerSections.count <= NodeLimits.peersMax else {
            throw .invalid(field: section.field("peers"), reason: "at most \(NodeLimits.peersMax) peers")
        }
        var peers: [NodeConfiguration.Peer] = []
        var names: Set<String> = [nodeName]
        for peerSection in peerSections {
            try peerSection.allow(["name", "department", "address"])
            let name = try identifier(peerSection, "name")
            guard names.insert(name).inserted else {
                let reason = name == nodeName ? "a node does not peer with itself" : "duplicate peer \"\(name)\""
                throw .invalid(field: peerSection.field("name"), reason: reason)
            }
            let department = try identifier(peerSection, "department")
            guard let text = try peerSection.string("address") else { throw .missing(field: peerSection.field("address")) }
            guard let (host, port) = HostPort.parse(text) else {
                throw .invalid(field: peerSection.field("address"), reason: "expected host:port or [ipv6]:port, got \"\(text)\"")
            }
            if let problem = HostPort.problem(host: host) { throw .invalid(field: peerSection.field("address"), reason: "host \(problem)") }
            guard peerPorts.contains(port) else {
                throw .invalid(field: peerSection.field("address"), reason: "port must be 1...65535, got \(port)")
            }
            peers.append(NodeConfiguration.Peer(name: name, department: department, host: host, port: port))
        }
        return (address, peers)
    }

    private static func listenAddress(_ section: TOMLSection) throws(NodeConfigurationError) -> NodeConfiguration.ListenAddress {
        let host = try section.string("listen_address") ?? "127.0.0.1"
        if let problem = HostPort.problem(host: host) { throw .invalid(field: section.field("listen_address"), reason: problem) }
        guard let port = try port(section, "listen_port", range: listenPorts) else { throw .missing(field: section.field("listen_port")) }
        return NodeConfiguration.ListenAddress(host: host, port: port)
    }

    private static func rpcOptions(_ section: TOMLSection) throws(NodeConfigurationError) -> NodeConfiguration.RPCOptions {
        var options = NodeConfiguration.RPCOptions()
        options.allowedOrigins = try allowedOrigins(section)
        if let value = try bounded(section, "batch_requests_max", 1...NodeLimits.rpcBatchRequestsMaxLimit) {
            options.batchRequestsMax = value
        }
        let bodyBytes = NodeLimits.rpcRequestBodyBytesMaxMinimum...NodeLimits.rpcRequestBodyBytesMaxLimit
        if let value = try bounded(section, "request_body_bytes_max", bodyBytes) { options.requestBodyBytesMax = value }
        if let value = try bounded(section, "subscriptions_per_connection_max", 0...NodeLimits.rpcSubscriptionsPerConnectionMaxLimit) {
            options.subscriptionsPerConnectionMax = value
        }
        if let value = try bounded(section, "websocket_connections_max", 1...NodeLimits.rpcWebSocketConnectionsMaxLimit) {
            options.webSocketConnectionsMax = value
        }
        if let value = try bounded(section, "connections_max", 1...NodeLimits.rpcConnectionsMaxLimit) { options.connectionsMax = value }
        if let value = try bounded(section, "client_connections_max", 1...NodeLimits.rpcConnectionsMaxLimit) {
            options.clientConnectionsMax = value
        }
        try protectionOptions(section, into: &options)
        if let value = try section.boolean("explorer") { options.explorer = value }
        return options
    }

    /// The `[rpc]` keys of RPC protection (docs/operations.md, "RPC protection"): host names, per-client
    /// limits, request budgets, the work executor and the API tokens file.
    private static func protectionOptions(
        _ section: TOMLSection, into options: inout NodeConfiguration.RPCOptions
    ) throws(NodeConfigurationError) {
        options.allowedHosts = try allowedHosts(section)
        let perClient = 1...NodeLimits.rpcClientRequestsLimit
        if let value = try bounded(section, "client_requests_per_second", perClient) { options.clientLimits.requestsPerSecond = value }
        if let value = try bounded(section, "client_requests_burst", perClient) { options.clientLimits.requestsBurst = value }
        if let value = try bounded(section, "client_concurrent_requests_max", 1...NodeLimits.rpcClientConcurrentRequestsLimit) {
            options.clientLimits.concurrentRequestsMax = value
        }
        if let value = try bounded(section, "request_blocks_max", 1...NodeLimits.rpcRequestBlocksLimit) {
            options.costLimits.blocksMax = UInt64(value)
        }
        if let value = try bounded(section, "request_fuel_max", 1...NodeLimits.rpcRequestFuelLimit) {
            options.costLimits.fuelMax = UInt64(value)
        }
        if let value = try bounded(
            section, "response_bytes_max", NodeLimits.rpcRequestBodyBytesMaxMinimum...NodeLimits.rpcResponseBytesLimit)
        {
            options.costLimits.responseBytesMax = value
        }
        if let value = try bounded(section, "work_threads", 1...NodeLimits.rpcWorkThreadsLimit) { options.workThreads = value }
        if let value = try bounded(section, "work_admissions_max", 1...NodeLimits.rpcWorkAdmissionsLimit) {
            options.workAdmissionsMax = value
        }
        if let value = try bounded(section, "work_thread_niceness", 0...19) { options.workThreadNiceness = Int32(value) }
        options.apiTokensFile = try path(section, "api_tokens_file")
    }

    /// `rpc.allowed_hosts`: an array of `*`, `name` or `name:port` strings (`HostPolicy`).
    private static func allowedHosts(_ section: TOMLSection) throws(NodeConfigurationError) -> [String] {
        guard let value = section.table["allowed_hosts"] else { return [] }
        let field = section.field("allowed_hosts")
        guard let array = value.array else { throw .wrongType(field: field, expected: "an array of strings") }
        guard array.count <= NodeLimits.rpcAllowedOriginsMax else {
            throw .invalid(field: field, reason: "at most \(NodeLimits.rpcAllowedOriginsMax) hosts")
        }
        var hosts: [String] = []
        for (index, element) in array.enumerated() {
            guard let host = element.string else { throw .wrongType(field: "\(field)[\(index)]", expected: "a string") }
            let valid =
                host == "*"
                || (!host.isEmpty && host.utf8.count <= NodeLimits.rpcAllowedOriginCharactersMax
                    && !host.contains { $0.isWhitespace || $0 == "/" })
            guard valid else { throw .invalid(field: "\(field)[\(index)]", reason: "expected \"*\", name or name:port, got \"\(host)\"") }
            hosts.append(host)
        }
        return hosts
    }

    /// `rpc.allowed_origins`: an array of `*` or `scheme://host[:port]` strings.
    private static func allowedOrigins(_ section: TOMLSection) throws(NodeConfigurationError) -> [String] {
        guard let value = section.table["allowed_origins"] else { return [] }
        let field = section.field("allowed_origins")
        guard let array = value.array else { throw .wrongType(field: field, expected: "an array of strings") }
        guard array.count <= NodeLimits.rpcAllowedOriginsMax else {
            throw .invalid(field: field, reason: "at most \(NodeLimits.rpcAllowedOriginsMax) origins")
        }
        var origins: [String] = []
        for (index, element) in array.enumerated() {
            guard let origin = element.string else { throw .wrongType(field: "\(field)[\(index)]", expected: "a string") }
            guard origin == "*" || isOrigin(origin) else {
                throw .invalid(
                    field: "\(field)[\(index)]", reason: "expected \"*\" or scheme://host[:port] without a path, got \"\(origin)\"")
            }
            origins.append(origin)
        }
        return origins
    }

    /// Whether `text` is `scheme://host[:port]`: what browsers send in `Origin`, with no path or spaces.
    private static func isOrigin(_ text: String) -> Bool {
        guard text.utf8.count <= NodeLimits.rpcAllowedOriginCharactersMax, let separator = text.firstRange(of: "://") else { return false }
        let scheme = text[..<separator.lowerBound]
        let authority = text[separator.upperBound...]
        return !scheme.isEmpty && scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }
            && !authority.isEmpty && !authority.contains { $0.isWhitespace || $0 == "/" }
    }

    /// `archive`, or `recent N` with N in `NodeLimits.retainedVersionsRange`; nil for anything else.
    static func stateHistory(_ text: String) -> StateHistory? {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        if words == ["archive"] { return .archive }
        guard words.count == 2, words[0] == "recent", let versions = UInt64(words[1]),
            NodeLimits.retainedVersionsRange.contains(versions)
        else { return nil }
        return .recent(versions)
    }

    private static func bounded(_ section: TOMLSection, _ key: String, _ range: ClosedRange<Int>) throws(NodeConfigurationError) -> Int? {
        guard let value = try section.integer(key) else { return nil }
        guard range.contains(value) else {
            throw .invalid(field: section.field(key), reason: "must be \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    private static func logSettings(_ section: TOMLSection?) throws(NodeConfigurationError) -> NodeConfiguration.LogSettings {
        var settings = NodeConfiguration.LogSettings()
        guard let section else { return settings }
        try section.allow(["format", "level"])
        if let text = try section.string("format") {
            guard let format = NodeConfiguration.LogFormat(rawValue: text) else {
                throw .invalid(field: section.field("format"), reason: "expected \"text\" or \"json\", got \"\(text)\"")
            }
            settings.format = format
        }
        if let text = try section.string("level") {
            guard let level = NodeConfiguration.LogLevel(rawValue: text) else {
                let levels = NodeConfiguration.LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalid(field: section.field("level"), reason: "expected one of \(levels), got \"\(text)\"")
            }
            settings.level = level
        }
        return settings
    }

    private static func mempoolLimits(_ section: TOMLSection?) throws(NodeConfigurationError) -> NodeConfiguration.MempoolLimits {
        var limits = NodeConfiguration.MempoolLimits()
        guard let section else { return limits }
        try section.allow(["transactions_max", "bytes_max"])
        if let value = try section.integer("transactions_max") {
            guard (1...NodeLimits.mempoolTransactionsMaxLimit).contains(value) else {
                throw .invalid(field: section.field("transactions_max"), reason: "must be 1...\(NodeLimits.mempoolTransactionsMaxLimit)")
            }
            limits.transactionsMax = value
        }
        if let value = try section.integer("bytes_max") {
            guard (1...NodeLimits.mempoolBytesMaxLimit).contains(value) else {
                throw .invalid(field: section.field("bytes_max"), reason: "must be 1...\(NodeLimits.mempoolBytesMaxLimit)")
            }
            limits.bytesMax = value
        }
        return limits
    }

    /// A required name: 1…64 characters of `A-Z a-z 0-9 - _ .`, the genesis identifier rule.
    private static func identifier(_ section: TOMLSection, _ key: String) throws(NodeConfigurationError) -> String {
        guard let value = try section.string(key) else { throw .missing(field: section.field(key)) }
        if let problem = NameRules.problem(identifier: value) { throw .invalid(field: section.field(key), reason: problem) }
        return value
    }

    private static func path(_ section: TOMLSection, _ key: String) throws(NodeConfigurationError) -> String? {
        guard let value = try section.string(key) else { return nil }
        guard !value.isEmpty, !value.contains("\0") else {
            throw .invalid(field: section.field(key), reason: "must be a non-empty path")
        }
        return value
    }

    private static func port(_ section: TOMLSection, _ key: String, range: ClosedRange<Int>) throws(NodeConfigurationError) -> Int? {
        guard let value = try section.integer(key) else { return nil }
        guard range.contains(value) else {
            throw .invalid(field: section.field(key), reason: "must be \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }
}

/// One TOML table and its dotted path, with typed accessors that name the field when a value is wrong.
struct TOMLSection {
    let table: TOMLTable
    let path: String

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Throws `.unknownField` for the first key (in sorted order) not in `keys`.
    func allow(_ keys: Set<String>) throws(NodeConfigurationError) {
        if let unknown = table.keys.sorted().first(where: { !keys.contains($0) }) { throw .unknownField(field: field(unknown)) }
    }

    func string(_ key: String) throws(NodeConfigurationError) -> String? {
        guard let value = table[key] else { return nil }
        guard let text = value.string else { throw .wrongType(field: field(key), expected: "a string") }
        return text
    }

    func integer(_ key: String) throws(NodeConfigurationError) -> Int? {
        guard let value = table[key] else { return nil }
        guard let number = value.int else { throw .wrongType(field: field(key), expected: "an integer") }
        return number
    }

    func boolean(_ key: String) throws(NodeConfigurationError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let flag = value.bool else { throw .wrongType(field: field(key), expected: "true or false") }
        return flag
    }

    func section(_ key: String) throws(NodeConfigurationError) -> TOMLSection? {
        guard let value = table[key] else { return nil }
        guard let child = value.table else { throw .wrongType(field: field(key), expected: "a table") }
        return TOMLSection(table: child, path: field(key))
    }

    func requiredSection(_ key: String) throws(NodeConfigurationError) -> TOMLSection {
        guard let child = try section(key) else { throw .missing(field: field(key)) }
        return child
    }

    /// The tables of `[[key]]` entries; an absent key is an empty list.
    func arrayOfTables(_ key: String) throws(NodeConfigurationError) -> [TOMLSection] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw .wrongType(field: field(key), expected: "an array of tables") }
        var sections: [TOMLSection] = []
        for (index, element) in array.enumerated() {
            guard let child = element.table else { throw .wrongType(field: "\(field(key))[\(index)]", expected: "a table") }
            sections.append(TOMLSection(table: child, path: "\(field(key))[\(index)]"))
        }
        return sections
    }
}
