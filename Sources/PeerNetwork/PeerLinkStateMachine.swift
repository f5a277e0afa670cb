/// Why a link closed; logged and reported in `PeerEvent.linkDown`.
public enum PeerLinkCloseReason: Hashable, Sendable, CustomStringConvertible {
    case handshakeTimeout
    case heartbeatsMissed(Int)
    case badFrame(FrameError)
    /// The peer's certificate is refused by the current trust (revoked, unregistered, CA removed, expired).
    case trustWithdrawn(PeerRefusal)
    case linksMax
    case connectionError(String)
    case remoteClosed
    case localClose
    /// The layer above found the peer's message malformed (it is logged; the node never crashes on it).
    case protocolViolation(String)
    /// The peer speaks no peer protocol version this build speaks (`PeerProtocol.negotiate`).
    case unsupportedProtocolVersion(peer: ClosedRange<UInt32>, accepted: ClosedRange<UInt32>)

    public var description: String {
        switch self {
        case .handshakeTimeout: "handshake timed out"
        case .heartbeatsMissed(let count): "peer silent for \(count) heartbeats"
        case .badFrame(let error): "bad frame: \(error)"
        case .trustWithdrawn(let refusal): "certificate no longer trusted: \(refusal)"
        case .linksMax: "too many links"
        case .connectionError(let message): "connection error: \(message)"
        case .remoteClosed: "closed by peer"
        case .localClose: "closed locally"
        case .protocolViolation(let reason): "protocol violation: \(reason)"
        case .unsupportedProtocolVersion(let peer, let accepted):
            "peer speaks protocol versions \(peer.lowerBound)…\(peer.upperBound); this node speaks versions "
                + "\(accepted.lowerBound)…\(accepted.upperBound), no version in common"
        }
    }
}

/// The timing and send-queue rules of one link, as a value; `PeerLinkHandler` performs its actions.
///
/// Heartbeats: every tick the link sends a heartbeat unless it wrote something since the last tick, and
/// counts the ticks since it last heard from the peer; at `heartbeatsMissedMax` it closes. A handshake may
/// take `handshakeTicksMax` ticks. Send queue: frames written but not yet handed to the socket are bounded by
/// count and bytes; when either bound is reached, the newest frame is dropped and counted (consensus
/// retransmits, and a slow peer must not make the node buffer without bound).
struct PeerLinkStateMachine {
    enum State: Equatable {
        case handshaking(ticks: Int)
        case active(silentTicks: Int, wroteSinceTick: Bool)
        case closed
    }

    enum TickAction: Equatable {
        case none
        case sendHeartbeat
        case close(PeerLinkCloseReason)
    }

    enum SendAction: Equatable {
        case write
        case drop
        case refuseClosed
    }

    private(set) var state: State = .handshaking(ticks: 0)
    private(set) var queuedFrames = 0
    private(set) var queuedBytes = 0
    private(set) var droppedFrames = 0
    let heartbeatsMissedMax: Int
    let sendQueueFramesMax: Int
    let sendQueueBytesMax: Int

    init(
        heartbeatsMissedMax: Int = PeerNetworkLimits.heartbeatsMissedMax,
        sendQueueFramesMax: Int = PeerNetworkLimits.sendQueueFramesMax,
        sendQueueBytesMax: Int = PeerNetworkLimits.sendQueueBytesMax
    ) {
        precondition(heartbeatsMissedMax >= 1 && sendQueueFramesMax >= 1 && sendQueueBytesMax >= 1)
        self.heartbeatsMissedMax = heartbeatsMissedMax
        self.sendQueueFramesMax = sendQueueFramesMax
        self.sendQueueBytesMax = sendQueueBytesMax
    }

    mutating func handshakeCompleted() {
        guard case .handshaking = state else { return }
        state = .active(silentTicks: 0, wroteSinceTick: false)
    }

    mutating func frameReceived() {
        guard case .active(_, let wrote) = state else { return }
        state = .active(silentTicks: 0, wroteSinceTick: wrote)
    }

    mutating func heartbeatTick() -> TickAction {
        switch state {
        case .handshaking(let ticks):
            guard ticks + 1 < PeerNetworkLimits.handshakeTicksMax else {
                state = .closed
                return .close(.handshakeTimeout)
            }
            state = .handshaking(ticks: ticks + 1)
            return .none
        case .active(let silentTicks, let wrote):
            guard silentTicks + 1 < heartbeatsMissedMax else {
                state = .closed
                return .close(.heartbeatsMissed(heartbeatsMissedMax))
            }
            state = .active(silentTicks: silentTicks + 1, wroteSinceTick: false)
            return wrote ? .none : .sendHeartbeat
        case .closed:
            return .none
        }
    }

    /// A message of `bytes` is about to be written.
    mutating func send(bytes: Int) -> SendAction {
        guard case .active(let silentTicks, _) = state else { return .refuseClosed }
        guard queuedFrames < sendQueueFramesMax, queuedBytes + bytes <= sendQueueBytesMax else {
            droppedFrames += 1
            return .drop
        }
        queuedFrames += 1
        queuedBytes += bytes
        state = .active(silentTicks: silentTicks, wroteSinceTick: true)
        return .write
    }

    /// A message written with `.write` has left the queue (sent or failed).
    mutating func writeCompleted(bytes: Int) {
        precondition(queuedFrames >= 1 && queuedBytes >= bytes, "write completed that was never queued")
        queuedFrames -= 1
        queuedBytes -= bytes
    }

    mutating func close() {
        state = .closed
    }
}

/// When to redial a peer this node dials: at once first, then after a delay doubling per failed attempt from
/// `reconnectDelayMsInitial` up to `reconnectDelayMsMax`; a link that was up and dropped redials after the
/// initial delay.
public struct ReconnectStateMachine: Sendable {
    public enum State: Equatable, Sendable {
        case idle
        case connecting(failures: Int)
        case connected
        case waiting(failures: Int)
        case stopped
    }

    public enum Action: Equatable, Sendable {
        case connect
        case scheduleConnect(afterMs: Int64)
        case none
    }

    public private(set) var state: State = .idle
    public let delayMsInitial: Int64
    public let delayMsMax: Int64

    public init(
        delayMsInitial: Int64 = PeerNetworkLimits.reconnectDelayMsInitial,
        delayMsMax: Int64 = PeerNetworkLimits.reconnectDelayMsMax
    ) {
        precondition(delayMsInitial >= 1 && delayMsMax >= delayMsInitial)
        self.delayMsInitial = delayMsInitial
        self.delayMsMax = delayMsMax
    }

    /// The delay after `failures` consecutive failed attempts (at least one).
    public func delayMs(afterFailures failures: Int) -> Int64 {
        var delay = delayMsInitial
        for _ in 1..<max(failures, 1) where delay < delayMsMax { delay *= 2 }
        return min(delay, delayMsMax)
    }

    public mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .connecting(failures: 0)
        return .connect
    }

    public mutating func connectFailed() -> Action {
        guard case .connecting(let failures) = state else { return .none }
        state = .waiting(failures: failures + 1)
        return .scheduleConnect(afterMs: delayMs(afterFailures: failures + 1))
    }

    public mutating func connected() {
        guard case .connecting = state else { return }
        state = .connected
    }

    public mutating func disconnected() -> Action {
        guard state == .connected else { return .none }
        state = .waiting(failures: 1)
        return .scheduleConnect(afterMs: delayMsInitial)
    }

    public mutating func delayElapsed() -> Action {
        guard case .waiting(let failures) = state else { return .none }
        state = .connecting(failures: failures)
        return .connect
    }

    public mutating func stop() {
        state = .stopped
    }
}
