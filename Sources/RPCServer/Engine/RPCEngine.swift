import ChainTypes
import Logging

/// The JSON-RPC 2.0 protocol engine: request body bytes in, response body bytes (or none) out.
///
/// It knows nothing of HTTP, so every rule of the specification is tested without sockets, and the same
/// engine serves WebSocket messages (`WebSocketSession`). Batch entries run one after another, in order; the
/// specification allows any order, and sequential calls keep one batch from monopolizing the backend. A run
/// of consecutive `tx_send` calls goes to the backend as one job (`RPCBackend.submitTransactions`), still
/// admitted in order and answered as the calls one by one would be.
public struct RPCEngine: Sendable {
    public let registry: RPCMethodRegistry
    public let backend: any RPCBackend
    /// Requests allowed in one batch; a larger batch is answered with a single −32004 error.
    public let batchRequestsMax: Int
    /// The registry's OpenRPC document, built once.
    public let openRPCDocument: JSONValue
    /// The node's finalized-block announcements; nil when the node makes none (`tx_sendAndWait` then polls).
    public let chainHead: ChainHead?
    /// What one request may spend across its calls.
    public let costLimits: RPCCostLimits
    /// Per-client call rates; nil: unlimited (tests of the protocol itself).
    let limiter: RPCClientLimiter?
    /// Where backend work runs; nil: on the caller's executor.
    let work: RPCWorkExecutor?
    /// The clock `tx_sendAndWait` measures its timeout and paces its polls by.
    let pollClock: PollClock
    private let logger: Logger

    public init(
        backend: any RPCBackend, registry: RPCMethodRegistry = .standard,
        batchRequestsMax: Int = RPCLimits.batchRequestsMaxDefault, chainHead: ChainHead? = nil, costLimits: RPCCostLimits = RPCCostLimits(),
        limiter: RPCClientLimiter? = nil, work: RPCWorkExecutor? = nil, pollClock: PollClock = .continuous, logger: Logger
    ) {
        precondition(batchRequestsMax >= 1, "a batch must allow at least one request")
        precondition(costLimits.responseBytesMax >= 1, "a response must be allowed some bytes")
        self.registry = registry
        self.backend = backend
        self.batchRequestsMax = batchRequestsMax
        self.openRPCDocument = registry.openRPCDocument()
        self.chainHead = chainHead
        self.costLimits = costLimits
        self.limiter = limiter
        self.work = work
        self.pollClock = pollClock
        self.logger = logger
    }

    /// The serialized response to a request body; nil when there is nothing to send (only notifications).
    public func respond(to body: [UInt8]) async -> [UInt8]? {
        await response(to: body)?.serialized()
    }

    /// The response to a request body as JSON: an object, an array for a batch, or nil when every request
    /// was a notification (JSON-RPC 2.0 §6: "the Server MUST NOT return an empty Array").
    public func response(to body: [UInt8]) async -> JSONValue? {
        await reply(to: body, caller: .local).response
    }

