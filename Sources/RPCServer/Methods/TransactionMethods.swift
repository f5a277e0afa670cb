import ChainTypes

/// `tx_*` methods: submitting transactions, reading them and their receipts, and searching them.
enum TransactionMethods {
    static let transactionParameter = RPCParameter(
        name: "transaction", summary: "The signed transaction's canonical encoding.", kind: .bytes(maxBytes: Limits.transactionBytesMax))

    static let send: RPCMethod = {
        var method = sendMethod
        method.submission = { arguments throws(RPCError) in try decodeTransaction(try arguments.bytes("transaction")) }
        return method
    }()

    private static let sendMethod = RPCMethod(
        name: "tx_send",
        summary: "Submits a signed transaction to the node's mempool and returns its hash.",
        description: "The parameter is the canonical encoding of the signed transaction (docs/protocol.md) as 0x-prefixed hex. "
            + "Bytes that are not a canonical transaction are -32602; a transaction over the size limit is -32004; a "
            + "transaction the node refuses is -32000 with data a TransactionRejection (data.reason one of: "
            + TransactionRejection.reasons.joined(separator: ", ") + "). Resubmitting a pending transaction returns its hash again.",
        params: [transactionParameter],
        result: RPCResultDescriptor(
            name: "hash", summary: "The transaction hash, for tx_getReceipt.", schema: RPCSchemas.reference("Hash")),
        errors: [.invalidParams, .limitExceeded, .transactionRejected, .internalError], writes: true
    ) { arguments, context throws(RPCError) in
        let transaction = try decodeTransaction(try arguments.bytes("transaction"))
        try await submit(transaction, context: context)
        return RPCJSON.hash(transaction.hash)
    }

    static let sendAndWait = RPCMethod(
        name: "tx_sendAndWait",
        summary: "Submits a signed transaction and waits until a committed block holds it; returns its receipt.",
        description: "Takes the same transaction encoding as tx_send and fails the same ways. The node then looks for the "
            + "receipt after each finalized block (every \(RPCLimits.sendAndWaitPollIntervalMs) ms on a server without block "
            + "announcements) until timeoutMs (default "
            + "\(RPCLimits.sendAndWaitTimeoutMsDefault), at most \(RPCLimits.sendAndWaitTimeoutMsMax); more is -32004) has "
            + "passed, then answers -32005 with data.transactionHash: the transaction stays pending and may still commit, so "
            + "poll tx_getReceipt. A transaction that is already committed returns its receipt without being submitted again. "
            + "The call holds its connection (and the rest of its batch) while it waits.",
        params: [
            transactionParameter,
            RPCParameter(
                name: "timeoutMs", summary: "How long to wait for the receipt, in milliseconds.", kind: .uint64, required: false),
        ],
        result: RPCResultDescriptor(name: "receipt", summary: "The committed receipt.", schema: RPCSchemas.reference("Receipt")),
        errors: [.invalidParams, .limitExceeded, .transactionRejected, .timeout, .internalError], writes: true
    ) { arguments, context throws(RPCError) in
        let transaction = try decodeTransaction(try arguments.bytes("transaction"))
        let timeoutMs = try arguments.optionalUInt64("timeoutMs") ?? RPCLimits.sendAndWaitTimeoutMsDefault
        guard timeoutMs <= RPCLimits.sendAndWaitTimeoutMsMax else {
            throw .limitExceeded(
                "timeoutMs", limit: Int(RPCLimits.sendAndWaitTimeoutMsMax), received: Int(clamping: timeoutMs))
        }
        let hash = transaction.hash
        if let receipt = try await context.ask({ backend throws(RPCBackendError) in try await backend.receipt(forTransaction: hash) }) {
            return RPCJSON.receipt(receipt)
        }
        let submission = try await context.ask { backend throws(RPCBackendError) in try await backend.submitTransaction(transaction) }
        // A block can commit this very transaction between the look above and the submission (a client asking
        // again after a -32005, on a busy node): its nonce is then used by itself, and the receipt is the answer.
        if case .rejected(.nonceTooLow) = submission,
            let receipt = try await context.ask({ backend throws(RPCBackendError) in try await backend.receipt(forTransaction: hash) })
        {
            return RPCJSON.receipt(receipt)
        }
        try refusal(of: submission)
        return RPCJSON.receipt(try await waitForReceipt(hash, timeoutMs: timeoutMs, context: context))
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
        return try await context.ask { backend throws(RPCBackendError) in try await backend.receipt(forTransaction: hash) }
            .map(RPCJSON.receipt) ?? .null
    }

    static let getByHash = RPCMethod(
        name: "tx_getByHash",
        summary: "A committed transaction with its block, position and receipt status, or null when no committed block holds it.",
        description: "null, as for tx_getReceipt, for a transaction that is pending or unknown.",
        params: [RPCParameter(name: "hash", summary: "The transaction hash.", kind: .hash)],
        result: RPCResultDescriptor(
            name: "transaction", summary: "The transaction, or null.",
            schema: RPCSchemas.nullable(RPCSchemas.reference("CommittedTransaction"))),
        errors: [.invalidParams, .internalError]
    ) { arguments, context throws(RPCError) in
        let hash = try arguments.hash("hash")
        return try await context.ask { backend throws(RPCBackendError) in try await backend.transaction(hash: hash) }
            .map(RPCJSON.committedTransaction) ?? .null
    }

    static let filterMembers = ["sender", "contract", "fromHeight", "toHeight", "status"]

