import ChainTypes

extension NodeConfiguration {
    /// The config file for this configuration: commented TOML that `parse(_:)` reads back to an equal value.
    ///
    /// Written by hand rather than through TOMLKit's serializer so that sections come in a fixed, readable
    /// order with a comment on each setting; every string goes through `tomlString(_:)`, so any path or
    /// name round-trips.
    public func render() -> String {
        var lines: [String] = [
            "# SBP node configuration (docs/network-init.md). Relative paths are resolved against this file's directory.",
            "# Environment overrides: SBP_RPC_PORT, SBP_P2P_PORT, SBP_DATA_DIR, SBP_LOG_FORMAT, SBP_LOG_LEVEL.",
            "",
            "[node]",
            "name = \(Self.tomlString(nodeName))",
            "department = \(Self.tomlString(department))",
            "data_dir = \(Self.tomlString(dataDirectory))",
            "genesis_file = \(Self.tomlString(genesisFile))",
        ]
        if role != .validator { lines.append("role = \(Self.tomlString(role.description))") }
        if emptyBlockIntervalMs != NodeLimits.emptyBlockIntervalMs {
            lines.append("# Every validator must use the same value; 0: no empty blocks (docs/operations.md, Idle chains).")
            lines.append("empty_block_interval_ms = \(emptyBlockIntervalMs ?? 0)")
        }
        if syncMode != .replay {
            lines.append("# With an empty data directory: restore a verified state snapshot from peers (docs/operations.md, State sync).")
            lines.append("sync = \(Self.tomlString(syncMode.rawValue))")
        }
        lines += [
            "",
            "[keys]",
            "# Plaintext hex (mode 0600), or an encrypted keystore document when the name ends in .json.",
            "consensus_key_file = \(Self.tomlString(keys.consensusKeyFile))",
        ]
        if let passwordFile = keys.keystorePasswordFile {
            lines.append("keystore_password_file = \(Self.tomlString(passwordFile))")
        }
        lines += [
            "tls_certificate_file = \(Self.tomlString(keys.tlsCertificateFile))",
            "tls_key_file = \(Self.tomlString(keys.tlsKeyFile))",
            "department_ca_file = \(Self.tomlString(keys.departmentCAFile))",
            "",
            "[p2p]",
            "listen_address = \(Self.tomlString(p2p.host))",
            "listen_port = \(p2p.port)",
        ]
        if certificateExpiryWarningDays != NodeLimits.certificateExpiryWarningDaysDefault {
            lines.append("certificate_expiry_warning_days = \(certificateExpiryWarningDays)")
        }
        if !bootstrap.isEmpty {
            lines.append("# Nodes to dial first, whatever their names: any node the chain trusts may answer.")
            lines.append("bootstrap = [" + bootstrap.map { Self.tomlString($0.address) }.joined(separator: ", ") + "]")
        }
        for peer in peers {
            lines += [
                "",
                "[[p2p.peers]]",
                "name = \(Self.tomlString(peer.name))",
                "department = \(Self.tomlString(peer.department))",
                "address = \(Self.tomlString(peer.address))",
            ]
        }
        lines += [
            "", "[rpc]", "listen_address = \(Self.tomlString(rpc.host))", "listen_port = \(rpc.port)",
            "# Browser origins allowed by CORS, on POST / and WebSocket /ws: \"*\" or exact \"scheme://host:port\" strings.",
            "allowed_origins = [" + rpcOptions.allowedOrigins.map(Self.tomlString).joined(separator: ", ") + "]",
            "batch_requests_max = \(rpcOptions.batchRequestsMax)",
            "request_body_bytes_max = \(rpcOptions.requestBodyBytesMax)  # also the largest WebSocket message",
            "subscriptions_per_connection_max = \(rpcOptions.subscriptionsPerConnectionMax)",
            "websocket_connections_max = \(rpcOptions.webSocketConnectionsMax)",
            "connections_max = \(rpcOptions.connectionsMax)  # TCP connections at once; client_connections_max per client address",
            "client_connections_max = \(rpcOptions.clientConnectionsMax)",
            "explorer = \(rpcOptions.explorer)  # the block explorer on http://HOST:PORT/explorer/ (docs/explorer.md)",
            "", "[metrics]",
        ]
        if let metricsListenPort {
            lines.append("listen_port = \(metricsListenPort)")
        } else {
            lines.append("# /metrics, /healthz and /readyz are served on the RPC port; set listen_port to move them.")
        }
        lines += [
            "",
            "[log]",
            "format = \(Self.tomlString(log.format.rawValue))  # text or json",
            "level = \(Self.tomlString(log.level.rawValue))  # trace, debug, info, notice, warning, error, critical",
            "",
            "[mempool]",
            "transactions_max = \(mempool.transactionsMax)",
            "bytes_max = \(mempool.bytesMax)",
            "",
            "[storage]",
            "memory_bytes = \(storageMemoryBytes)  # RocksDB block cache and memtables, and the state tree node cache",
            "history = \(Self.tomlString(stateHistory.description))  # archive (every state tree version) or \"recent N\"",
        ]
        if snapshotInterval != NodeLimits.snapshotIntervalDefault || snapshotsKept != NodeLimits.snapshotsKeptDefault {
            lines.append("snapshot_interval = \(snapshotInterval)  # blocks between state snapshots served to joining nodes; 0: none")
            lines.append("snapshots_kept = \(snapshotsKept)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML basic string: quotes, backslashes and control characters escaped (TOML 1.0 §String).
    static func tomlString(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
