/// The bookkeeping of one WebSocket connection: its outbound backlog, its subscriptions' sequence numbers
/// and cursors, and the slow-client rule.
///
/// A value whose mutating methods say what to do next (STYLE.md: state machine plus actions); the
/// `WebSocketSession` holds it under a lock and performs them (resume the writer, wake producers, close),
/// so `WebSocketSessionStateTests` check the rules without sockets.
///
/// Slow-client rule: producers (responses, subscriptions) queue while the backlog has room. When it fills
/// up (`backlogMessagesMax`, or `backlogBytesMax` or the connection's share of the server's backlog bytes,
/// whichever is smaller) they wait until the writer has sent half of it, which
/// paces a replay to the client's reading speed. A client that leaves the backlog full while more than
/// `stalledBlocksMax` blocks are finalized is too slow: the queue is dropped, each subscription gets a last
/// notification with error −32006 and the cursor of its last notification actually sent, and the
/// connection is closed with code 1008.
struct WebSocketSessionState {
    struct Limits: Sendable, Equatable {
        var backlogMessagesMax: Int
        var backlogBytesMax: Int
        var subscriptionsMax: Int
        var stalledBlocksMax: UInt64

        init(backlogMessagesMax: Int, backlogBytesMax: Int, subscriptionsMax: Int, stalledBlocksMax: UInt64) {
            precondition(backlogMessagesMax >= 2 && backlogBytesMax >= 2, "a backlog must hold at least two messages and bytes")
            precondition(subscriptionsMax >= 0, "subscriptionsMax must not be negative")
            self.backlogMessagesMax = backlogMessagesMax
            self.backlogBytesMax = backlogBytesMax
            self.subscriptionsMax = subscriptionsMax
            self.stalledBlocksMax = stalledBlocksMax
        }
    }

    /// A message waiting for the writer.
    struct Queued: Equatable {
        let bytes: [UInt8]
        /// The subscription of a notification; nil for a response or a farewell.
        let subscription: UInt64?
        let sequence: UInt64
        let cursor: String
    }

    /// A subscription's numbering: sequence numbers are given when a notification is queued.
    struct Subscription: Equatable {
        let id: String
        var nextSequence: UInt64 = 1
        /// The cursor of the last notification queued (the start cursor before the first).
        var lastQueuedCursor: String
        /// The sequence number and cursor of the last notification handed to the socket (0 and the start
        /// cursor before the first): what a client told it is too slow resumes from.
        var lastSentSequence: UInt64 = 0
        var lastSentCursor: String

        init(id: String, startCursor: String) {
            self.id = id
            self.lastQueuedCursor = startCursor
            self.lastSentCursor = startCursor
        }
    }

    enum Phase: Equatable {
        case open
        /// Nothing more is queued; the writer sends the queue, then a close frame with this code and reason.
        case closing(code: UInt16, reason: String)
        /// The connection ended; nothing more is sent.
        case closed
    }

    /// The answer to a producer that wants to queue a message.
    enum Admission: Equatable {
        case queued
        /// The backlog is full: wait until the writer has sent half of it, then try again.
        case wait
        /// The connection is closing or the subscription has ended: drop the message and stop.
        case refused
    }

    /// The writer's next step.
    enum WriterStep: Equatable {
        case write([UInt8])
        case close(code: UInt16, reason: String)
        case wait
        case finished
    }

    /// What a notification carries besides its numbering.
    enum Payload: Equatable {
        case result(JSONValue)
        case error(RPCError)
    }

    /// The close code of a client that is too slow (RFC 6455 §7.4.1: policy violation).
    static let slowClientCloseCode: UInt16 = 1008

    let limits: Limits
    private(set) var phase = Phase.open
    private var queue: [Queued] = []
    private var queueStart = 0
    private(set) var queuedBytes = 0
    private(set) var subscriptions: [UInt64: Subscription] = [:]
    private var nextSubscriptionKey: UInt64 = 1
    /// The chain head when the backlog filled up; nil while producers may queue.
    private(set) var fullSinceHeight: UInt64?
    /// This connection's share of the server's bytes for all backlogs (`WebSocketConnections.backlogShare`),
    /// set by the session before each producer's attempt; nil: only `limits.backlogBytesMax` binds.
    var backlogShareBytes: Int?
    /// The bytes bound in force when the backlog filled up: producers queue again at half of it.
    private var fullBytesMax = 0