    static let search = RPCMethod(
        name: "tx_search",
        summary: "Committed transactions matching a filter, oldest first, one page at a time.",
        description: "filter members (all optional, all must match): sender (an address), contract (call transactions to "
            + "that contract), fromHeight and toHeight (inclusive), status (the receipt status). With a sender the node "
            + "reads its sender index; otherwise it reads blocks from fromHeight, at most \(RPCLimits.searchScanBlocksMax) "
            + "per call, and an index search reads at most \(RPCLimits.searchScanEntriesMax) entries per call. A page "
            + "therefore may hold fewer than limit transactions, or none, and still have a nextCursor: keep calling with "
            + "it until nextCursor is null. A filter member not listed here is -32602.",
        params: [
            RPCParameter(
                name: "filter", summary: "What to look for; {} or absent matches every transaction.",
                kind: .structured(
                    schema: RPCSchemas.object(
                        "TransactionFilter",
                        [
                            "sender": RPCSchemas.reference("Address"), "contract": RPCSchemas.reference("Address"),
                            "fromHeight": RPCSchemas.reference("Uint64"), "toHeight": RPCSchemas.reference("Uint64"),
                            "status": RPCSchemas.enumeration(ReceiptStatus.allCases.map(RPCJSON.name(of:))),
                        ], required: [])),
                required: false),
            RPCParameter(
                name: "cursor", summary: "The nextCursor of the previous page; absent for the first.", kind: .cursor, required: false),
            RPCParameter(
                name: "limit", summary: "The most transactions to return.",
                kind: .limit(max: RPCLimits.pageItemsMax, default: RPCLimits.pageItemsDefault), required: false),
        ],
        result: RPCResultDescriptor(name: "page", summary: "One page of transactions.", schema: RPCSchemas.reference("TransactionPage")),
        errors: [.invalidParams, .limitExceeded, .internalError], cost: .search
    ) { arguments, context throws(RPCError) in
        let filter = try transactionFilter(arguments.contains("filter") ? try arguments.json("filter") : .object([:]))
        let cursor = try arguments.optionalString("cursor").map { text throws(RPCError) in
            guard let cursor = TransactionCursor(encoded: text) else { throw .invalidParams("cursor is not a tx_search cursor") }
            return cursor
        }
        let limit = Int(try arguments.uint64("limit"))
        let page = try await context.ask { backend throws(RPCBackendError) in
            try await backend.searchTransactions(filter, after: cursor, limit: limit)
        }
        return RPCJSON.transactionPage(page)
    }

    // MARK: Helpers

    static func transactionFilter(_ value: JSONValue) throws(RPCError) -> TransactionFilter {
        let object = try StructuredParameter(name: "filter", value: value, allowed: filterMembers)
        let fromHeight = try object.uint64("fromHeight")
        let toHeight = try object.uint64("toHeight")
        try object.checkRange(from: fromHeight, to: toHeight)
        let status = try object.oneOf("status", ReceiptStatus.allCases.map(RPCJSON.name(of:))).flatMap { name in
            ReceiptStatus.allCases.first { RPCJSON.name(of: $0) == name }
        }
        return TransactionFilter(
            sender: try object.address("sender"), contract: try object.address("contract"), fromHeight: fromHeight, toHeight: toHeight,
            status: status)
    }

    static func decodeTransaction(_ encoded: [UInt8]) throws(RPCError) -> Transaction {
        do throws(CanonicalDecodingError) {
            return try Transaction(canonicalBytes: encoded)
        } catch {
            throw RPCError(
                .invalidParams, message: "Invalid params: transaction is not a canonical encoding: \(error)",
                data: .object(["decodingError": .string(error.description)]))
        }
    }

    /// Offers the transaction to the node; a refusal is −32000 with the reason.
    static func submit(_ transaction: Transaction, context: RPCCallContext) async throws(RPCError) {
        let submission = try await context.ask { backend throws(RPCBackendError) in try await backend.submitTransaction(transaction) }
        try refusal(of: submission)
    }

    /// Throws the −32000 error of a refused submission.
    static func refusal(of submission: TransactionSubmission) throws(RPCError) {
        if case .rejected(let rejection) = submission {
            throw RPCError(.transactionRejected, message: rejection.message, data: rejection.data)
        }
    }

    /// Looks for the receipt after each finalized block the node announces (`ChainHead`), or by polling when
    /// it announces none, until it appears or `timeoutMs` has passed (−32005); cancellation ends the wait the same way.
    static func waitForReceipt(_ hash: Hash, timeoutMs: UInt64, context: RPCCallContext) async throws(RPCError) -> CommittedReceipt {
        let clock = context.pollClock
        let deadline = clock.now() + .milliseconds(Int64(timeoutMs))
        while true {
            let head = context.chainHead?.height ?? 0
            if let receipt = try await context.ask({ backend throws(RPCBackendError) in try await backend.receipt(forTransaction: hash) }) {
                return receipt
            }
            let remaining = deadline - clock.now()
            guard remaining > .zero, !Task.isCancelled else { break }
            if let chainHead = context.chainHead, chainHead.isAnnounced {
                let pause = min(remaining, .milliseconds(Int64(RPCLimits.sendAndWaitAnnouncedPollIntervalMs)))
                _ = await chainHead.wait(after: head, timeout: pause)
                if Task.isCancelled { break }
                continue
            }
            let pause = min(remaining, .milliseconds(Int64(RPCLimits.sendAndWaitPollIntervalMs)))
            do {
                try await clock.sleep(pause)  // polling a backend that announces nothing
            } catch {
                break
            }
        }
        throw RPCError(
            .timeout, message: "Timeout: no receipt for \(hash) within \(timeoutMs) ms; the transaction stays pending",
            data: .object(["transactionHash": RPCJSON.hash(hash), "timeoutMs": RPCJSON.uint64(timeoutMs)]))
    }
}
