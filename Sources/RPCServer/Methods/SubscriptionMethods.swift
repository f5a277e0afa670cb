import ChainTypes

/// `subscribe` and `unsubscribe`: streams of committed data over a WebSocket connection (`/ws`).
enum SubscriptionMethods {
    static let filterMembers = ["contracts", "topics"]

    static let notificationRules =
        "Notifications are JSON-RPC notifications with method \"subscription\" and params {subscription, sequence, cursor, "
        + "result} (SubscriptionNotification): sequence counts 1, 2, 3, ... per subscription without gaps, and cursor is the "
        + "position just after the item. To resume after a disconnect, subscribe again with the last cursor received: the "
        + "stream continues strictly after it, replaying committed history first, so nothing is missed or repeated. A "
        + "notification with error instead of result ends the subscription: -32006 when the client read too slowly (the "
        + "connection then closes with code 1008; data.lastCursor is the last notification sent), -32003 when resuming "
        + "below the node's retained history."

    static let subscribe = RPCMethod(
        name: "subscribe",
        summary:
            "Starts a stream of notifications on this WebSocket connection: new block headers, matching events or a transaction's status.",
        description: "Over WebSocket /ws only; over HTTP it is -32601. kind newHeads sends each finalized block's HashedHeader; "
            + "events sends each committed EventRecord matching filter {contracts?, topics?} (as events_query); txStatus "
            + "sends the status of transaction hash at once (pending or unknown), again when it changes, and the committed "
            + "receipt, which ends the subscription. Without a cursor newHeads and events start at the current head; with one "
            + "they resume strictly after it (an events cursor is also an events_query cursor). The result's cursor is the "
            + "starting position, to resume from if the connection drops before the first notification. "
            + notificationRules + " A connection holds at most " + "\(RPCLimits.subscriptionsPerConnectionMaxDefault) "
            + "subscriptions by default (more is -32004).",
        params: [
            RPCParameter(name: "kind", summary: "What to follow.", kind: .oneOf(SubscriptionTopic.kinds, default: nil)),
            RPCParameter(
                name: "filter", summary: "events only: which events; {} or absent matches every event.",
                kind: .structured(
                    schema: RPCSchemas.object(
                        "EventSubscriptionFilter",
                        [
                            "contracts": RPCSchemas.array(of: RPCSchemas.reference("Address")),
                            "topics": RPCSchemas.array(of: RPCSchemas.string),
                        ],
                        required: [])),
                required: false),
            RPCParameter(name: "hash", summary: "txStatus only: the transaction hash.", kind: .hash, required: false),
            RPCParameter(
                name: "cursor", summary: "newHeads and events: resume strictly after this cursor of an earlier notification.",
                kind: .cursor, required: false),
        ],
        result: RPCResultDescriptor(
            name: "subscription", summary: "The subscription id and its starting cursor.", schema: RPCSchemas.reference("Subscription")),
        errors: [.methodNotFound, .invalidParams, .limitExceeded, .internalError]
    ) { arguments, context throws(RPCError) in
        guard let host = context.subscriptions else {
            throw RPCError(.methodNotFound, message: "Method not found: subscribe is available only over WebSocket (/ws)")
        }
        let (topic, cursor) = try request(arguments)
        return try await host.subscribe(topic, after: cursor, context: context)
    }

    static let unsubscribe = RPCMethod(
        name: "unsubscribe",
        summary: "Ends a subscription of this WebSocket connection; no notification of it follows the response.",
        description: "Returns true when the subscription was running and false when this connection has no such subscription "
            + "(already ended, or never existed), so calling it twice is harmless. Over HTTP it is -32601.",
        params: [
            RPCParameter(
                name: "subscription", summary: "The id subscribe returned.", kind: .text(maxBytes: RPCLimits.subscriptionIdCharactersMax))
        ],
        result: RPCResultDescriptor(name: "ended", summary: "Whether this call ended a running subscription.", schema: RPCSchemas.boolean),
        errors: [.methodNotFound, .invalidParams, .limitExceeded]
    ) { arguments, context throws(RPCError) in
        guard let host = context.subscriptions else {
            throw RPCError(.methodNotFound, message: "Method not found: unsubscribe is available only over WebSocket (/ws)")
        }
        return .bool(host.unsubscribe(id: try arguments.string("subscription")))
    }

    /// Checks that the parameters fit the kind: filter only for events, hash only (and always) for
    /// txStatus, a cursor of the kind's own type.
    static func request(_ arguments: RPCArguments) throws(RPCError) -> (SubscriptionTopic, SubscriptionPosition?) {
        let kind = try arguments.string("kind")
        let hash: Hash? = arguments.contains("hash") ? try arguments.hash("hash") : nil
        let cursor = try arguments.optionalString("cursor")
        if kind != "events", arguments.contains("filter") { throw .invalidParams("filter applies only to kind events") }
        if kind != "txStatus", hash != nil { throw .invalidParams("hash applies only to kind txStatus") }
        switch kind {
        case "newHeads":
            let position = try cursor.map { text throws(RPCError) in
                guard let cursor = HeightCursor(encoded: text) else { throw .invalidParams("cursor is not a newHeads cursor") }
                return SubscriptionPosition.height(cursor.height)
            }
            return (.newHeads, position)
        case "events":
            let filter = try EventMethods.eventFilter(
                arguments.contains("filter") ? try arguments.json("filter") : .object([:]), allowed: filterMembers)
            let position = try cursor.map { text throws(RPCError) in
                guard let cursor = EventCursor(encoded: text) else { throw .invalidParams("cursor is not an events cursor") }
                return SubscriptionPosition.event(cursor)
            }
            return (.events(filter), position)
        default:
            guard let hash else { throw .invalidParams("kind txStatus needs hash, the transaction hash") }
            guard cursor == nil else { throw .invalidParams("txStatus takes no cursor: it reports the current status at once") }
            return (.txStatus(hash), nil)
        }
    }
}
