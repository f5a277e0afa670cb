import ChainTypes

/// `tx_*` methods: submitting transactions and reading their receipts.
enum TransactionMethods {
    static let send = RPCMethod(
        name: "tx_send",
        summary: "Submits a signed transaction to the node's mempool and returns its hash.",
        description: "The parameter is the canonical encoding of the signed transaction (docs/protocol.md) as 0x-prefixed hex. "
            + "Bytes that are not a canonical transaction are -32602; a transaction over the size limit is -32004; a "
            + "transaction the node refuses is -32000 with data.reason one of: " + TransactionRejection.reasons.joined(separator: ", ")
            + ". Resubmitting a pending transaction returns its hash again.",
        params: [
            RPCParameter(
                name: "transaction", summary: "The signed transaction's canonical encoding.",
                kind: .bytes(maxBytes: Limits.transactionBytesMax))
        ],
        result: RPCResultDescriptor(
            name: "hash", summary: "The transaction hash, for tx_getReceipt.", schema: RPCSchemas.reference("Hash")),
        errors: [.invalidParams, .limitExceeded, .transactionRejected, .internalError]
    ) { arguments, context throws(RPCError) in
        let encoded = try arguments.bytes("transaction")
        let transaction: Transaction
        do throws(CanonicalDecodingError) {
            transaction = try Transaction(canonicalBytes: encoded)
        } catch {
            throw RPCError(
                .invalidParams, message: "Invalid params: transaction is not a canonical encoding: \(error)",
                data: .object(["decodingError": .string(error.description)]))
        }
        let submission: TransactionSubmission
        do throws(RPCBackendError) {
            submission = try await context.backend.submitTransaction(transaction)
        } catch {
            throw context.error(from: error)
        }
        switch submission {
        case .accepted:
            return RPCJSON.hash(transaction.hash)
        case .rejected(let rejection):
            throw RPCError(.transactionRejected, message: "Transaction rejected: " + rejection.message, data: rejection.data)
        }
    }

    static let getReceipt = RPCMethod(
        name: "tx_getReceipt",
        summary: "The receipt of a committed transaction with its block and position, or null when no committed block holds it.",
        description: "null (not an error) for a transaction that is pending, unknown or rejected at submission, so a client "
            + "can poll after tx_send until the receipt appears.",
        params: [RPCParameter(name: "hash", summary: "The transaction hash tx_send returned.", kind: .hash)],
        result: RPCResultDescriptor(
            name: "receipt", summary: "The receipt, or null.", schema: RPCSchemas.nullable(RPCSchemas.reference("Receipt"))),
        errors: [.invalidParams, .internalError]
    ) { arguments, context throws(RPCError) in
        let hash = try arguments.hash("hash")
        do throws(RPCBackendError) {
            return try await context.backend.receipt(forTransaction: hash).map(RPCJSON.receipt) ?? .null
        } catch {
            throw context.error(from: error)
        }
    }
}
