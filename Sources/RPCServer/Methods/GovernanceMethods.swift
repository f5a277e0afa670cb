/// `governance_*` methods: proposals and their votes (DESIGN §5).
enum GovernanceMethods {
    static let getProposals = RPCMethod(
        name: "governance_getProposals",
        summary: "Governance proposals, newest first, optionally only those with a status, one page at a time.",
        params: [
            RPCParameter(
                name: "status", summary: "Only proposals with this status.",
                kind: .oneOf(ProposalState.allCases.map(\.rawValue), default: nil),
                required: false),
            RPCParameter(
                name: "cursor", summary: "The nextCursor of the previous page; absent for the first.", kind: .cursor, required: false),
            RPCParameter(
                name: "limit", summary: "The most proposals to return.",
                kind: .limit(max: RPCLimits.pageItemsMax, default: RPCLimits.pageItemsDefault), required: false),
        ],
        result: RPCResultDescriptor(name: "page", summary: "One page of proposals.", schema: RPCSchemas.reference("ProposalPage")),
        errors: [.invalidParams, .limitExceeded, .internalError]
    ) { arguments, context throws(RPCError) in
        let status = try arguments.optionalString("status").flatMap(ProposalState.init(rawValue:))
        let beforeId = try arguments.optionalString("cursor").map { text throws(RPCError) in
            guard let fields = PageCursor.decode(text, .proposal, widths: [8]) else {
                throw .invalidParams("cursor is not a governance_getProposals cursor")
            }
            return fields[0]
        }
        let limit = Int(try arguments.uint64("limit"))
        // One more than the page tells whether another page follows.
        var proposals = try await context.ask { backend throws(RPCBackendError) in
            try await backend.proposals(status: status, beforeId: beforeId, limit: limit + 1)
        }
        var nextCursor: String?
        if proposals.count > limit {
            proposals.removeLast(proposals.count - limit)
            nextCursor = proposals.last.map { PageCursor.encode(.proposal, [($0.id, 8)]) }
        }
        return RPCJSON.proposalPage(proposals, nextCursor: nextCursor)
    }
}
