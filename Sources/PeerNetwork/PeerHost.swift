import ChainTypes
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import X509

/// A node's end of the peer network: a mutual-TLS listener and dialer, the open links, and the trust they are
/// checked against (docs/peer-network.md).
public final class PeerHost: Sendable {
    public struct Configuration: Sendable {
        /// This node's TLS certificate and key, issued by its department CA.
        public var certificate: IssuedCertificate
        public var heartbeatInterval: TimeAmount = .milliseconds(PeerNetworkLimits.heartbeatIntervalMsDefault)
        public var heartbeatsMissedMax = PeerNetworkLimits.heartbeatsMissedMax
        public var frameBytesMax = PeerNetworkLimits.frameBytesMax
        public var sendQueueFramesMax = PeerNetworkLimits.sendQueueFramesMax
        public var sendQueueBytesMax = PeerNetworkLimits.sendQueueBytesMax
        public var reconnectDelayMsInitial = PeerNetworkLimits.reconnectDelayMsInitial
        public var reconnectDelayMsMax = PeerNetworkLimits.reconnectDelayMsMax
        /// The clock certificates are checked against.
        public var now: @Sendable () -> Date = { Date() }
        /// The peer protocol versions this host speaks and its hello announces (`PeerProtocol.accepted`; a
        /// node takes them from its `BuildCapabilities`, and tests play other builds with them).
        public var protocolVersions = PeerProtocol.accepted

        public init(certificate: IssuedCertificate) {
            self.certificate = certificate
        }
    }

    public let configuration: Configuration
    public let events: AsyncStream<PeerEvent>
    let logger: Logger
    private let eventSink: AsyncStream<PeerEvent>.Continuation
    private let group: MultiThreadedEventLoopGroup
    /// The TLS contexts presenting this node's certificate; replaced by `replaceCertificate(_:)`.
    private let contexts: Mutex<(server: NIOSSLContext, client: NIOSSLContext)>
    private let trust: Mutex<PeerTrust>
    private let links = Mutex<[UInt64: PeerLink]>([:])
    private let nextLinkId = Atomic<UInt64>(1)
    private let droppedFrames = Atomic<Int>(0)
    private let failedSends = Atomic<Int>(0)
    private let versionRefusals = Atomic<Int>(0)
    private let listeners = Mutex<[any Channel]>([])
    /// Inbound TCP connections open at once, in all and per remote address, from accept to close: handshakes
    /// in progress and verified links alike.
    ///
    /// Anyone who reaches the P2P port can open connections before presenting a certificate, and each holds
    /// a file descriptor of the node until its handshake times out (`PeerNetworkLimits.handshakeTicksMax`).
    /// Without a bound, a host opening them faster than they time out takes every descriptor the node has,
    /// and its storage can no longer open a file (a validator halted that way through its RPC port,
    /// 2026-12-05). A connection over either bound is closed as soon as it is accepted.
    private let inbound = Mutex(
        HeldCounts<String>(
            totalMax: PeerNetworkLimits.inboundConnectionsMax, perKeyMax: PeerNetworkLimits.inboundConnectionsPerAddressMax))
    private let dialers = Mutex<[Task<Void, Never>]>([])
    /// Lines about connections closed before they were verified, and about refused certificates: anyone who
    /// reaches the port can cause them (`LogThrottle`).
    let unverifiedLog = LogThrottle(linesMax: PeerNetworkLimits.unverifiedLogLinesPerMinute, interval: .seconds(60))
    private let refusedLog = LogThrottle(linesMax: PeerNetworkLimits.unverifiedLogLinesPerMinute, interval: .seconds(60))

    public init(configuration: Configuration, trust: PeerTrust, threads: Int = 1, logger: Logger = Logger(label: "sbp.peer")) throws {
        self.configuration = configuration
        self.trust = Mutex(trust)
        self.logger = logger
        (events, eventSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(PeerNetworkLimits.eventsBufferedMax))
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        contexts = Mutex(try Self.contexts(presenting: configuration.certificate))
    }

