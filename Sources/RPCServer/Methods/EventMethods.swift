import ChainTypes

/// `events_*` methods: contract events across blocks.
enum EventMethods {
    static let filterMembers = ["contracts", "topics", "fromHeight", "toHeight"]

    static let query = RPCMethod(
        name: "events_query",
        summary: "Contract events matching a filter, oldest first, one page at a time, decoded when the contract's interface is known.",
        description: "filter members (all optional, all must match): contracts (up to \(RPCLimits.eventFilterContractsMax) "
            + "addresses), topics (up to \(RPCLimits.eventFilterTopicsMax); an event matches any of them), fromHeight and "
            + "toHeight (inclusive). With contracts the node reads its contract event index (at most "
            + "\(RPCLimits.searchScanEntriesMax) entries per call); without, it reads blocks from fromHeight, at most "
            + "\(RPCLimits.searchScanBlocksMax) per call. As with tx_search a page may be short or empty and still have a "
            + "nextCursor; keep calling until nextCursor is null. decoded holds the event's fields when the node has the "
            + "contract's interface description, else null.",
        params: [
            RPCParameter(
                name: "filter", summary: "What to look for; {} or absent matches every event.",
                kind: .structured(
                    schema: RPCSchemas.object(
                        "EventFilter",
                        [
                            "contracts": RPCSchemas.array(of: RPCSchemas.reference("Address")),
                            "topics": RPCSchemas.array(of: RPCSchemas.string), "fromHeight": RPCSchemas.reference("Uint64"),
                            "toHeight": RPCSchemas.reference("Uint64"),
                        ], required: [])),
                required: false),
            RPCParameter(
                name: "cursor", summary: "The nextCursor of the previous page; absent for the first.", kind: .cursor, required: false),
            RPCParameter(
                name: "limit", summary: "The most events to return.",
                kind: .limit(max: RPCLimits.pageItemsMax, default: RPCLimits.pageItemsDefault), required: false),
        ],
        result: RPCResultDescriptor(name: "page", summary: "One page of events.", schema: RPCSchemas.reference("EventPage")),
        errors: [.invalidParams, .limitExceeded, .internalError], cost: .search
    ) { arguments, context throws(RPCError) in
        let filter = try eventFilter(arguments.contains("filter") ? try arguments.json("filter") : .object([:]))
        let cursor = try arguments.optionalString("cursor").map { text throws(RPCError) in
            guard let cursor = EventCursor(encoded: text) else { throw .invalidParams("cursor is not an events_query cursor") }
            return cursor
        }
        let limit = Int(try arguments.uint64("limit"))
        return RPCJSON.eventPage(
            try await context.ask { backend throws(RPCBackendError) in try await backend.queryEvents(filter, after: cursor, limit: limit) })
    }

    /// Reads an events filter; `allowed` narrows the members (subscriptions take no heights).
    static func eventFilter(_ value: JSONValue, allowed: [String] = filterMembers) throws(RPCError) -> EventFilter {
        let object = try StructuredParameter(name: "filter", value: value, allowed: allowed)
        let contracts = try object.array("contracts", maxCount: RPCLimits.eventFilterContractsMax, expected: "0x + 40 hex digits") {
            RPCJSON.address(from: $0)
        }
        let topics = try object.array(
            "topics", maxCount: RPCLimits.eventFilterTopicsMax, expected: "a string of at most \(Limits.eventTopicBytesMax) bytes"
        ) { value -> String? in
            guard case .string(let topic) = value, topic.utf8.count <= Limits.eventTopicBytesMax else { return nil }
            return topic
        }
        let fromHeight = try object.uint64("fromHeight")
        let toHeight = try object.uint64("toHeight")
        try object.checkRange(from: fromHeight, to: toHeight)
        return EventFilter(contracts: contracts, topics: topics, fromHeight: fromHeight, toHeight: toHeight)
    }
}
