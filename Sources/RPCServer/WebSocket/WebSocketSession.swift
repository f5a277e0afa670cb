import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// What the `subscribe` and `unsubscribe` methods need from the connection they arrive on.
protocol SubscriptionHost: Sendable {
    /// Starts a subscription after `cursor` (default: the chain head now) and returns `{subscription, cursor}`.
    func subscribe(_ topic: SubscriptionTopic, after cursor: SubscriptionPosition?, context: RPCCallContext) async throws(RPCError)
        -> JSONValue
    /// Ends a subscription of this connection; false when it has no such subscription (any more).
    func unsubscribe(id: String) -> Bool
}

/// One WebSocket connection: reads JSON-RPC messages and runs them through the engine, and sends the
/// responses and the subscriptions' notifications through one bounded backlog drained by one writer.
///
/// The rules live in `WebSocketSessionState`; this class performs its actions. Each subscription is a task
/// that reads committed data by cursor (`SubscriptionFeed`) and waits on `ChainHead` between blocks, so a
/// notification is never produced faster than the client reads, and none is lost while it waits.
final class WebSocketSession: SubscriptionHost {
    struct Settings: Sendable {
        var limits: WebSocketSessionState.Limits
        /// Largest message (all its frames) read from the client; a larger one is −32004 and close code 1009.
        var messageBytesMax: Int
        /// How long a client told it is too slow has to read its farewell before the connection is cut.
        var farewellTimeout: Duration
    }

    private let engine: RPCEngine
    private let chainHead: ChainHead
    private let settings: Settings
    private let connections: WebSocketConnections
    /// The client and its API token, from the upgrade request.
    private let caller: RPCCaller
    /// Per-client limits shared with HTTP; nil in tests of the session alone.
    private let limiter: RPCClientLimiter?
    /// Request bytes held over all connections, shared with HTTP bodies; nil in tests of the session alone.
    private let bodies: RPCBodyBudget?
    private let logger: Logger
    /// Closes the TCP connection at once, whatever is still unsent.
    private let closeChannel: @Sendable () -> Void
    private let locked: Mutex<Locked>

    private struct Locked: ~Copyable {
        var state: WebSocketSessionState
        var writer: CheckedContinuation<Void, Never>?
        var producers: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextProducerID: UInt64 = 0
        /// Subscriptions created by the request being answered; they start once its response is queued.
        var pending: [(key: UInt64, feed: SubscriptionFeed)] = []
        var pumps: [UInt64: Task<Void, Never>] = [:]

        /// Takes the waiting writer and, when the backlog has room, the waiting producers, to be resumed
        /// outside the lock.
        mutating func wakeable() -> [CheckedContinuation<Void, Never>] {
            var woken: [CheckedContinuation<Void, Never>] = []
            if state.writerHasWork, let writer {
                woken.append(writer)
                self.writer = nil
            }
            if !state.isFull || state.phase != .open {
                woken += producers.values
                producers = [:]
            }
            return woken
        }

        /// Takes every subscription task, to be cancelled outside the lock (a cancelled task's handlers take it).
        mutating func takePumps() -> [Task<Void, Never>] {
            defer { pumps = [:] }
            return Array(pumps.values)
        }
    }

    init(
        engine: RPCEngine, chainHead: ChainHead, settings: Settings, connections: WebSocketConnections, caller: RPCCaller = .local,
        limiter: RPCClientLimiter? = nil, bodies: RPCBodyBudget? = nil, logger: Logger, closeChannel: @escaping @Sendable () -> Void
    ) {
        self.caller = caller
        self.limiter = limiter
        self.bodies = bodies
        self.engine = engine
        self.chainHead = chainHead
        self.settings = settings
        self.connections = connections
        self.logger = logger
        self.closeChannel = closeChannel
        self.locked = Mutex(Locked(state: WebSocketSessionState(limits: settings.limits)))
    }