    /// Server and client TLS contexts that present `certificate`.
    private static func contexts(presenting certificate: IssuedCertificate) throws -> (server: NIOSSLContext, client: NIOSSLContext) {
        let chain = [
            NIOSSLCertificateSource.certificate(
                try NIOSSLCertificate(bytes: PeerCertificates.derBytes(certificate.certificate), format: .der))
        ]
        let key = NIOSSLPrivateKeySource.privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem))
        let server = try NIOSSLContext(
            configuration: Self.tlsConfiguration(.makeServerConfiguration(certificateChain: chain, privateKey: key)))
        var client = TLSConfiguration.makeClientConfiguration()
        client.certificateChain = chain
        client.privateKey = key
        return (server, try NIOSSLContext(configuration: Self.tlsConfiguration(client)))
    }

    /// Presents `certificate` from now on and closes every open link, so that each is made again with it.
    ///
    /// A renewed certificate takes over when the chain registers it (issue 16, deliver 4): peers then
    /// refuse the old one, and the node's dials and its peers' dials reconnect with the new one.
    public func replaceCertificate(_ certificate: IssuedCertificate) throws {
        let replacement = try Self.contexts(presenting: certificate)
        contexts.withLock { $0 = replacement }
        for link in openLinks { link.close(reason: .localClose) }
    }

    /// TLS 1.3 only; the peer must present a certificate, judged by `PeerTrust` in the verification callback.
    private static func tlsConfiguration(_ base: TLSConfiguration) -> TLSConfiguration {
        var configuration = base
        configuration.minimumTLSVersion = .tlsv13
        configuration.maximumTLSVersion = .tlsv13
        // Names are checked against the chain registry, not DNS; the custom callback replaces chain building.
        configuration.certificateVerification = .noHostnameVerification
        return configuration
    }

    /// Listens on `host:port` (port 0 picks one) and returns the bound address.
    public func listen(host: String, port: Int) async throws -> SocketAddress {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let address = channel.remoteAddress?.ipAddress ?? "unknown"
                guard self.inbound.withLock({ $0.admit(address) }) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in self.inbound.withLock { $0.release(address) } }
                return channel.eventLoop.makeCompletedFuture {
                    try self.configure(channel, direction: .inbound, expected: nil, upPromise: nil)
                }
            }
            .bind(host: host, port: port).get()
        listeners.withLock { $0.append(channel) }
        return channel.localAddress!
    }

    /// Opens one link to `host:port` and returns it once both certificates are verified; with `expected`, a
    /// server presenting another identity is refused (`.unexpectedIdentity`).
    public func connect(host: String, port: Int, expecting expected: PeerIdentity? = nil) async throws -> PeerLink {
        let promise = group.next().makePromise(of: PeerLink.self)
        do {
            _ = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try self.configure(channel, direction: .outbound, expected: expected, upPromise: promise)
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            promise.fail(error)
        }
        return try await promise.futureResult.get()
    }

    /// Keeps a link to `host:port` open until `shutdown()` or until the returned dial is cancelled,
    /// redialing with capped exponential back-off.
    ///
    /// Nodes dial the peers the chain lists and re-read the list after every block that changes it
    /// (issue 16): a node that moved or left is no longer dialed, and its old link is closed, with
    /// `PeerDial.cancel()`.
    @discardableResult
    public func dial(host: String, port: Int, expecting expected: PeerIdentity? = nil) -> PeerDial {
        dial([PeerAddress(host: host, port: port)], expecting: expected)
    }

    /// `dial(host:port:expecting:)` over several addresses of one node: a failed attempt moves to the next
    /// address (a node may advertise up to four endpoints on chain), with the same back-off.
    @discardableResult
    public func dial(_ addresses: [PeerAddress], expecting expected: PeerIdentity? = nil) -> PeerDial {
        let handle = PeerDial(addresses: addresses, expected: expected)
        let task = Task {
            var machine = ReconnectStateMachine(
                delayMsInitial: configuration.reconnectDelayMsInitial, delayMsMax: configuration.reconnectDelayMsMax)
            var action = machine.start()
            var attempt = 0
            while !Task.isCancelled, !handle.isCancelled, !addresses.isEmpty {
                let address = addresses[attempt % addresses.count]
                switch action {
                case .connect:
                    do {
                        let link = try await connect(host: address.host, port: address.port, expecting: expected)
                        machine.connected()
                        guard handle.hold(link) else {
                            link.close()
                            return
                        }
                        try? await link.closeFuture.get()
                        handle.release()
                        action = machine.disconnected()
                    } catch {
                        logger.debug("dial failed", metadata: ["peer": "\(address)", "error": "\(error)"])
                        attempt = (attempt + 1) % addresses.count
                        action = machine.connectFailed()
                    }
                case .scheduleConnect(let delayMs):
                    try? await Task.sleep(for: .milliseconds(delayMs))
                    action = machine.delayElapsed()
                case .none:
                    return
                }
            }
        }
        handle.task.withLock { $0 = task }
        dialers.withLock { $0.append(task) }
        return handle
    }

    private func configure(
        _ channel: any Channel, direction: PeerLinkDirection, expected: PeerIdentity?, upPromise: EventLoopPromise<PeerLink>?
    ) throws {
        let verified = VerifiedPeer()
        let callback: NIOSSLCustomVerificationCallback = { certificates, promise in
            let remote = channel.remoteAddress.map { "\($0)" } ?? "unknown"
            promise.succeed(self.verify(certificates, remote: remote, direction: direction, expected: expected, into: verified))
        }
        let tls: NIOSSLHandler =
            switch direction {
            case .inbound: NIOSSLServerHandler(context: contexts.withLock { $0.server }, customVerificationCallback: callback)
            case .outbound:
                try NIOSSLClientHandler(context: contexts.withLock { $0.client }, serverHostname: nil, customVerificationCallback: callback)
            }
        try channel.pipeline.syncOperations.addHandlers([
            tls,
            ByteToMessageHandler(FrameDecoder(frameBytesMax: configuration.frameBytesMax)),
            MessageToByteHandler(FrameEncoder()),
            PeerLinkHandler(host: self, verified: verified, direction: direction, upPromise: upPromise),
        ])
    }

    private func verify(
        _ certificates: [NIOSSLCertificate], remote: String, direction: PeerLinkDirection, expected: PeerIdentity?,
        into verified: VerifiedPeer
    ) -> NIOSSLVerificationResult {
        do throws(PeerRefusal) {
            guard let leaf = certificates.first, let der = try? leaf.toDERBytes(), let certificate = try? Certificate(derEncoded: der)
            else { throw .malformedCertificate }
            let judgement = try trust.withLock { $0 }.judge(certificate, direction: direction, expecting: expected, at: configuration.now())
            if judgement.provisional {
                logger.notice(
                    "accepted a dialed peer provisionally: its certificate is not registered on the chain this node holds yet",
                    metadata: [
                        "remote": "\(remote)", "peer": "\(judgement.identity)", "fingerprint": "\(PeerTrust.fingerprint(of: certificate))",
                    ])
            }
            verified.provisional.store(judgement.provisional, ordering: .relaxed)
            verified.value.withLock { $0 = (judgement.identity, certificate) }
            return .certificateVerified
        } catch {
            let admitted = refusedLog.admit()
            if admitted.write {
                logger.warning(
                    "peer certificate refused",
                    metadata: LogThrottle.metadata(["remote": "\(remote)", "reason": "\(error)"], heldBack: admitted.heldBack))
            }
            eventSink.yield(.refused(remoteAddress: remote, error))
            return .failed
        }
    }

    /// Replaces the trust and closes every open link whose certificate the new trust refuses; returns them.
    ///
    /// The node calls this after each committed block, so a revocation closes live links within one block.
    /// Each link is judged as at its handshake (`PeerTrust.judge`: its direction, the identity it was opened
    /// with): a provisional link (ADR 0018) is confirmed once the trust registers its certificate, and
    /// closed once the trust no longer admits provisional dials and does not.
    @discardableResult
    public func updateTrust(_ newTrust: PeerTrust) -> [(PeerLink, PeerRefusal)] {
        trust.withLock { $0 = newTrust }
        let now = configuration.now()
        var closed: [(PeerLink, PeerRefusal)] = []
        for link in links.withLock({ $0.values.sorted { $0.id < $1.id } }) {
            do throws(PeerRefusal) {
                let provisional = try Self.judge(link, by: newTrust, at: now).provisional
                if link.isProvisional, !provisional {
                    logger.info("provisional link confirmed: the chain registers its certificate", metadata: ["link": "\(link)"])
                }
                link.setProvisional(provisional)
            } catch {
                logger.notice("closing link: peer no longer trusted", metadata: ["link": "\(link)", "reason": "\(error)"])
                link.close(reason: .trustWithdrawn(error))
                closed.append((link, error))
            }
        }
        return closed
    }

    /// The open, verified links.
    public var openLinks: [PeerLink] { links.withLock { $0.values.sorted { $0.id < $1.id } } }

    /// Messages dropped because a link's send queue was full.
    public var droppedFrameCount: Int { droppedFrames.load(ordering: .relaxed) }

    /// Messages that were not sent, for any reason (oversize, send queue full, link closed, a write error):
    /// every failed `PeerLink.send` counts here, whether or not its caller looks at the returned future.
    public var failedSendCount: Int { failedSends.load(ordering: .relaxed) }

    /// Links closed because the peer speaks no protocol version this host speaks (`PeerProtocol.negotiate`).
    public var versionRefusalCount: Int { versionRefusals.load(ordering: .relaxed) }

    /// Inbound connections open now, and closed at accept since the host started because of
    /// `PeerNetworkLimits.inboundConnectionsMax` or `inboundConnectionsPerAddressMax`.
    public var inboundConnections: (open: Int, refused: UInt64) { inbound.withLock { ($0.total, $0.refused) } }

    /// Stops dialing, closes listeners and links, and shuts the event loops down.
    public func shutdown() async throws {
        for task in dialers.withLock({ $0 }) { task.cancel() }
        for channel in listeners.withLock({ $0 }) { try? await channel.close() }
        for link in openLinks { link.close() }
        try await group.shutdownGracefully()
        eventSink.finish()
    }

    func makeLink(
        identity: PeerIdentity, direction: PeerLinkDirection, certificate: Certificate, provisional: Bool, channel: any Channel
    ) -> PeerLink {
        PeerLink(
            id: nextLinkId.wrappingAdd(1, ordering: .relaxed).oldValue, identity: identity, direction: direction,
            certificate: certificate, provisional: provisional, channel: channel)
    }

    /// `link`'s certificate judged by `trust` as at its handshake: same direction, same identity.
    private static func judge(_ link: PeerLink, by trust: PeerTrust, at now: Date) throws(PeerRefusal) -> PeerJudgement {
        try trust.judge(link.certificate, direction: link.direction, expecting: link.identity, at: now)
    }

    /// Registers a verified link, or says why it may not open.
    ///
    /// The link is registered first and its certificate re-checked against the current trust after: a
    /// handshake verified just before `updateTrust` either is in the registry when `updateTrust` scans it,
    /// or sees the new trust here.
    func linkUp(_ link: PeerLink) -> PeerLinkCloseReason? {
        let admitted = links.withLock { links in
            guard links.count < PeerNetworkLimits.linksMax else { return false }
            links[link.id] = link
            return true
        }
        guard admitted else { return .linksMax }
        do throws(PeerRefusal) {
            _ = try Self.judge(link, by: trust.withLock { $0 }, at: configuration.now())
        } catch {
            _ = links.withLock { $0.removeValue(forKey: link.id) }
            return .trustWithdrawn(error)
        }
        logger.info("link up", metadata: ["link": "\(link)"])
        eventSink.yield(.linkUp(link))
        return nil
    }

    func linkDown(_ link: PeerLink, reason: PeerLinkCloseReason) {
        _ = links.withLock { $0.removeValue(forKey: link.id) }
        logger.info("link down", metadata: ["link": "\(link)", "reason": "\(reason)"])
        eventSink.yield(.linkDown(link, reason: reason))
    }

    func deliver(_ payload: ByteBuffer, from link: PeerLink) {
        eventSink.yield(.message(from: link, payload))
    }

    func countDroppedFrame() {
        droppedFrames.add(1, ordering: .relaxed)
    }

    func countFailedSend() {
        failedSends.add(1, ordering: .relaxed)
    }

    func countVersionRefusal() {
        versionRefusals.add(1, ordering: .relaxed)
    }
}
