import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// The node's HTTP API server: JSON-RPC 2.0 on POST `/` and WebSocket `/ws` (with subscriptions),
/// `/healthz`, `/readyz`, `/metrics`, and the block explorer on `/explorer/`.
///
/// The node announces each finalized block on `chainHead`; WebSocket subscriptions and `tx_sendAndWait`
/// wait on it.
///
/// The node creates one, runs `run()` in a task it owns and cancels that task to stop it; `listeningPort()`
/// tells the bound port once the socket is open (the only way to learn it when configured with port 0).
/// A server runs once: a stopped server is replaced, not restarted, so its state never goes backwards.
public final class RPCServer: Sendable {
    public let configuration: RPCServerConfiguration
    /// The JSON-RPC engine behind POST `/` and `/ws`.
    public let engine: RPCEngine
    /// Where the node announces finalized blocks.
    public let chainHead: ChainHead
    private let connections: WebSocketConnections
    private let connectionCap: RPCConnectionCap
    /// Request bytes held over all requests: HTTP bodies and WebSocket messages (`RPCBodyBudget`).
    private let bodies: RPCBodyBudget
    /// Per-client rates and requests in flight, shared by HTTP and `/ws`.
    let limiter: RPCClientLimiter
    /// The threads backend calls run on; stopped when `run()` returns.
    private let work: RPCWorkExecutor
    private let logger: Logger
    private let metrics: (@Sendable () async -> String)?
    private let state = Mutex(ListeningState())

    /// - Parameters:
    ///   - chainHead: Where the node announces finalized blocks; without announcements subscriptions
    ///     replay history but do not follow new blocks.
    ///   - metrics: Produces the `/metrics` body (Prometheus text format, written by the node); nil answers
    ///     `/metrics` with 404.
    public init(
        configuration: RPCServerConfiguration, backend: any RPCBackend, chainHead: ChainHead = ChainHead(), logger: Logger,
        metrics: (@Sendable () async -> String)? = nil
    ) {
        precondition(configuration.requestBodyBytesMax >= 1, "requestBodyBytesMax must be positive")
        precondition(
            configuration.connectionIdleTimeout > .zero && configuration.connectionIdleTimeout <= .seconds(86_400),
            "connectionIdleTimeout must be positive and at most a day")
        precondition(configuration.subscriptionsPerConnectionMax >= 0, "subscriptionsPerConnectionMax must not be negative")
        self.configuration = configuration
        self.chainHead = chainHead
        precondition(configuration.workThreads >= 1 && configuration.workAdmissionsMax >= 1, "the RPC work executor needs a thread")
        self.connections = WebSocketConnections(
            connectionsMax: configuration.webSocketConnectionsMax, backlogBytesTotal: configuration.webSocketBacklogBytesTotal)
        self.connectionCap = RPCConnectionCap(
            connectionsMax: configuration.connectionsMax, clientConnectionsMax: configuration.clientConnectionsMax)
        self.limiter = RPCClientLimiter(limits: configuration.clientLimits, clock: configuration.rateClock)
        let (bodiesBytes, overflow) = configuration.requestBodyBytesMax.multipliedReportingOverflow(
            by: configuration.requestBodiesInFlightMax)
        self.bodies = RPCBodyBudget(bytesMax: overflow ? Int.max : bodiesBytes)
        self.work = RPCWorkExecutor(
            threads: configuration.workThreads, admissionsMax: configuration.workAdmissionsMax, niceness: configuration.workThreadNiceness)
        self.engine = RPCEngine(
            backend: backend, batchRequestsMax: configuration.batchRequestsMax, chainHead: chainHead,
            costLimits: configuration.costLimits, limiter: limiter, work: work, logger: logger)
        self.logger = logger
        self.metrics = metrics
    }

    deinit {
        work.shutdown()
    }

