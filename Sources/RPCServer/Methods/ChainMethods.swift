/// `chain_*` methods: committed blocks.
enum ChainMethods {
    static let getBlockByHeight = RPCMethod(
        name: "chain_getBlockByHeight",
        summary: "The committed block at a height, with its header, transactions and the commit certificate it carries.",
        description: "txs chooses how transactions appear: \"none\" (only transactionCount), \"hashes\" (the default) or "
            + "\"full\" (every transaction as an object). A height above the latest committed block is error -32002; "
            + "a height the node has pruned is -32003.",
        params: [
            RPCParameter(name: "height", summary: "The block height (the first block is 1).", kind: .uint64),
            RPCParameter(
                name: "txs", summary: "How much of each transaction to return.",
                kind: .oneOf(BlockTransactionsDetail.allCases.map(\.rawValue), default: BlockTransactionsDetail.hashes.rawValue),
                required: false),
        ],
        result: RPCResultDescriptor(name: "block", summary: "The block.", schema: RPCSchemas.reference("Block")),
        errors: [.invalidParams, .unknownBlock, .pruned, .internalError]
    ) { arguments, context throws(RPCError) in
        let height = try arguments.uint64("height")
        guard let detail = BlockTransactionsDetail(rawValue: try arguments.string("txs")) else {
            throw RPCError(.internalError, message: "Internal error: txs is not a BlockTransactionsDetail")
        }
        do throws(RPCBackendError) {
            return RPCJSON.block(try await context.backend.block(atHeight: height), transactions: detail)
        } catch {
            throw context.error(from: error)
        }
    }
}
