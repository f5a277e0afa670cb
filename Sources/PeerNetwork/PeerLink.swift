import NIOCore
import Synchronization
import X509

/// Which side opened a link.
public enum PeerLinkDirection: Hashable, Sendable {
    case inbound
    case outbound
}

/// An open, verified link to a peer; `send(_:)` may be called from any thread.
public final class PeerLink: Sendable, CustomStringConvertible {
    public let id: UInt64
    public let identity: PeerIdentity
    public let direction: PeerLinkDirection
    /// The certificate the peer presented; `PeerHost.updateTrust(_:)` re-checks it.
    public let certificate: Certificate
    let channel: any Channel
    private let provisionalFlag: Atomic<Bool>
    private let negotiatedVersion = Atomic<UInt32>(PeerLink.versionUnknown)
    private static let versionUnknown = UInt32.max

    /// The peer protocol version the link speaks, the highest both sides speak (`PeerProtocol.negotiate`).
    ///
    /// Nil until the peer's first frame arrives; no message of the peer is delivered before, so a handler of
    /// its messages always sees it set.
    public var protocolVersion: UInt32? {
        let version = negotiatedVersion.load(ordering: .acquiring)
        return version == Self.versionUnknown ? nil : version
    }

    func negotiated(_ version: UInt32) {
        negotiatedVersion.store(version, ordering: .releasing)
    }

    init(
        id: UInt64, identity: PeerIdentity, direction: PeerLinkDirection, certificate: Certificate, provisional: Bool, channel: any Channel
    ) {
        self.id = id
        self.identity = identity
        self.direction = direction
        self.certificate = certificate
        self.provisionalFlag = Atomic(provisional)
        self.channel = channel
    }

    /// Whether the link stands on the provisional rule (ADR 0018): dialed while the node was behind, its
    /// certificate not registered on the local chain. Kept true by `PeerHost.updateTrust` until a trust
    /// registers the certificate.
    public var isProvisional: Bool { provisionalFlag.load(ordering: .relaxed) }

    func setProvisional(_ provisional: Bool) { provisionalFlag.store(provisional, ordering: .relaxed) }

    /// Queues `payload` as one message frame. When the link's send queue is full the frame is dropped and
    /// counted, and the returned future fails with `PeerSendError.sendQueueFull`.
    @discardableResult
    public func send(_ payload: ByteBuffer) -> EventLoopFuture<Void> {
        channel.writeAndFlush(payload)
    }

    /// Closes the link, reporting `reason` in its `linkDown` event.
    public func close(reason: PeerLinkCloseReason = .localClose) {
        channel.triggerUserOutboundEvent(PeerLinkHandler.CloseRequest(reason: reason), promise: nil)
    }

    /// Completes when the link has closed.
    public var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    public var description: String { "link #\(id) \(direction) \(identity)\(isProvisional ? " (provisional)" : "")" }
}

/// An event of the peer network, delivered in order on `PeerHost.events`.
public enum PeerEvent: Sendable {
    case linkUp(PeerLink)
    case linkDown(PeerLink, reason: PeerLinkCloseReason)
    /// A peer's certificate was refused during the handshake.
    case refused(remoteAddress: String, PeerRefusal)
    case message(from: PeerLink, ByteBuffer)
}

/// Why a message was not queued.
public enum PeerSendError: Error, Hashable, Sendable {
    case sendQueueFull
    case linkClosed
    case oversize(bytes: Int, max: Int)
}