    /// Serves the connection until the client closes it, it is closed for a limit, or the task is cancelled.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writeLoop(outbound) }
            group.addTask { await self.watchChainHead() }
            await readLoop(inbound)
            end()
            group.cancelAll()
        }
    }

    /// Sends a close frame at once (used when the connection is refused before serving anything).
    static func refuse(_ outbound: WebSocketOutboundWriter, code: UInt16, reason: String) async {
        try? await outbound.close(.init(codeNumber: Int(code)), reason: reason)
    }

    // MARK: Reading

    /// Collects each message's frames and answers it; a message over the limit is answered with −32004 and
    /// closes the connection with 1009, and a frame sequence RFC 6455 forbids closes it with 1002 or 1007
    /// (`WebSocketFrameRules`); after either, frames are read and dropped until the client closes.
    ///
    /// A message's bytes are held in the server's request budget (`RPCBodyBudget`, with HTTP bodies) from its
    /// first frame until it is answered; a frame the budget cannot take is answered −32007 with reason `busy`
    /// and closes the connection with 1013 (try again later).
    private func readLoop(_ inbound: WebSocketInboundStream) async {
        let masking = FrameMasking()
        await FrameMasking.$current.withValue(masking) {
            var message = HeldMessage(bodies: bodies)
            defer { message.release() }
            var rules = WebSocketFrameRules()
            var discarding = false
            do {
                for try await frame in inbound {
                    if discarding { continue }
                    if let violation = rules.check(frame.opcode, fin: frame.fin, masked: masking.lastFrameMasked) {
                        discarding = true
                        message.release()
                        failConnection(violation)
                        continue
                    }
                    if frame.opcode != .continuation { message.release() }
                    guard message.bytes.count + frame.data.readableBytes <= settings.messageBytesMax else {
                        discarding = true
                        message.release()
                        await refuse(error: oversizeError, closeCode: 1009, reason: "message larger than \(settings.messageBytesMax) bytes")
                        continue
                    }
                    guard message.append(frame.data) else {
                        discarding = true
                        message.release()
                        await refuse(error: Self.busyError, closeCode: 1013, reason: "server busy: request bytes held at their bound")
                        continue
                    }
                    guard frame.fin else { continue }
                    if let violation = rules.finishMessage(message.bytes) {
                        discarding = true
                        message.release()
                        failConnection(violation)
                        continue
                    }
                    let answered = await answer(message.bytes)
                    message.release()
                    guard answered else {
                        discarding = true
                        continue
                    }
                }
            } catch {
                logger.debug("WebSocket read ended", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The frames of the message being read, and the bytes they hold in the server's request budget.
    private struct HeldMessage {
        let bodies: RPCBodyBudget?
        private(set) var bytes: [UInt8] = []

        init(bodies: RPCBodyBudget?) {
            self.bodies = bodies
        }

        /// Appends `data`; false, appending nothing, when the budget cannot hold it.
        mutating func append(_ data: ByteBuffer) -> Bool {
            guard bodies?.reserve(data.readableBytes) ?? true else { return false }
            bytes.append(contentsOf: data.readableBytesView)
            return true
        }

        /// Drops the bytes and gives their room back to the budget.
        mutating func release() {
            bodies?.release(bytes.count)
            bytes = []
        }
    }

    /// Closes the connection with the violation's close code, answering nothing more (RFC 6455 §7.1.7).
    private func failConnection(_ violation: WebSocketFrameRules.Violation) {
        logger.debug("WebSocket protocol violation", metadata: ["violation": "\(violation)"])
        let (woken, pumps) = locked.withLock { locked in
            locked.state.requestClose(code: violation.closeCode, reason: violation.description)
            return (locked.wakeable(), locked.takePumps())
        }
        resume(woken)
        for pump in pumps { pump.cancel() }
    }

    /// Runs one message through the engine and queues the response; false once the connection is closing.
    private func answer(_ body: [UInt8]) async -> Bool {
        let response: JSONValue?
        if let limiter, let refusal = limiter.enter(caller.client) {
            response = RPCEngine.response(id: .null, error: .tooManyRequests(refusal.reason.rawValue, retryAfterMs: refusal.retryAfterMs))
        } else {
            defer { limiter?.leave(caller.client) }
            response = await engine.reply(to: body, caller: caller, subscriptions: self).response
        }
        var admitted = true
        if let response {
            let bytes = response.serialized()
            admitted = await enqueue { state, head in state.enqueueResponse(bytes, head: head) }
        }
        startPendingSubscriptions()
        return admitted
    }

    private var oversizeError: RPCError {
        RPCError(
            .limitExceeded, message: "Limit exceeded: message larger than \(settings.messageBytesMax) bytes",
            data: .object(["limit": .number(settings.messageBytesMax)]))
    }

    /// What HTTP answers with 429 when the request budget is full (`RPCHTTPResponder.busy`).
    private static let busyError = RPCError.tooManyRequests("busy", retryAfterMs: RPCLimits.busyRetryAfterMs)

    /// Answers the message being read with `error`, then closes the connection with `closeCode`.
    private func refuse(error: RPCError, closeCode: UInt16, reason: String) async {
        let bytes = RPCEngine.response(id: .null, error: error).serialized()
        _ = await enqueue { state, head in state.enqueueResponse(bytes, head: head) }
        let (woken, pumps) = locked.withLock { locked in
            locked.state.requestClose(code: closeCode, reason: reason)
            return (locked.wakeable(), locked.takePumps())
        }
        resume(woken)
        for pump in pumps { pump.cancel() }
    }

    // MARK: Writing

    /// Sends the backlog in order, then the close frame when the session closes.
    private func writeLoop(_ outbound: WebSocketOutboundWriter) async {
        while true {
            switch await nextWriterStep() {
            case .write(let bytes):
                do {
                    try await outbound.write(.text(String(decoding: bytes, as: UTF8.self)))
                } catch {
                    end()
                    return
                }
            case .close(let code, let reason):
                try? await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                return
            case .wait, .finished:
                return
            }
        }
    }

    private func nextWriterStep() async -> WebSocketSessionState.WriterStep {
        while true {
            let (step, woken) = locked.withLock { locked in
                let step = locked.state.nextWriterStep()
                return (step, step == .wait ? [] : locked.wakeable())
            }
            resume(woken)
            if step != .wait { return step }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = locked.withLock { locked in
                    if locked.state.writerHasWork { return true }
                    locked.writer = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    // MARK: Producers

    /// Queues a message once the backlog has room; false when the connection is closing or the
    /// subscription ended (the caller stops).
    private func enqueue(
        _ attempt: (inout WebSocketSessionState, UInt64) -> WebSocketSessionState.Admission
    ) async -> Bool {
        while !Task.isCancelled {
            let head = chainHead.height
            // Read before taking the session's lock: the connections' counters have a lock of their own.
            let share = connections.backlogShare()
            let (admission, woken) = locked.withLock { locked in
                locked.state.backlogShareBytes = share
                let admission = attempt(&locked.state, head)
                return (admission, admission == .queued ? locked.wakeable() : [])
            }
            resume(woken)
            switch admission {
            case .queued: return true
            case .refused: return false
            case .wait: await waitForRoom()
            }
        }
        return false
    }

    private func waitForRoom() async {
        let id = locked.withLock { locked in
            defer { locked.nextProducerID += 1 }
            return locked.nextProducerID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = locked.withLock { locked in
                    if Task.isCancelled || !locked.state.isFull || locked.state.phase != .open { return true }
                    locked.producers[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            locked.withLock { $0.producers.removeValue(forKey: id) }?.resume()
        }
    }

    // MARK: Subscriptions

    func subscribe(_ topic: SubscriptionTopic, after cursor: SubscriptionPosition?, context: RPCCallContext) async throws(RPCError)
        -> JSONValue
    {
        let head = try await context.ask { backend throws(RPCBackendError) in try await backend.latestHeight() }
        let start: SubscriptionPosition
        switch topic {
        case .newHeads: start = cursor ?? .height(head)
        case .events: start = cursor ?? .event(.endOfBlock(head))
        case .txStatus: start = .height(head)
        }
        let added = locked.withLock { locked -> (key: UInt64, id: String)? in
            guard let added = locked.state.addSubscription(startCursor: start.encoded) else { return nil }
            locked.pending.append((added.key, SubscriptionFeed(topic: topic, position: start)))
            return added
        }
        guard let added else {
            let limit = settings.limits.subscriptionsMax
            throw .limitExceeded("subscriptions on this connection", limit: limit, received: limit + 1)
        }
        connections.subscriptionOpened()
        return .object(["subscription": .string(added.id), "cursor": .string(start.encoded)])
    }

    func unsubscribe(id: String) -> Bool {
        let (removed, pump, woken) = locked.withLock { locked -> (Bool, Task<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            guard let key = locked.state.key(forID: id) else { return (false, nil, []) }
            let removed = locked.state.unsubscribe(key)
            locked.pending.removeAll { $0.key == key }
            return (removed, locked.pumps.removeValue(forKey: key), locked.wakeable())
        }
        pump?.cancel()
        resume(woken)
        return removed
    }

    /// Starts the subscriptions the last request created, now that its response is queued before their
    /// first notification.
    private func startPendingSubscriptions() {
        let pending = locked.withLock { locked in
            defer { locked.pending = [] }
            return locked.pending
        }
        for (key, feed) in pending {
            // Backend reads of the feed run on the work executor, as every call does (`RPCCallContext.ask`).
            let task = Task(executorPreference: engine.work) { await self.pump(key, feed) }
            let keep = locked.withLock { locked in
                guard locked.state.subscriptions[key] != nil else { return false }
                locked.pumps[key] = task
                return true
            }
            if !keep { task.cancel() }
        }
    }

    /// Follows one subscription: reads every page up to the head, queues its items, waits for the next block.
    private func pump(_ key: UInt64, _ start: SubscriptionFeed) async {
        var feed = start
        let backend = engine.backend
        do throws(RPCBackendError) {
            while !Task.isCancelled {
                let head = try await backend.latestHeight()
                var page: SubscriptionFeed.Page
                repeat {
                    page = try await feed.next(head: head, backend: backend)
                    for item in page.items {
                        let queued = await enqueue { state, chainHeight in
                            let admission = state.enqueueNotification(key, .result(item.result), cursor: item.cursor, head: chainHeight)
                            // Counted under the session's lock: a client that receives sequence n knows it was queued
                            // before the count passed n, and not earlier than any read of a smaller count.
                            if admission == .queued { connections.notificationQueued() }
                            return admission
                        }
                        guard queued else { return }
                    }
                } while !page.complete && !page.ends && !Task.isCancelled
                if page.ends {
                    finish(key)
                    return
                }
                guard await chainHead.wait(after: head) != nil else { return }
            }
        } catch {
            let context = RPCCallContext(backend: backend, openRPCDocument: .null, logger: logger)
            let rpcError = context.error(from: error)
            _ = await enqueue { state, chainHeight in state.enqueueNotification(key, .error(rpcError), cursor: nil, head: chainHeight) }
            finish(key)
        }
    }

    private func finish(_ key: UInt64) {
        locked.withLock { locked in
            locked.state.finish(key)
            locked.pumps[key] = nil
        }
    }

    // MARK: Slow clients and the end

    /// Applies the slow-client rule after each finalized block; after a farewell, cuts the connection if
    /// the client has not read it within `farewellTimeout`.
    private func watchChainHead() async {
        var height = chainHead.height
        while let next = await chainHead.wait(after: height) {
            height = next
            let (slow, woken, pumps) = locked.withLock { locked -> (Bool, [CheckedContinuation<Void, Never>], [Task<Void, Never>]) in
                guard locked.state.headAdvanced(to: next) else { return (false, [], []) }
                return (true, locked.wakeable(), locked.takePumps())
            }
            guard slow else { continue }
            resume(woken)
            for pump in pumps { pump.cancel() }
            connections.slowClientDisconnected()
            logger.notice("WebSocket client too slow: sent a farewell and closing", metadata: ["height": "\(next)"])
            try? await Task.sleep(for: settings.farewellTimeout)  // a deadline for the client, not synchronization
            if !Task.isCancelled {
                logger.notice("WebSocket client did not read its farewell in time: connection cut")
                closeChannel()
            }
            return
        }
    }

    /// The connection ended: stop every subscription and release every waiter.
    private func end() {
        let (woken, pumps) = locked.withLock { locked in
            locked.state.close()
            locked.pending = []
            return (locked.wakeable(), locked.takePumps())
        }
        resume(woken)
        for pump in pumps { pump.cancel() }
    }

    private func resume(_ continuations: [CheckedContinuation<Void, Never>]) {
        for continuation in continuations { continuation.resume() }
    }
}
