/// `rpc.discover`: the OpenRPC service discovery method (OpenRPC 1.2.6 §"Service Discovery Method").
enum DiscoverMethod {
    static let discover = RPCMethod(
        name: "rpc.discover",
        summary: "The OpenRPC 1.2.6 document of this API: every method with its parameters, result and errors.",
        params: [],
        result: RPCResultDescriptor(
            name: "openrpcDocument", summary: "The OpenRPC document.",
            schema: .object(["type": .string("object"), "description": .string("An OpenRPC 1.2.6 document.")])),
        errors: []
    ) { _, context throws(RPCError) in
        context.openRPCDocument
    }
}