    /// The response to a request body from `caller`, and whether its calls were refused for the caller's rate.
    func reply(to body: [UInt8], caller: RPCCaller, subscriptions: (any SubscriptionHost)? = nil) async -> RPCReply {
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONParser.parse(body)
        } catch {
            return RPCReply(response: Self.response(id: .null, error: RPCError(.parseError, message: "Parse error: \(error)")))
        }
        var request = RequestState(caller: caller, budget: RPCBudget(limits: costLimits))
        guard case .array(let elements) = value else {
            let response = await response(toSingle: value, request: &request, subscriptions: subscriptions)
            return request.reply(response)
        }
        guard !elements.isEmpty else {
            return RPCReply(response: Self.response(id: .null, error: .invalidRequest("empty batch")))
        }
        guard elements.count <= batchRequestsMax else {
            return RPCReply(
                response: Self.response(
                    id: .null, error: .limitExceeded("requests in a batch", limit: batchRequestsMax, received: elements.count)))
        }
        var responses: [JSONValue] = []
        var index = 0
        while index < elements.count {
            let run = submissionRun(in: elements, from: index)
            if run.count >= 2 {
                responses += await submit(run, request: &request, subscriptions: subscriptions)
                index += run.count
                continue
            }
            if let response = await response(toSingle: elements[index], request: &request, subscriptions: subscriptions) {
                responses.append(response)
            }
            index += 1
        }
        return request.reply(responses.isEmpty ? nil : .array(responses))
    }

    /// The valid requests, from `start` on, of consecutive batch entries whose method only submits a
    /// transaction (`RPCMethod.submission`: `tx_send`).
    private func submissionRun(in elements: [JSONValue], from start: Int) -> [RPCRequest] {
        var run: [RPCRequest] = []
        for element in elements[start...] {
            guard let request = try? RPCRequest.parse(element), registry.method(named: request.method)?.submission != nil else { break }
            run.append(request)
        }
        return run
    }

    /// Answers a run of `tx_send` calls as the calls one after another would be answered, with their
    /// admission in one backend job: each call is charged, authorized, budgeted and bound in order, the
    /// transactions that got that far are admitted in order by `RPCBackend.submitTransactions`, and the
    /// responses keep the batch's order. Admission order and outcomes are those of sequential calls; what
    /// changes is one hop to the work executor instead of one per call, and the batch's signatures
    /// recovered together.
    private func submit(
        _ run: [RPCRequest], request state: inout RequestState, subscriptions: (any SubscriptionHost)?
    ) async -> [JSONValue] {
        var outcomes: [Result<JSONValue, RPCError>?] = []
        var transactions: [(call: Int, transaction: Transaction)] = []
        var context: RPCCallContext? = nil
        for (index, request) in run.enumerated() {
            switch prepare(request, state: &state, subscriptions: subscriptions) {
            case .failure(let error):
                outcomes.append(.failure(error))
            case .success(let (method, arguments, callContext)):
                context = callContext
                do throws(RPCError) {
                    guard let submission = method.submission else { throw RPCError(.internalError) }
                    transactions.append((index, try submission(arguments)))
                    outcomes.append(nil)
                } catch {
                    outcomes.append(.failure(error))
                }
            }
        }
        if let context, !transactions.isEmpty {
            let batch = transactions.map(\.transaction)
            do throws(RPCError) {
                let submissions = try await context.ask { backend throws(RPCBackendError) in await backend.submitTransactions(batch) }
                for (position, entry) in transactions.enumerated() {
                    guard position < submissions.count else {
                        outcomes[entry.call] = .failure(context.error(from: .internalFailure("the backend answered fewer submissions")))
                        continue
                    }
                    switch submissions[position] {
                    case .success(let submission):
                        do throws(RPCError) {
                            try TransactionMethods.refusal(of: submission)
                            outcomes[entry.call] = .success(RPCJSON.hash(entry.transaction.hash))
                        } catch {
                            outcomes[entry.call] = .failure(error)
                        }
                    case .failure(let failure):
                        outcomes[entry.call] = .failure(context.error(from: failure))
                    }
                }
            } catch {
                for entry in transactions { outcomes[entry.call] = .failure(error) }
            }
        }
        var responses: [JSONValue] = []
        for (request, outcome) in zip(run, outcomes) {
            let outcome = outcome ?? .failure(RPCError(.internalError))
            if case .failure(let error) = outcome, error.code == .internalError {
                logger.error("RPC method failed", metadata: ["method": .string(request.method), "error": .string(error.message)])
            }
            if let response = finish(request, outcome: outcome, state: &state) { responses.append(response) }
        }
        return responses
    }

    /// Who sent the request being answered and what its calls have spent.
    private struct RequestState {
        let caller: RPCCaller
        var budget: RPCBudget
        var answered = 0
        var refused = 0
        var retryAfterMs: UInt64 = 0

        func reply(_ response: JSONValue?) -> RPCReply {
            RPCReply(response: response, retryAfterMs: refused > 0 ? retryAfterMs : nil, allRefused: refused > 0 && answered == 0)
        }
    }

    /// Handles one request value; nil for a notification, whatever its outcome.
    private func response(
        toSingle value: JSONValue, request state: inout RequestState, subscriptions: (any SubscriptionHost)?
    ) async -> JSONValue? {
        let request: RPCRequest
        do throws(RPCRequest.Invalid) {
            request = try RPCRequest.parse(value)
        } catch {
            return Self.response(id: error.id, error: error.error)
        }
        let outcome = await call(request, state: &state, subscriptions: subscriptions)
        return finish(request, outcome: outcome, state: &state)
    }

    /// The response to a call that ran, counted against the request's response bytes; nil for a notification.
    private func finish(_ request: RPCRequest, outcome: Result<JSONValue, RPCError>, state: inout RequestState) -> JSONValue? {
        guard let id = request.id else { return nil }
        switch outcome {
        case .success(let result):
            let response = Self.response(id: id, result: result)
            guard state.budget.addResponse(bytes: response.serialized().count) else {
                let error = RPCError.limitExceeded(
                    "response bytes of one request", limit: costLimits.responseBytesMax, received: state.budget.responseBytes + 1)
                return Self.response(id: id, error: error)
            }
            return response
        case .failure(let error): return Self.response(id: id, error: error)
        }
    }

    /// Looks up, checks, binds and runs a request's method. Notifications run too (a `tx_send` notification
    /// still submits); only their response is dropped.
    private func call(
        _ request: RPCRequest, state: inout RequestState, subscriptions: (any SubscriptionHost)?
    ) async -> Result<JSONValue, RPCError> {
        let method: RPCMethod
        let arguments: RPCArguments
        let context: RPCCallContext
        switch prepare(request, state: &state, subscriptions: subscriptions) {
        case .failure(let error): return .failure(error)
        case .success(let prepared): (method, arguments, context) = prepared
        }
        do throws(RPCError) {
            return .success(try await method.handler(arguments, context))
        } catch {
            if error.code == .internalError {
                logger.error("RPC method failed", metadata: ["method": .string(method.name), "error": .string(error.message)])
            }
            return .failure(error)
        }
    }

    /// Everything before a call's handler runs: the method, the caller's rate, authorization, the request's
    /// budget and the bound arguments, in that order.
    private func prepare(
        _ request: RPCRequest, state: inout RequestState, subscriptions: (any SubscriptionHost)?
    ) -> Result<(RPCMethod, RPCArguments, RPCCallContext), RPCError> {
        guard let method = registry.method(named: request.method) else {
            let named = request.method.utf8.count <= RPCLimits.methodNameBytesMax ? ": \(request.method)" : ""
            return .failure(RPCError(.methodNotFound, message: "Method not found" + named))
        }
        if let limiter, let refusal = limiter.charge(state.caller.client, calls: 1) {
            state.refused += 1
            state.retryAfterMs = max(state.retryAfterMs, refusal.retryAfterMs)
            return .failure(.tooManyRequests(refusal.reason.rawValue, retryAfterMs: refusal.retryAfterMs))
        }
        state.answered += 1
        if method.writes || method.localOnly, !state.caller.authorized {
            return .failure(RPCError(.unauthorized, message: "Unauthorized: \(method.name) needs an API token (Authorization: Bearer)"))
        }
        if method.localOnly, !state.caller.isLoopback {
            return .failure(RPCError(.unauthorized, message: "Unauthorized: \(method.name) answers only callers on the node's machine"))
        }
        let context = RPCCallContext(
            backend: backend, openRPCDocument: openRPCDocument, logger: logger, subscriptions: subscriptions, chainHead: chainHead,
            work: work, pollClock: pollClock)
        do throws(RPCError) {
            try state.budget.spend(method.cost)
            return .success((method, try method.bind(request.params), context))
        } catch {
            return .failure(error)
        }
    }

    static func response(id: JSONValue, result: JSONValue) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "result": result, "id": id])
    }

    static func response(id: JSONValue, error: RPCError) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "error": error.json, "id": id])
    }
}

