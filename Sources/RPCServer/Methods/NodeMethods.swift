/// `node_*` methods: the node's identity, progress, peers and health.
enum NodeMethods {
    static let status = RPCMethod(
        name: "node_status",
        summary:
            "The node's chain, identity, latest committed block, PBFT view, connected peers, whether it is syncing, the chain protocol version in force, the chain protocol versions its build executes and the peer protocol versions it speaks.",
        params: [],
        result: RPCResultDescriptor(name: "status", summary: "The node's status.", schema: RPCSchemas.reference("NodeStatus")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        RPCJSON.nodeStatus(try await context.ask { backend throws(RPCBackendError) in try await backend.nodeStatus() })
    }

    static let peers = RPCMethod(
        name: "node_peers",
        summary:
            "The peers with an open, authenticated link: name, department, direction, certificate expiry, last message age and peer protocol version.",
        description: "One entry per peer, sorted by name; when both nodes dialled each other the oldest link is reported. "
            + "certificateNotValidAfterMs is the X.509 notValidAfter of the certificate the peer presented (ms since the Unix "
            + "epoch); lastMessageAgeMs is null until the peer has sent a message; protocolVersion is the peer protocol version the link "
            + "speaks, the highest both nodes speak, null until the peer's hello.",
        params: [],
        result: RPCResultDescriptor(
            name: "peers", summary: "The connected peers.", schema: RPCSchemas.array(of: RPCSchemas.reference("PeerInfo"))),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        .array(try await context.ask { backend throws(RPCBackendError) in try await backend.peers() }.map(RPCJSON.peer))
    }

    static let health = RPCMethod(
        name: "node_health",
        summary: "Whether the node should receive traffic (GET /readyz) and the conditions that decide it.",
        description: "ready is true when the node is not syncing, not halted and connected to enough peers for a quorum "
            + "(quorum counts this node). haltedReason is set when the node stopped executing blocks.",
        params: [],
        result: RPCResultDescriptor(name: "health", summary: "The node's health.", schema: RPCSchemas.reference("NodeHealth")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        RPCJSON.health(try await context.ask { backend throws(RPCBackendError) in try await backend.health() })
    }

    static let backup = RPCMethod(
        name: "node_backup",
        summary: "Writes a consistent copy of the node's data directory (a RocksDB checkpoint) to a new directory on the node's machine.",
        description: "directory must be an absolute path that does not exist yet, in an existing parent directory; on the "
            + "file system of the data directory the copy hard-links the table files and costs little space. The copy is a "
            + "data directory: stop the node (or use a fresh node directory), put the copy in place of data_dir and start "
            + "it. It carries a recovery marker, so a node started on it votes only after catching up, as a wiped node "
            + "does (docs/operations.md, Backup and restore). Only callers on the node's machine (a loopback address) may "
            + "call it, with an API token when the node configures any; anything else is -32008. A directory the node "
            + "cannot use is -32602 with the reason.",
        params: [
            RPCParameter(
                name: "directory", summary: "Absolute path of the new backup directory on the node's machine.",
                kind: .text(maxBytes: RPCLimits.backupPathBytesMax))
        ],
        result: RPCResultDescriptor(
            name: "backup", summary: "Where the backup is and what it holds.", schema: RPCSchemas.reference("Backup")),
        errors: [.invalidParams, .internalError], localOnly: true
    ) { arguments, context throws(RPCError) in
        let directory = try arguments.string("directory")
        return RPCJSON.backup(try await context.ask { backend throws(RPCBackendError) in try await backend.backup(to: directory) })
    }
}
