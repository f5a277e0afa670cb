/// `node_*` methods: the node's identity and progress.
enum NodeMethods {
    static let status = RPCMethod(
        name: "node_status",
        summary: "The node's chain, identity, latest committed block, PBFT view, connected peers and whether it is syncing.",
        params: [],
        result: RPCResultDescriptor(name: "status", summary: "The node's status.", schema: RPCSchemas.reference("NodeStatus")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        do throws(RPCBackendError) {
            return RPCJSON.nodeStatus(try await context.backend.nodeStatus())
        } catch {
            throw context.error(from: error)
        }
    }
}
