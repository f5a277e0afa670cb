import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization
import X509

/// What the TLS verification callback learned about the peer, read by `PeerLinkHandler` once the handshake ends.
final class VerifiedPeer: Sendable {
    let value = Mutex<(PeerIdentity, Certificate)?>(nil)
    /// Accepted by the provisional rule (`PeerTrust.judge`, ADR 0018).
    let provisional = Atomic<Bool>(false)
}

/// The thin shell around `PeerLinkStateMachine` for one connection: heartbeats, send queue, close reasons.
final class PeerLinkHandler: ChannelDuplexHandler {
    typealias InboundIn = Frame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = Frame

    struct CloseRequest: Sendable {
        var reason: PeerLinkCloseReason
    }

    private var machine: PeerLinkStateMachine
    private let host: PeerHost
    private let verified: VerifiedPeer
    private let direction: PeerLinkDirection
    private let upPromise: EventLoopPromise<PeerLink>?
    private var link: PeerLink?
    private var handshakeCompleted = false
    /// The peer's protocol version, known from its first frame.
    private var peerVersion: UInt32?
    private var closeReason: PeerLinkCloseReason?
    private var tick: Scheduled<Void>?

    init(host: PeerHost, verified: VerifiedPeer, direction: PeerLinkDirection, upPromise: EventLoopPromise<PeerLink>?) {
        self.host = host
        self.verified = verified
        self.direction = direction
        self.upPromise = upPromise
        self.machine = PeerLinkStateMachine(
            heartbeatsMissedMax: host.configuration.heartbeatsMissedMax,
            sendQueueFramesMax: host.configuration.sendQueueFramesMax,
            sendQueueBytesMax: host.configuration.sendQueueBytesMax)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        scheduleTick(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tick?.cancel()
    }

    private func scheduleTick(context: ChannelHandlerContext) {
        tick = context.eventLoop.assumeIsolated().scheduleTask(in: host.configuration.heartbeatInterval) {
            self.heartbeatTick(context: context)
        }
    }

    private func heartbeatTick(context: ChannelHandlerContext) {
        switch machine.heartbeatTick() {
        case .none: break
        case .sendHeartbeat: context.writeAndFlush(wrapOutboundOut(.heartbeat), promise: nil)
        case .close(let reason):
            close(context: context, reason: reason)
            return
        }
        scheduleTick(context: context)
    }

    private func close(context: ChannelHandlerContext, reason: PeerLinkCloseReason) {
        if closeReason == nil { closeReason = reason }
        machine.close()
        context.close(promise: nil)
    }

    /// Both sides send their hello (the versions they speak) as soon as the handshake completes. TLS 1.3 lets a
    /// client finish its handshake before the server has judged the client certificate, so the server's
    /// hello also confirms that it took the certificate, and the client counts the link up on that first
    /// frame. Each side negotiates the version on the peer's first frame, before delivering anything.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshakeCompleted = true
            if direction == .inbound { linkUp(context: context) }
            context.writeAndFlush(wrapOutboundOut(.hello(versions: host.configuration.protocolVersions)), promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func linkUp(context: ChannelHandlerContext) {
        guard let (identity, certificate) = verified.value.withLock({ $0 }) else {
            // The verification callback always runs before the handshake completes with a peer certificate.
            close(context: context, reason: .connectionError("handshake completed without a verified peer"))
            return
        }
        machine.handshakeCompleted()
        let link = host.makeLink(
            identity: identity, direction: direction, certificate: certificate, provisional: verified.provisional.load(ordering: .relaxed),
            channel: context.channel)
        if let peerVersion { link.negotiated(peerVersion) }
        if let refusal = host.linkUp(link) {
            close(context: context, reason: refusal)
            return
        }
        self.link = link
        upPromise?.succeed(link)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard closeReason == nil else { return }
        if peerVersion == nil && handshakeCompleted {
            // The first frame says which protocol the peer speaks: a hello, or (a build before versions) anything else.
            let peerVersions: ClosedRange<UInt32> = if case .hello(let versions) = frame { versions } else { 0...0 }
            let local = host.configuration.protocolVersions
            guard let version = PeerProtocol.negotiate(local, peerVersions) else {
                let reason = PeerLinkCloseReason.unsupportedProtocolVersion(peer: peerVersions, accepted: local)
                host.countVersionRefusal()
                let peer = verified.value.withLock { $0 }.map { "\($0.0)" } ?? "unverified"
                host.logger.warning(
                    "refused a peer that speaks another protocol version", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
                close(context: context, reason: reason)
                return
            }
            peerVersion = version
            link?.negotiated(version)
            if link == nil && direction == .outbound { linkUp(context: context) }
        }
        machine.frameReceived()
        if case .message(let payload) = frame, let link {
            host.deliver(payload, from: link)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let payload = unwrapOutboundIn(data)
        let bytes = payload.readableBytes
        guard bytes < host.configuration.frameBytesMax else {
            host.countFailedSend()
            promise?.fail(PeerSendError.oversize(bytes: bytes, max: host.configuration.frameBytesMax - 1))
            return
        }
        switch machine.send(bytes: bytes) {
        case .write:
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenComplete { result in
                self.machine.writeCompleted(bytes: bytes)
                if case .failure = result { self.host.countFailedSend() }
            }
            if let promise { written.futureResult.cascade(to: promise) }
            context.write(wrapOutboundOut(.message(payload)), promise: written)
        case .drop:
            host.countDroppedFrame()
            host.countFailedSend()
            promise?.fail(PeerSendError.sendQueueFull)
        case .refuseClosed:
            host.countFailedSend()
            promise?.fail(PeerSendError.linkClosed)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let request = event as? CloseRequest else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        close(context: context, reason: request.reason)
        promise?.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: PeerLinkCloseReason =
            if let frameError = error as? FrameError { .badFrame(frameError) } else { .connectionError("\(error)") }
        close(context: context, reason: reason)
    }

    func channelInactive(context: ChannelHandlerContext) {
        tick?.cancel()
        machine.close()
        let reason = closeReason ?? .remoteClosed
        if let link {
            host.linkDown(link, reason: reason)
        } else {
            let admitted = host.unverifiedLog.admit()
            if admitted.write {
                host.logger.info(
                    "peer connection closed before it was verified",
                    metadata: LogThrottle.metadata(["reason": "\(reason)"], heldBack: admitted.heldBack))
            }
            upPromise?.fail(PeerConnectError.closedBeforeVerified(reason))
        }
        context.fireChannelInactive()
    }
}

/// Why `PeerHost.connect(host:port:)` did not produce a link.
public enum PeerConnectError: Error, Sendable {
    case closedBeforeVerified(PeerLinkCloseReason)
}