    init(limits: Limits) {
        self.limits = limits
    }

    var queuedMessages: Int { queue.count - queueStart }

    /// Whether producers must wait (the backlog filled up and half of it is not yet sent).
    var isFull: Bool { fullSinceHeight != nil }

    /// Whether the writer has something to do: a message, a close frame, or the end.
    var writerHasWork: Bool { queuedMessages > 0 || phase != .open }

    // MARK: Subscriptions

    /// Registers a subscription that starts after `startCursor`; nil when the connection holds the maximum
    /// or is closing.
    mutating func addSubscription(startCursor: String) -> (key: UInt64, id: String)? {
        guard phase == .open, subscriptions.count < limits.subscriptionsMax else { return nil }
        let key = nextSubscriptionKey
        nextSubscriptionKey += 1
        let id = "0x" + String(key, radix: 16)
        subscriptions[key] = Subscription(id: id, startCursor: startCursor)
        return (key, id)
    }

    func key(forID id: String) -> UInt64? {
        subscriptions.first { $0.value.id == id }?.key
    }

    /// Ends a subscription at the client's request and drops its queued notifications; false when unknown.
    mutating func unsubscribe(_ key: UInt64) -> Bool {
        guard subscriptions.removeValue(forKey: key) != nil else { return false }
        let kept = queue[queueStart...].filter { $0.subscription != key }
        queue = Array(kept)
        queueStart = 0
        queuedBytes = queue.reduce(0) { $0 + $1.bytes.count }
        releaseIfHalfSent()
        return true
    }

    /// Forgets a subscription that ended by itself (a committed `txStatus`, an error); what it queued is still sent.
    mutating func finish(_ key: UInt64) {
        subscriptions.removeValue(forKey: key)
    }

    // MARK: Producers

    /// Queues a response, unless the backlog is full (`wait`) or the connection is closing (`refused`).
    mutating func enqueueResponse(_ bytes: [UInt8], head: UInt64) -> Admission {
        guard phase == .open else { return .refused }
        guard admits(head: head) else { return .wait }
        append(Queued(bytes: bytes, subscription: nil, sequence: 0, cursor: ""))
        return .queued
    }

    /// Queues a notification of subscription `key` with its next sequence number.
    ///
    /// `cursor` is the position just after the item; an error notice passes nil and carries the cursor of
    /// the subscription's last notification, where a new subscription resumes.
    mutating func enqueueNotification(_ key: UInt64, _ payload: Payload, cursor: String?, head: UInt64) -> Admission {
        guard phase == .open, var subscription = subscriptions[key] else { return .refused }
        guard admits(head: head) else { return .wait }
        let sequence = subscription.nextSequence
        let position = cursor ?? subscription.lastQueuedCursor
        subscription.nextSequence += 1
        subscription.lastQueuedCursor = position
        subscriptions[key] = subscription
        let bytes = Self.notification(id: subscription.id, sequence: sequence, cursor: position, payload)
        append(Queued(bytes: bytes, subscription: key, sequence: sequence, cursor: position))
        return .queued
    }

    /// The bytes this connection's backlog may hold now: its own bound, or its share of the server's if smaller.
    var backlogBytesMaxNow: Int { min(limits.backlogBytesMax, max(2, backlogShareBytes ?? .max)) }

    /// Whether a producer may queue now; records the head at which the backlog filled up.
    private mutating func admits(head: UInt64) -> Bool {
        if isFull { return false }
        let bytesMax = backlogBytesMaxNow
        guard queuedMessages < limits.backlogMessagesMax, queuedBytes < bytesMax else {
            fullSinceHeight = head
            fullBytesMax = bytesMax
            return false
        }
        return true
    }

    private mutating func append(_ item: Queued) {
        queue.append(item)
        queuedBytes += item.bytes.count
    }