    /// Binds the socket and serves until the calling task is cancelled.
    ///
    /// Returns normally after cancellation once open connections are closed; throws when binding fails
    /// (`listeningPort()` then throws too) or when called a second time (`RPCServerError.alreadyStarted`).
    public func run() async throws {
        try state.withLock { state throws(RPCServerError) in
            guard case .idle = state.phase else { throw .alreadyStarted }
            state.phase = .starting
        }
        let access = RPCAccess(limiter: limiter, apiTokens: configuration.apiTokens)
        let cap = connectionCap
        let bodies = bodies
        let responder = RPCHTTPResponder(
            engine: engine, requestBodyBytesMax: configuration.requestBodyBytesMax, bodies: bodies,
            cors: CORSPolicy(allowedOrigins: configuration.allowedOrigins), hosts: HostPolicy(allowedHosts: configuration.allowedHosts),
            access: access, metrics: metrics, endpoints: configuration.endpoints, explorer: configuration.explorer)
        let idleTimeout = TimeAmount.nanoseconds(
            configuration.connectionIdleTimeout.components.seconds * 1_000_000_000
                + configuration.connectionIdleTimeout.components.attoseconds / 1_000_000_000)
        let endpoint = WebSocketEndpoint(
            engine: engine, chainHead: chainHead, configuration: configuration, connections: connections, access: access,
            bodies: bodies, logger: logger)
        let webSocketConfiguration = HTTP1WebSocketUpgradeChannel.Configuration(
            http1: .init(idleTimeout: idleTimeout),
            ws: .init(
                maxFrameSize: min(configuration.requestBodyBytesMax, RPCLimits.webSocketFrameBytesMax),
                extensions: [.nonNegotiatedExtension { FrameMaskingExtension() }],
                autoPing: .enabled(timePeriod: configuration.webSocketPingInterval),
                closeTimeout: .seconds(10)))
        let application = Application(
            responder: responder,
            server: HTTPServerBuilder { responder in
                RPCChildChannel(
                    inner: HTTP1WebSocketUpgradeChannel(
                        responder: responder, configuration: webSocketConfiguration,
                        shouldUpgrade: { request, channel, _ in endpoint.shouldUpgrade(request, channel: channel) }),
                    cap: cap)
            },
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port)),
            onServerRunning: { [weak self] channel in self?.markListening(port: channel.localAddress?.port) },
            logger: logger)
        defer { work.shutdown() }
        do {
            try await application.run()
        } catch {
            markStopped()
            if Task.isCancelled, error is CancellationError { return }
            throw error
        }
        markStopped()
    }

    /// Counts of WebSocket connections and slow clients since the server started.
    public var webSocketStatistics: WebSocketStatistics { connections.statistics }
    /// Request bytes the server holds now, over all connections: HTTP bodies being read or answered and
    /// WebSocket messages being read or answered, at most `requestBodyBytesMax × requestBodiesInFlightMax`.
    public var requestBytesHeld: Int { bodies.reserved }
    /// Connections open now and refused since the server started (`connectionsMax`, `clientConnectionsMax`).
    public var connectionStatistics: RPCConnectionStatistics { connectionCap.statistics }

    /// The TCP port the server listens on, waiting until the socket is bound.
    ///
    /// Throws `.notRunning` if the server stops (or failed to bind) before listening, and `.cancelled` if
    /// the waiting task is cancelled first.
    public func listeningPort() async throws(RPCServerError) -> Int {
        let waiterID = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Int, RPCServerError>, Never>) in
                let immediate: Result<Int, RPCServerError>? = state.withLock { state in
                    if Task.isCancelled { return .failure(.cancelled) }
                    switch state.phase {
                    case .listening(let port): return .success(port)
                    case .stopped: return .failure(.notRunning)
                    case .idle, .starting:
                        state.waiters[waiterID] = continuation
                        return nil
                    }
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: waiterID) }?.resume(returning: .failure(.cancelled))
        }
        return try result.get()
    }

    private func markListening(port: Int?) {
        guard let port else {
            logger.error("JSON-RPC server bound a socket without a TCP port", metadata: ["host": .string(configuration.host)])
            return
        }
        let waiters = state.withLock { state in
            state.phase = .listening(port: port)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        logger.info("JSON-RPC server listening", metadata: ["host": .string(configuration.host), "port": "\(port)"])
        for waiter in waiters { waiter.resume(returning: .success(port)) }
    }

    private func markStopped() {
        let waiters = state.withLock { state in
            state.phase = .stopped
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: .failure(.notRunning)) }
    }
}

/// Why the server could not start or report its port.
public enum RPCServerError: Error, Equatable, Sendable {
    /// `run()` was called on a server that has already run.
    case alreadyStarted
    /// The server is not listening: it stopped, or failed to bind, before a port was known.
    case notRunning
    /// The task waiting for the port was cancelled.
    case cancelled
}

/// The server's lifecycle and the tasks waiting to learn its port.
private struct ListeningState: ~Copyable {
    enum Phase {
        case idle
        case starting
        case listening(port: Int)
        case stopped
    }

    var phase = Phase.idle
    var waiters: [UInt64: CheckedContinuation<Result<Int, RPCServerError>, Never>] = [:]
    var nextWaiterID: UInt64 = 0
}
