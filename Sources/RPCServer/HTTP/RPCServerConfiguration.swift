/// Which endpoints a server answers.
public enum RPCEndpoints: Sendable, Equatable {
    /// JSON-RPC on POST `/` and WebSocket `/ws`, and `/healthz`, `/readyz`, `/metrics`.
    case all
    /// Only `/healthz`, `/readyz` and `/metrics`: the operator's port, kept off the public API's (a node
    /// with `metrics.listen_port` runs one such server beside its JSON-RPC server).
    case operations
}

/// Where and how the RPC server listens, and its HTTP and WebSocket limits.
public struct RPCServerConfiguration: Sendable {
    /// The address to bind; loopback by default, so exposing the API is a deliberate choice.
    public var host: String
    /// The TCP port; 0 asks the system for a free one (`RPCServer.listeningPort()` tells which).
    public var port: Int
    /// Largest POST body, and largest WebSocket message, accepted; a larger body gets HTTP 413 with a JSON-RPC
    /// −32004 error body, a larger message −32004 and close code 1009.
    public var requestBodyBytesMax: Int
    /// Largest batch; a larger one gets a single −32004 error.
    public var batchRequestsMax: Int
    /// Origins a browser may call from (exact `scheme://host:port` strings, or `*` for any). Empty by
    /// default: no cross-origin access unless the operator grants it.
    public var allowedOrigins: [String]
    /// Host names the server answers to besides IP literals and `localhost` (`name` or `name:port`, or `*`
    /// for any): a request or WebSocket upgrade whose `Host` names another host gets HTTP 421, which refuses
    /// DNS rebinding (`HostPolicy`).
    public var allowedHosts: [String] = []
    /// Per-client call rate and requests in flight (`RPCClientLimiter`).
    public var clientLimits = RPCClientLimits()
    /// The clock the per-client rates refill by; tests stop it so a slow machine does not refill a bucket.
    public var rateClock: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    /// What one request (a call or a batch) may spend: blocks read, contract fuel, response bytes.
    public var costLimits = RPCCostLimits()
    /// Bearer tokens of which one must accompany write methods (`tx_send`, `tx_sendAndWait`); empty: none needed.
    public var apiTokens: [String] = []
    /// Threads that run backend storage and VM work (`RPCWorkExecutor`), and the calls admitted at once.
    public var workThreads = RPCLimits.workThreadsDefault
    public var workAdmissionsMax = RPCLimits.workAdmissionsMaxDefault
    /// The work threads' scheduling niceness (`RPCWorkExecutor`): above 0 they yield the cores to the node's
    /// consensus path when the machine is busy.
    public var workThreadNiceness = RPCLimits.workThreadNicenessDefault
    /// How long an idle keep-alive connection stays open (more than zero, at most a day).
    public var connectionIdleTimeout: Duration
    /// Subscriptions one WebSocket connection may hold; one more `subscribe` is −32004.
    public var subscriptionsPerConnectionMax: Int
    /// WebSocket connections served at once; one more is closed at once with code 1013 (try again later).
    public var webSocketConnectionsMax: Int
    /// TCP connections (HTTP and WebSocket) open at once, and from one client address; one more is closed as
    /// soon as it is accepted (`RPCConnectionCap`).
    public var connectionsMax = RPCLimits.connectionsMaxDefault
    /// Full-size POST bodies (`requestBodyBytesMax`) the server holds at once, over all requests: their bytes
    /// are the budget of `RPCBodyBudget`, which WebSocket messages share; a request past it is answered 429
    /// with reason `busy`, a WebSocket message −32007 `busy` and close code 1013.
    public var requestBodiesInFlightMax = RPCLimits.requestBodiesInFlightMaxDefault
    public var clientConnectionsMax = RPCLimits.clientConnectionsMaxDefault
    /// Messages and bytes queued for one WebSocket connection before its backlog counts as full.
    public var webSocketBacklogMessagesMax: Int
    public var webSocketBacklogBytesMax: Int
    /// Bytes all WebSocket connections' backlogs may hold together, shared evenly among the open ones
    /// (`WebSocketConnections.backlogShare`); a connection's backlog is full at its share when that is smaller.
    public var webSocketBacklogBytesTotal = RPCLimits.webSocketBacklogBytesTotalDefault
    /// Finalized blocks a connection's backlog may stay full before the client is told it is too slow.
    public var webSocketStalledBlocksMax: UInt64
    /// How long a client told it is too slow has to read that notice before the connection is cut.
    public var webSocketFarewellTimeout: Duration
    /// How often the server pings each WebSocket client; one that does not answer is disconnected.
    public var webSocketPingInterval: Duration
    /// Which endpoints this server answers (default: all of them).
    public var endpoints: RPCEndpoints = .all
    /// Whether GET `/explorer/` serves the block explorer embedded in the binary (`rpc.explorer`, on by
    /// default): static pages that read this same API from the visitor's browser (docs/explorer.md).
    public var explorer = true

    /// The default port of the JSON-RPC API.
    public static let defaultPort = 8645

    public init(
        host: String = "127.0.0.1", port: Int = RPCServerConfiguration.defaultPort,
        requestBodyBytesMax: Int = RPCLimits.requestBodyBytesMaxDefault, batchRequestsMax: Int = RPCLimits.batchRequestsMaxDefault,
        allowedOrigins: [String] = [], connectionIdleTimeout: Duration = .seconds(60),
        subscriptionsPerConnectionMax: Int = RPCLimits.subscriptionsPerConnectionMaxDefault,
        webSocketConnectionsMax: Int = RPCLimits.webSocketConnectionsMaxDefault,
        webSocketBacklogMessagesMax: Int = RPCLimits.webSocketBacklogMessagesMaxDefault,
        webSocketBacklogBytesMax: Int = RPCLimits.webSocketBacklogBytesMaxDefault,
        webSocketStalledBlocksMax: UInt64 = RPCLimits.webSocketStalledBlocksMaxDefault,
        webSocketFarewellTimeout: Duration = RPCLimits.webSocketFarewellTimeoutDefault,
        webSocketPingInterval: Duration = RPCLimits.webSocketPingIntervalDefault
    ) {
        self.host = host
        self.port = port
        self.requestBodyBytesMax = requestBodyBytesMax
        self.batchRequestsMax = batchRequestsMax
        self.allowedOrigins = allowedOrigins
        self.connectionIdleTimeout = connectionIdleTimeout
        self.subscriptionsPerConnectionMax = subscriptionsPerConnectionMax
        self.webSocketConnectionsMax = webSocketConnectionsMax
        self.webSocketBacklogMessagesMax = webSocketBacklogMessagesMax
        self.webSocketBacklogBytesMax = webSocketBacklogBytesMax
        self.webSocketStalledBlocksMax = webSocketStalledBlocksMax
        self.webSocketFarewellTimeout = webSocketFarewellTimeout
        self.webSocketPingInterval = webSocketPingInterval
    }
}
