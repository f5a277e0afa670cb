import ChainTypes

/// What `events_query` looks for; every member given must match.
public struct EventFilter: Hashable, Sendable {
    /// Only events these contracts emitted (served from the contract event index); empty: any contract,
    /// found by reading blocks within the scan budget.
    public var contracts: [Address]
    /// Only events with one of these topics; empty: any topic.
    public var topics: [String]
    /// Only blocks at or above this height (default 1).
    public var fromHeight: UInt64?
    /// Only blocks at or below this height (default: the latest).
    public var toHeight: UInt64?

    public init(contracts: [Address] = [], topics: [String] = [], fromHeight: UInt64? = nil, toHeight: UInt64? = nil) {
        self.contracts = contracts
        self.topics = topics
        self.fromHeight = fromHeight
        self.toHeight = toHeight
    }

    /// Whether `event` at `height` passes every member of the filter.
    public func matches(_ event: Event, height: UInt64) -> Bool {
        if !contracts.isEmpty, !contracts.contains(event.contract) { return false }
        if !topics.isEmpty, !topics.contains(event.topic) { return false }
        if let fromHeight, height < fromHeight { return false }
        if let toHeight, height > toHeight { return false }
        return true
    }
}

/// The position of an event: block height, transaction index, event index in the receipt. As an
/// `events_query` page cursor, the next page starts strictly after it.
public struct EventCursor: Hashable, Sendable, Comparable {
    public var height: UInt64
    public var transactionIndex: UInt32
    public var eventIndex: UInt16

    public init(height: UInt64, transactionIndex: UInt32, eventIndex: UInt16) {
        self.height = height
        self.transactionIndex = transactionIndex
        self.eventIndex = eventIndex
    }

    /// The cursor after every event of block `height`.
    public static func endOfBlock(_ height: UInt64) -> EventCursor {
        EventCursor(height: height, transactionIndex: .max, eventIndex: .max)
    }

    /// The opaque string clients pass back.
    public var encoded: String {
        PageCursor.encode(.event, [(height, 8), (UInt64(transactionIndex), 4), (UInt64(eventIndex), 2)])
    }

    /// Reads a string `encoded` wrote; nil for anything else.
    public init?(encoded text: String) {
        guard let fields = PageCursor.decode(text, .event, widths: [8, 4, 2]) else { return nil }
        self.init(height: fields[0], transactionIndex: UInt32(fields[1]), eventIndex: UInt16(fields[2]))
    }

    public static func < (lhs: EventCursor, rhs: EventCursor) -> Bool {
        (lhs.height, lhs.transactionIndex, lhs.eventIndex) < (rhs.height, rhs.transactionIndex, rhs.eventIndex)
    }
}

/// A committed event with its position, its transaction and, when the contract's interface describes
/// its topic, its fields decoded.
public struct EventRecord: Equatable, Sendable {
    public var event: Event
    public var position: EventCursor
    public var transactionHash: Hash
    /// The event's fields by name (`RPCJSON` conventions), or nil when no interface describes the topic.
    public var decoded: JSONValue?

    public init(event: Event, position: EventCursor, transactionHash: Hash, decoded: JSONValue?) {
        self.event = event
        self.position = position
        self.transactionHash = transactionHash
        self.decoded = decoded
    }
}

/// One page of `events_query`.
public struct EventPage: Equatable, Sendable {
    public var events: [EventRecord]
    /// Where the next page starts; nil when the query reached the end of its range.
    public var nextCursor: EventCursor?

    public init(events: [EventRecord], nextCursor: EventCursor?) {
        self.events = events
        self.nextCursor = nextCursor
    }
}
