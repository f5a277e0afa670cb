import ChainTypes

/// `membership_*` methods: departments and accounts (DESIGN §5).
enum MembershipMethods {
    static let getDepartments = RPCMethod(
        name: "membership_getDepartments",
        summary: "Every department in registration order, with its admins' keys, CA certificate and validators.",
        description: "Not paginated: the chain holds at most 256 departments.",
        params: [],
        result: RPCResultDescriptor(
            name: "departments", summary: "The departments.", schema: RPCSchemas.array(of: RPCSchemas.reference("Department"))),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        .array(try await context.ask { backend throws(RPCBackendError) in try await backend.departments() }.map(RPCJSON.department))
    }

    static let getNodes = RPCMethod(
        name: "membership_getNodes",
        summary:
            "Every registered node: the validators of the current set, then the observers, with the endpoints their departments advertise.",
        description: "Nodes dial each other at these endpoints, read from chain state after every block that changes them, so "
            + "a node that joins, moves or leaves needs no restart. A department admin sets its nodes' endpoints and registers "
            + "its observers with node transactions (sbp node set-endpoints, register-observer); validators join only by a "
            + "governance vote. Not paginated: the chain registers at most 512 nodes besides 256 validators.",
        params: [],
        result: RPCResultDescriptor(name: "nodes", summary: "The nodes.", schema: RPCSchemas.array(of: RPCSchemas.reference("Node"))),
        errors: [.internalError]
    ) { _, context throws(RPCError) in
        .array(try await context.ask { backend throws(RPCBackendError) in try await backend.nodes() }.map(RPCJSON.node))
    }

    static let getAccount = RPCMethod(
        name: "membership_getAccount",
        summary: "A registered account: its department, roles, whether it is suspended, and the nonce its next transaction needs.",
        description: "nonce is the next nonce in the latest finalized state; pendingNonce also counts the transactions of the "
            + "account pending in this node's mempool (not those waiting behind a missing nonce), so a client that sends "
            + "several transactions without waiting for receipts signs the next one with pendingNonce. An address that "
            + "is not a registered account is -32001.",
        params: [RPCParameter(name: "address", summary: "The account address.", kind: .address)],
        result: RPCResultDescriptor(name: "account", summary: "The account.", schema: RPCSchemas.reference("Account")),
        errors: [.invalidParams, .notFound, .internalError]
    ) { arguments, context throws(RPCError) in
        let address = try arguments.address("address")
        guard let account = try await context.ask({ backend throws(RPCBackendError) in try await backend.account(address) }) else {
            throw RPCError(.notFound, message: "Not found: \(address) is not a registered account")
        }
        return RPCJSON.account(account)
    }

    static let listAccounts = RPCMethod(
        name: "membership_listAccounts",
        summary: "The accounts of a department with their roles and whether each is suspended, in address order, one page at a time.",
        description: "Read from an index the node writes with each block (an account never leaves its department, so "
            + "its entry is written once, when the account is added); roles, suspension and nonces are the account's "
            + "latest state, as membership_getAccount returns them. A department id no department has is -32001. "
            + "A node whose blocks do not reach back to genesis (restored from a state snapshot) has no complete index "
            + "and answers -32003 with data.lowestRetainedHeight, its first block; ask a node that holds the whole chain.",
        params: [
            RPCParameter(
                name: "department", summary: "The department id.", kind: .text(maxBytes: RPCLimits.departmentIdBytesMax)),
            RPCParameter(
                name: "cursor", summary: "The nextCursor of the previous page; absent for the first.", kind: .cursor, required: false),
            RPCParameter(
                name: "limit", summary: "The most accounts to return.",
                kind: .limit(max: RPCLimits.pageItemsMax, default: RPCLimits.pageItemsDefault), required: false),
        ],
        result: RPCResultDescriptor(name: "page", summary: "One page of accounts.", schema: RPCSchemas.reference("AccountPage")),
        errors: [.invalidParams, .notFound, .pruned, .limitExceeded, .internalError]
    ) { arguments, context throws(RPCError) in
        let department = try arguments.string("department")
        let after = try arguments.optionalString("cursor").map { text throws(RPCError) in
            guard let bytes = PageCursor.decodeBytes(text, .account, count: Address.byteCount), let address = Address(bytes: bytes) else {
                throw .invalidParams("cursor is not a membership_listAccounts cursor")
            }
            return address
        }
        let limit = Int(try arguments.uint64("limit"))
        // One more than the page tells whether another page follows.
        let found = try await context.ask { backend throws(RPCBackendError) in
            try await backend.accounts(department: department, after: after, limit: limit + 1)
        }
        guard var accounts = found else { throw RPCError(.notFound, message: "Not found: no department has the id \(department)") }
        var nextCursor: String?
        if accounts.count > limit {
            accounts.removeLast(accounts.count - limit)
            nextCursor = accounts.last.map { PageCursor.encode(.account, bytes: $0.address.bytes) }
        }
        return RPCJSON.accountPage(accounts, nextCursor: nextCursor)
    }
}
