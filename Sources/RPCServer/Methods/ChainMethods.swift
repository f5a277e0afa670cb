/// `chain_*` methods: committed blocks, headers, certificates and the genesis document.
enum ChainMethods {
    static let txsParameter = RPCParameter(
        name: "txs", summary: "How much of each transaction to return.",
        kind: .oneOf(BlockTransactionsDetail.allCases.map(\.rawValue), default: BlockTransactionsDetail.hashes.rawValue),
        required: false)

    static let getLatestHeight = RPCMethod(
        name: "chain_getLatestHeight",
        summary: "The height of the latest committed block (0 before the first block).",
        params: [],
        result: RPCResultDescriptor(name: "height", summary: "The latest height.", schema: RPCSchemas.reference("Uint64")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        RPCJSON.uint64(try await context.ask { backend throws(RPCBackendError) in try await backend.latestHeight() })
    }

    static let getBlockByHeight = RPCMethod(
        name: "chain_getBlockByHeight",
        summary: "The committed block at a height, with its header, transactions and the commit certificate it carries.",
        description: "txs chooses how transactions appear: \"none\" (only transactionCount), \"hashes\" (the default) or "
            + "\"full\" (every transaction as an object). A height above the latest committed block is error -32002; "
            + "a height the node has pruned is -32003.",
        params: [RPCParameter(name: "height", summary: "The block height (the first block is 1).", kind: .uint64), txsParameter],
        result: RPCResultDescriptor(name: "block", summary: "The block.", schema: RPCSchemas.reference("Block")),
        errors: [.invalidParams, .unknownBlock, .pruned, .internalError]
    ) { arguments, context throws(RPCError) in
        let height = try arguments.uint64("height")
        let detail = try transactionsDetail(arguments)
        return RPCJSON.block(
            try await context.ask { backend throws(RPCBackendError) in try await backend.block(atHeight: height) }, transactions: detail)
    }

    static let getBlockByHash = RPCMethod(
        name: "chain_getBlockByHash",
        summary: "The committed block with a hash, or null when no committed block has it.",
        description: "txs works as in chain_getBlockByHeight. null rather than an error, as for tx_getReceipt: a block "
            + "being agreed on now has no committed hash yet.",
        params: [RPCParameter(name: "hash", summary: "The block hash.", kind: .hash), txsParameter],
        result: RPCResultDescriptor(
            name: "block", summary: "The block, or null.", schema: RPCSchemas.nullable(RPCSchemas.reference("Block"))),
        errors: [.invalidParams, .internalError]
    ) { arguments, context throws(RPCError) in
        let hash = try arguments.hash("hash")
        let detail = try transactionsDetail(arguments)
        let block = try await context.ask { backend throws(RPCBackendError) in try await backend.block(hash: hash) }
        return block.map { RPCJSON.block($0, transactions: detail) } ?? .null
    }

    static let getHeaders = RPCMethod(
        name: "chain_getHeaders",
        summary: "The headers of a range of committed blocks, each with its hash, in height order.",
        description: "from and to are inclusive; at most \(RPCLimits.headersMax) headers per call (a longer range is -32004). "
            + "from above the latest height is -32002; a to above it is cut to the latest height.",
        params: [
            RPCParameter(name: "from", summary: "The first height (at least 1).", kind: .uint64),
            RPCParameter(name: "to", summary: "The last height, at least from.", kind: .uint64),
        ],
        result: RPCResultDescriptor(
            name: "headers", summary: "The headers.", schema: RPCSchemas.array(of: RPCSchemas.reference("HashedHeader"))),
        errors: [.invalidParams, .limitExceeded, .unknownBlock, .pruned, .internalError],
        cost: RPCCost(blocks: UInt64(RPCLimits.headersMax))
    ) { arguments, context throws(RPCError) in
        let from = try arguments.uint64("from")
        let to = try arguments.uint64("to")
        guard from >= 1 else { throw .invalidParams("from must be at least 1 (the first block)") }
        guard from <= to else { throw .invalidParams("from \(from) is above to \(to)") }
        guard to - from < UInt64(RPCLimits.headersMax) else {
            throw .limitExceeded("headers in one call", limit: RPCLimits.headersMax, received: Int(clamping: to - from + 1))
        }
        let headers = try await context.ask { backend throws(RPCBackendError) in try await backend.headers(from: from, to: to) }
        return .array(headers.map(RPCJSON.hashedHeader))
    }

    static let getCommit = RPCMethod(
        name: "chain_getCommit",
        summary: "The commit certificate of the block at a height: the 2f+1 signed COMMIT votes that finalized it.",
        description: "Each vote is a validator index (into the validator set deciding that height, consensus_getValidators) "
            + "and its signature over the commit digest (docs/protocol.md). A height above the latest is -32002.",
        params: [RPCParameter(name: "height", summary: "The block height.", kind: .uint64)],
        result: RPCResultDescriptor(name: "certificate", summary: "The certificate.", schema: RPCSchemas.reference("CommitCertificate")),
        errors: [.invalidParams, .unknownBlock, .pruned, .internalError]
    ) { arguments, context throws(RPCError) in
        let height = try arguments.uint64("height")
        return RPCJSON.certificate(
            try await context.ask { backend throws(RPCBackendError) in try await backend.commitCertificate(atHeight: height) })
    }

    static let getGenesis = RPCMethod(
        name: "chain_getGenesis",
        summary: "The genesis document the chain started from, and its hash (the chain's identity).",
        description: "The hash is the tagged SHA-256 of the document's canonical encoding (docs/protocol.md), so it does not "
            + "depend on this JSON rendering, in which addresses and hashes follow the 0x rule. Every member the hash covers is "
            + "present (validators' endpoints when the document lists them), so the document saved as a file hashes to hash "
            + "again, once integers sent as decimal strings (above 2^53) are written as JSON numbers.",
        params: [],
        result: RPCResultDescriptor(name: "genesis", summary: "The genesis document and hash.", schema: RPCSchemas.reference("Genesis")),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        RPCJSON.genesis(try await context.ask { backend throws(RPCBackendError) in try await backend.genesis() })
    }

    private static func transactionsDetail(_ arguments: RPCArguments) throws(RPCError) -> BlockTransactionsDetail {
        guard let detail = BlockTransactionsDetail(rawValue: try arguments.string("txs")) else {
            throw RPCError(.internalError, message: "Internal error: txs is not a BlockTransactionsDetail")
        }
        return detail
    }
}
