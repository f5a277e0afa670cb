/// `node_*` methods: the node's identity, progress, peers and health.
enum NodeMethods {
    static let status = RPCMethod(
        name: "node_status",
        summary: "The node's chain, identity, latest committed block, PBFT view, connected peers and whether it is syncing.",
        params: [],
        result: RPCResultDescriptor(name: "status", summary: "The node's status.", schema: RPCSchemas.reference("NodeStatus")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        RPCJSON.nodeStatus(try await context.ask { backend throws(RPCBackendError) in try await backend.nodeStatus() })
    }

    static let peers = RPCMethod(
        name: "node_peers",
        summary: "The peers with an open, authenticated link: name, department, direction, certificate expiry and last message age.",
        description: "One entry per peer, sorted by name; when both nodes dialled each other the oldest link is reported. "
            + "certificateNotValidAfterMs is the X.509 notValidAfter of the certificate the peer presented (ms since the Unix "
            + "epoch); lastMessageAgeMs is null until the peer has sent a message.",
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
}
