import Synchronization

/// Per-client limits on JSON-RPC work (issue 14, deliver 4): a request rate (a token bucket per client
/// address, one token per call, batch entries included) and the requests a client may have in flight at
/// once (HTTP requests and WebSocket messages being answered).
///
/// A node's RPC port is shared by explorers, wallets and other departments; without these one client
/// with a loop could take every core. The state is a value (`ClientLimiterState`) driven by the caller's
/// clock readings, so its rules are tested without waiting; this class only locks it.
public final class RPCClientLimiter: Sendable {
    private let state: Mutex<ClientLimiterState>
    private let clock: @Sendable () -> ContinuousClock.Instant

    /// Limits clients by `limits`, refilling their buckets by `clock` (the continuous clock unless a test stops it).
    public init(limits: RPCClientLimits, clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        state = Mutex(ClientLimiterState(limits: limits))
        self.clock = clock
    }

    /// Takes an in-flight slot for `client`, or says how long to wait before retrying.
    func enter(_ client: String) -> ClientLimiterState.Refusal? {
        let now = clock()
        return state.withLock { $0.enter(client, now: now) }
    }

    /// Returns the slot `enter` took.
    func leave(_ client: String) {
        state.withLock { $0.leave(client) }
    }

    /// Takes `calls` tokens from `client`'s bucket, or says how long to wait before retrying.
    func charge(_ client: String, calls: Int) -> ClientLimiterState.Refusal? {
        let now = clock()
        return state.withLock { $0.charge(client, calls: calls, now: now) }
    }
}

/// The per-client limits of `RPCClientLimiter` (`[rpc]` `client_requests_per_second`, ...).
public struct RPCClientLimits: Sendable, Hashable {
    /// Calls a client may make per second, sustained.
    public var requestsPerSecond: Int
    /// Calls a client may make at once after being idle (the bucket's size); at least one batch.
    public var requestsBurst: Int
    /// HTTP requests and WebSocket messages of one client answered at the same time.
    public var concurrentRequestsMax: Int

    public init(
        requestsPerSecond: Int = RPCLimits.clientRequestsPerSecondDefault, requestsBurst: Int = RPCLimits.clientRequestsBurstDefault,
        concurrentRequestsMax: Int = RPCLimits.clientConcurrentRequestsMaxDefault
    ) {
        self.requestsPerSecond = requestsPerSecond
        self.requestsBurst = requestsBurst
        self.concurrentRequestsMax = concurrentRequestsMax
    }

    /// No limit in practice: for tests and benchmarks that measure the node rather than the limiter.
    public static let unlimited = RPCClientLimits(
        requestsPerSecond: 1_000_000_000, requestsBurst: 1_000_000_000, concurrentRequestsMax: 1_000_000)
}

/// The token buckets and in-flight counts of every client the limiter has seen recently.
struct ClientLimiterState {
    /// Why a request waits, and for how long (`Retry-After`, `data.retryAfterMs`).
    struct Refusal: Equatable, Sendable {
        enum Reason: String, Sendable { case rate, concurrency, clients }
        let reason: Reason
        let retryAfterMs: UInt64
    }

    struct Client {
        /// Tokens scaled by 1,000 (milli-tokens), so a refill of less than one call per tick is not lost.
        var milliTokens: Int
        var refilledAt: ContinuousClock.Instant
        var inFlight = 0
    }

    let limits: RPCClientLimits
    private(set) var clients: [String: Client] = [:]

    init(limits: RPCClientLimits) {
        precondition(limits.requestsPerSecond >= 1 && limits.requestsBurst >= 1 && limits.concurrentRequestsMax >= 1, "limits are positive")
        self.limits = limits
    }

    mutating func enter(_ client: String, now: ContinuousClock.Instant) -> Refusal? {
        guard var record = record(client, now: now) else { return Refusal(reason: .clients, retryAfterMs: 1_000) }
        guard record.inFlight < limits.concurrentRequestsMax else { return Refusal(reason: .concurrency, retryAfterMs: 1_000) }
        record.inFlight += 1
        clients[client] = record
        return nil
    }

    mutating func leave(_ client: String) {
        guard var record = clients[client], record.inFlight > 0 else { return }
        record.inFlight -= 1
        clients[client] = record
    }

    mutating func charge(_ client: String, calls: Int, now: ContinuousClock.Instant) -> Refusal? {
        guard var record = record(client, now: now) else { return Refusal(reason: .clients, retryAfterMs: 1_000) }
        let needed = min(max(calls, 1), limits.requestsBurst) * 1_000
        guard record.milliTokens >= needed else {
            let perMs = max(1, limits.requestsPerSecond)  // milli-tokens refilled per millisecond
            let wait = (needed - record.milliTokens + perMs - 1) / perMs
            return Refusal(reason: .rate, retryAfterMs: UInt64(max(wait, 1)))
        }
        record.milliTokens -= needed
        clients[client] = record
        return nil
    }

    /// The client's record refilled to `now`; a new client starts with a full bucket. When the table is
    /// full, idle clients with full buckets are forgotten (they lose nothing); nil if none is.
    private mutating func record(_ client: String, now: ContinuousClock.Instant) -> Client? {
        let capacity = limits.requestsBurst * 1_000
        guard var record = clients[client] else {
            if clients.count >= RPCLimits.clientsTrackedMax {
                forgetIdleClients(now: now)
                guard clients.count < RPCLimits.clientsTrackedMax else { return nil }
            }
            return Client(milliTokens: capacity, refilledAt: now)
        }
        let elapsed = record.refilledAt.duration(to: now)
        let elapsedMs = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        if elapsedMs > 0 {
            let refill = Int(clamping: elapsedMs).multipliedReportingOverflow(by: limits.requestsPerSecond)
            record.milliTokens = refill.overflow ? capacity : min(capacity, record.milliTokens + min(refill.partialValue, capacity))
            record.refilledAt = now
        }
        return record
    }

    private mutating func forgetIdleClients(now: ContinuousClock.Instant) {
        let capacity = limits.requestsBurst * 1_000
        for (client, record) in clients where record.inFlight == 0 {
            let elapsed = record.refilledAt.duration(to: now)
            let full = record.milliTokens >= capacity || elapsed >= .seconds(Int64(limits.requestsBurst / limits.requestsPerSecond + 1))
            if full { clients[client] = nil }
        }
    }
}