/// Who sent a request: the key of its rate limit, and whether it proved an API token (write methods).
public struct RPCCaller: Sendable, Equatable {
    /// The client's address (`RPCRequestContext.clientAddress`).
    public var client: String
    /// Whether the request carried a configured API token, or the node configures none.
    public var authorized: Bool

    public init(client: String, authorized: Bool) {
        self.client = client
        self.authorized = authorized
    }

    /// Whether the caller is on the node's machine: a loopback address, or the node itself.
    public var isLoopback: Bool {
        client == "local" || client == "::1" || client.hasPrefix("127.") || client.hasPrefix("::ffff:127.")
    }

    /// The node itself and tests: no rate key of a remote client, every method allowed.
    public static let local = RPCCaller(client: "local", authorized: true)
}

/// The engine's answer to one request body.
public struct RPCReply: Sendable {
    /// The response to send; nil when every call was a notification.
    public var response: JSONValue?
    /// The longest wait the caller's rate limit asked for, when a call was refused for it.
    public var retryAfterMs: UInt64? = nil
    /// Whether every call of the request was refused for the rate (HTTP answers 429).
    public var allRefused = false
}

/// Elapsed time and a pause, for the waits of `tx_sendAndWait` when the node announces no blocks.
///
/// The server uses the continuous clock; tests inject a virtual one whose time moves only when a pause is
/// taken, so a test of the polling does not depend on how soon a loaded machine resumes a sleeping task.
public struct PollClock: Sendable {
    /// Time since an arbitrary origin.
    public var now: @Sendable () -> Duration
    /// Waits `duration`; throws when the task is cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(now: @escaping @Sendable () -> Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// Real time: `ContinuousClock` and `Task.sleep`.
    public static var continuous: PollClock {
        let clock = ContinuousClock()
        let origin = clock.now
        return PollClock(now: { origin.duration(to: clock.now) }, sleep: { try await Task.sleep(for: $0) })
    }
}
