import Synchronization

/// Counts of the server's WebSocket connections, for tests and the node's metrics.
public struct WebSocketStatistics: Equatable, Sendable {
    /// Connections open now.
    public var connections = 0
    /// Connections closed at once because `webSocketConnectionsMax` were open.
    public var connectionsRefused: UInt64 = 0
    /// Subscriptions started since the server started.
    public var subscriptionsOpened: UInt64 = 0
    /// Clients told they were too slow and disconnected since the server started.
    public var slowClientsDisconnected: UInt64 = 0
    /// Subscription notifications queued for sending since the server started.
    public var notificationsQueued: UInt64 = 0

    public init() {}
}

/// The server's WebSocket connections: the connection limit, the backlog bytes they share, and the counters.
final class WebSocketConnections: Sendable {
    let connectionsMax: Int
    /// Bytes all connections' backlogs may hold together, shared evenly among the open ones.
    let backlogBytesTotal: Int
    private let counters = Mutex(WebSocketStatistics())

    init(connectionsMax: Int, backlogBytesTotal: Int = RPCLimits.webSocketBacklogBytesTotalDefault) {
        precondition(connectionsMax >= 1, "webSocketConnectionsMax must be positive")
        precondition(backlogBytesTotal >= 1, "webSocketBacklogBytesTotal must be positive")
        self.connectionsMax = connectionsMax
        self.backlogBytesTotal = backlogBytesTotal
    }

    /// The bytes one connection's backlog may hold now: an even share of `backlogBytesTotal` among the open
    /// connections, and at least `RPCLimits.webSocketBacklogShareBytesMin`.
    ///
    /// Why: each connection's own bound (8 MiB by default) times the connections (256) is 2 GiB, twice a node's
    /// memory; clients that subscribe to a replay and never read could hold all of it until the slow-client
    /// rule cut them, then reconnect. Shared, they hold at most the total (plus the floor on each connection,
    /// and one message each over its share). A single reader, an explorer, still gets its whole bound.
    func backlogShare() -> Int {
        let open = counters.withLock { $0.connections }
        return max(RPCLimits.webSocketBacklogShareBytesMin, backlogBytesTotal / max(1, open))
    }

    var statistics: WebSocketStatistics { counters.withLock { $0 } }

    /// Counts a new connection; false (and counted as refused) when `connectionsMax` are already open.
    func open() -> Bool {
        counters.withLock { counters in
            guard counters.connections < connectionsMax else {
                counters.connectionsRefused += 1
                return false
            }
            counters.connections += 1
            return true
        }
    }

    func close() {
        counters.withLock { $0.connections -= 1 }
    }

    func subscriptionOpened() {
        counters.withLock { $0.subscriptionsOpened += 1 }
    }

    func notificationQueued() {
        counters.withLock { $0.notificationsQueued += 1 }
    }

    func slowClientDisconnected() {
        counters.withLock { $0.slowClientsDisconnected += 1 }
    }
}
