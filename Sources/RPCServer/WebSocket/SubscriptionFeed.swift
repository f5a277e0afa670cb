import ChainTypes

/// What a subscription follows, with the options `subscribe` checked.
enum SubscriptionTopic: Sendable, Equatable {
    /// Each finalized block's header, strictly after a height.
    case newHeads
    /// Each committed event matching a filter (contracts and topics only; heights come from the cursor).
    case events(EventFilter)
    /// One transaction's status: the current one at once, then its commit, then the end.
    case txStatus(Hash)

    /// The kinds `subscribe` accepts, in documentation order.
    static let kinds = ["newHeads", "events", "txStatus"]
}

/// Where a subscription stands in the committed chain: everything up to and including it has been queued.
enum SubscriptionPosition: Sendable, Equatable {
    case height(UInt64)
    case event(EventCursor)

    /// The opaque string clients pass back as `cursor`.
    var encoded: String {
        switch self {
        case .height(let height): return HeightCursor(height: height).encoded
        case .event(let cursor): return cursor.encoded
        }
    }
}

/// One notification's payload and the cursor just after it.
struct SubscriptionItem: Sendable, Equatable {
    let result: JSONValue
    let cursor: String
}

/// Reads a subscription's committed data by cursor, one bounded page per call.
///
/// Nothing is pushed to it: after each finalized block (or while replaying) the session asks for the items
/// strictly after `position` up to the chain head, so an item is delivered once whatever the timing, and a
/// reconnecting client that passes its last cursor resumes exactly where it stopped.
struct SubscriptionFeed: Sendable {
    let topic: SubscriptionTopic
    private(set) var position: SubscriptionPosition
    /// The last status a `txStatus` subscription reported (`pending` or `unknown`).
    private var lastStatus: String?

    /// One page of items, and whether the feed reached `head` (`complete`) or the subscription ends (`ends`).
    struct Page: Sendable {
        var items: [SubscriptionItem]
        var complete: Bool
        var ends: Bool
    }

    init(topic: SubscriptionTopic, position: SubscriptionPosition) {
        self.topic = topic
        self.position = position
    }

    /// Reads the next page after `position`, up to `head`, and advances `position` past it.
    mutating func next(head: UInt64, backend: any RPCBackend) async throws(RPCBackendError) -> Page {
        switch (topic, position) {
        case (.newHeads, .height(let after)):
            return try await nextHeaders(after: after, head: head, backend: backend)
        case (.events(let filter), .event(let after)):
            return try await nextEvents(filter, after: after, head: head, backend: backend)
        case (.txStatus(let hash), _):
            return try await nextStatus(hash, head: head, backend: backend)
        default:
            throw .internalFailure("subscription position \(position) does not fit topic \(topic)")
        }
    }

    private mutating func nextHeaders(after: UInt64, head: UInt64, backend: any RPCBackend) async throws(RPCBackendError) -> Page {
        guard after < head else { return Page(items: [], complete: true, ends: false) }
        let to = min(head, after + UInt64(RPCLimits.subscriptionPageItemsMax))
        let headers = try await backend.headers(from: after + 1, to: to)
        let items = headers.map { header in
            SubscriptionItem(result: RPCJSON.hashedHeader(header), cursor: HeightCursor(height: header.height).encoded)
        }
        position = .height(max(after, headers.last?.height ?? to))
        return Page(items: items, complete: (headers.last?.height ?? to) >= head, ends: false)
    }

    private mutating func nextEvents(
        _ filter: EventFilter, after: EventCursor, head: UInt64, backend: any RPCBackend
    ) async throws(RPCBackendError) -> Page {
        let end = EventCursor.endOfBlock(head)
        guard after < end else { return Page(items: [], complete: true, ends: false) }
        var bounded = filter
        bounded.toHeight = head
        let page = try await backend.queryEvents(bounded, after: after, limit: RPCLimits.subscriptionPageItemsMax)
        let kept = Self.eventsWithinPageBytes(page.events)
        let items = page.events[..<kept].map { record in
            SubscriptionItem(result: RPCJSON.eventRecord(record), cursor: record.position.encoded)
        }
        if kept < page.events.count {
            // Cut for its bytes: the next page starts strictly after the last event kept.
            position = .event(page.events[kept - 1].position)
            return Page(items: items, complete: false, ends: false)
        }
        guard let next = page.nextCursor, next < end else {
            position = .event(end)
            return Page(items: items, complete: true, ends: false)
        }
        position = .event(max(after, next))
        return Page(items: items, complete: false, ends: false)
    }

    /// How many of `events`, from the first, a page keeps: at least one, then while their bytes
    /// (`RPCLimits.eventPageBytes`) stay within `RPCLimits.subscriptionPageBytesMax`.
    static func eventsWithinPageBytes(_ events: [EventRecord]) -> Int {
        var bytes = 0
        for (index, record) in events.enumerated() {
            bytes += RPCLimits.eventPageBytes(dataBytes: record.event.data.count)
            if index > 0 && bytes > RPCLimits.subscriptionPageBytesMax { return index }
        }
        return events.count
    }

    private mutating func nextStatus(_ hash: Hash, head: UInt64, backend: any RPCBackend) async throws(RPCBackendError) -> Page {
        if let receipt = try await backend.receipt(forTransaction: hash) {
            position = .height(receipt.height)
            let result: JSONValue = .object(["status": .string("committed"), "receipt": RPCJSON.receipt(receipt)])
            return Page(items: [SubscriptionItem(result: result, cursor: position.encoded)], complete: true, ends: true)
        }
        let status = try await backend.isPending(transaction: hash) ? "pending" : "unknown"
        position = .height(head)
        guard status != lastStatus else { return Page(items: [], complete: true, ends: false) }
        lastStatus = status
        let result: JSONValue = .object(["status": .string(status), "receipt": .null])
        return Page(items: [SubscriptionItem(result: result, cursor: position.encoded)], complete: true, ends: false)
    }
}