    // MARK: Writer

    /// The writer's next step; taking a notification records it as the subscription's last one sent.
    mutating func nextWriterStep() -> WriterStep {
        if phase == .closed { return .finished }
        if queuedMessages > 0 {
            let item = queue[queueStart]
            queueStart += 1
            if queueStart > 64 && queueStart * 2 > queue.count {
                queue.removeFirst(queueStart)
                queueStart = 0
            }
            queuedBytes -= item.bytes.count
            if let key = item.subscription, var subscription = subscriptions[key] {
                subscription.lastSentSequence = item.sequence
                subscription.lastSentCursor = item.cursor
                subscriptions[key] = subscription
            }
            releaseIfHalfSent()
            return .write(item.bytes)
        }
        switch phase {
        case .open: return .wait
        case .closing(let code, let reason):
            phase = .closed
            return .close(code: code, reason: reason)
        case .closed: return .finished
        }
    }

    /// Lets producers queue again once half of a full backlog has been sent.
    private mutating func releaseIfHalfSent() {
        guard isFull, queuedMessages <= limits.backlogMessagesMax / 2, queuedBytes <= fullBytesMax / 2 else { return }
        fullSinceHeight = nil
    }

    // MARK: Ending

    /// Applies the slow-client rule after block `head` is finalized; true when the client is now too slow.
    ///
    /// Then the unsent backlog is dropped, every subscription gets its farewell (error −32006 with the
    /// sequence and cursor of its last notification sent) and the connection closes with code 1008.
    mutating func headAdvanced(to head: UInt64) -> Bool {
        guard phase == .open, let since = fullSinceHeight, head > since, head - since > limits.stalledBlocksMax else { return false }
        let unsent = queuedMessages
        queue = []
        queueStart = 0
        queuedBytes = 0
        fullSinceHeight = nil
        let blocks = head - since
        for key in subscriptions.keys.sorted() {
            guard let subscription = subscriptions[key] else { continue }
            let error = RPCError(
                .clientTooSlow,
                message: "Client too slow: \(unsent) messages stayed unread while \(blocks) blocks were finalized; "
                    + "subscribe again with data.lastCursor to resume",
                data: .object([
                    "lastSequence": RPCJSON.uint64(subscription.lastSentSequence), "lastCursor": .string(subscription.lastSentCursor),
                    "unsentMessages": .number(unsent), "stalledBlocks": RPCJSON.uint64(blocks),
                ]))
            let bytes = Self.notification(
                id: subscription.id, sequence: subscription.lastSentSequence + 1, cursor: subscription.lastSentCursor, .error(error))
            append(Queued(bytes: bytes, subscription: nil, sequence: 0, cursor: ""))
        }
        subscriptions = [:]
        phase = .closing(code: Self.slowClientCloseCode, reason: "client too slow: backlog unread for \(blocks) blocks")
        return true
    }

    /// Sends what is queued, then closes with `code`; nothing more is queued. No effect once closing.
    mutating func requestClose(code: UInt16, reason: String) {
        guard phase == .open else { return }
        precondition(reason.utf8.count <= RPCLimits.closeReasonBytesMax, "close reason too long")
        subscriptions = [:]
        phase = .closing(code: code, reason: reason)
    }

    /// The connection ended: drop everything.
    mutating func close() {
        phase = .closed
        queue = []
        queueStart = 0
        queuedBytes = 0
        subscriptions = [:]
        fullSinceHeight = nil
    }

    /// A subscription notification (JSON-RPC 2.0 §4.1: a request without id), serialized.
    static func notification(id: String, sequence: UInt64, cursor: String, _ payload: Payload) -> [UInt8] {
        var params = JSONObject([
            (key: "subscription", value: .string(id)), (key: "sequence", value: RPCJSON.uint64(sequence)),
            (key: "cursor", value: .string(cursor)),
        ])
        switch payload {
        case .result(let result): params.append("result", result)
        case .error(let error): params.append("error", error.json)
        }
        return JSONValue.object(["jsonrpc": .string("2.0"), "method": .string("subscription"), "params": .object(params)]).serialized()
    }
}
