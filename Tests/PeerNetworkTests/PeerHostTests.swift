import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Testing

@testable import PeerNetwork

/// Real mutual TLS 1.3 on loopback with generated certificates. Every wait is on an event or a future,
/// bounded by `within`.
@Suite(.timeLimit(.minutes(1))) struct PeerHostTests {
    static func host(
        _ certificate: IssuedCertificate, trust: PeerTrust = Fixtures.shared.trust, heartbeatInterval: TimeAmount = .seconds(1)
    ) throws -> PeerHost {
        var configuration = PeerHost.Configuration(certificate: certificate)
        configuration.heartbeatInterval = heartbeatInterval
        configuration.reconnectDelayMsInitial = 10
        return try PeerHost(configuration: configuration, trust: trust)
    }

    static func server(heartbeatInterval: TimeAmount = .seconds(1)) async throws -> (PeerHost, Int) {
        let server = try host(Fixtures.shared.td1, heartbeatInterval: heartbeatInterval)
        let address = try await server.listen(host: "127.0.0.1", port: 0)
        return (server, address.port!)
    }

    @Test("A good pair links up with each other's identity and exchanges messages both ways")
    func goodPair() async throws {
        let (server, port) = try await Self.server()
        let client = try Self.host(Fixtures.shared.immd1)
        let clientLink = try await within { try await client.connect(host: "127.0.0.1", port: port) }
        #expect(clientLink.identity == PeerIdentity(department: "TD", nodeName: "td-1"))
        let serverLink = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        #expect(serverLink.identity == PeerIdentity(department: "IMMD", nodeName: "immd-1"))
        #expect(serverLink.direction == .inbound && clientLink.direction == .outbound)

        clientLink.send(ByteBuffer(string: "prepare"))
        let atServer = try await server.next { if case .message(_, let payload) = $0 { String(buffer: payload) } else { nil } }
        #expect(atServer == "prepare")
        serverLink.send(ByteBuffer(string: "commit"))
        let atClient = try await client.next { if case .message(_, let payload) = $0 { String(buffer: payload) } else { nil } }
        #expect(atClient == "commit")
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("Builds whose version ranges do not overlap refuse each other on both sides, with both ranges, and count it")
    func versionMismatchRefused() async throws {
        let (server, port) = try await Self.server()
        var configuration = PeerHost.Configuration(certificate: Fixtures.shared.immd1)
        configuration.protocolVersions = (PeerProtocol.version + 1)...(PeerProtocol.version + 2)
        let client = try PeerHost(configuration: configuration, trust: Fixtures.shared.trust)
        do {
            _ = try await within { try await client.connect(host: "127.0.0.1", port: port) }
            Issue.record("a peer of another protocol version linked up")
        } catch PeerConnectError.closedBeforeVerified(let reason) {
            #expect(reason == .unsupportedProtocolVersion(peer: PeerProtocol.accepted, accepted: configuration.protocolVersions))
        }
        #expect(client.versionRefusalCount == 1)
        #expect(client.openLinks.isEmpty)
        // The server counted the link up at its handshake, then refused the client's hello in turn.
        let reason = try await server.next { if case .linkDown(_, let reason) = $0 { reason } else { nil } }
        #expect(reason == .unsupportedProtocolVersion(peer: configuration.protocolVersions, accepted: PeerProtocol.accepted))
        #expect(server.versionRefusalCount == 1)
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A newer build that still speaks this build's version links with it at this build's version, on both sides")
    func overlappingVersionsLink() async throws {
        let (server, port) = try await Self.server()
        var configuration = PeerHost.Configuration(certificate: Fixtures.shared.immd1)
        configuration.protocolVersions = 0...(PeerProtocol.version + 1)
        let client = try PeerHost(configuration: configuration, trust: Fixtures.shared.trust)
        let clientLink = try await within { try await client.connect(host: "127.0.0.1", port: port) }
        #expect(clientLink.protocolVersion == PeerProtocol.version)
        clientLink.send(ByteBuffer(string: "prepare"))
        let atServer = try await server.next { if case .message(let link, _) = $0 { link.protocolVersion } else { nil } }
        #expect(atServer == PeerProtocol.version)
        #expect(client.versionRefusalCount == 0 && server.versionRefusalCount == 0)
        try await client.shutdown()
        try await server.shutdown()
    }

    static let refusedClients: [(String, @Sendable (Fixtures) -> IssuedCertificate, @Sendable (PeerRefusal) -> Bool)] = [
        ("unknown CA", { $0.strangerNode }, { if case .unknownCA = $0 { true } else { false } }),
        ("wrong CA key", { $0.forgedTD }, { $0 == .badSignature }),
        ("expired", { $0.expiredTD }, { if case .expired = $0 { true } else { false } }),
        ("not yet valid", { $0.futureTD }, { if case .notYetValid = $0 { true } else { false } }),
        ("unregistered", { $0.unregisteredTD }, { if case .notRegistered = $0 { true } else { false } }),
        ("revoked", { $0.td2 }, { if case .revoked = $0 { true } else { false } }),
    ]

    @Test("A client whose certificate the chain refuses is refused at the handshake", arguments: 0..<refusedClients.count)
    func refusedAtHandshake(index: Int) async throws {
        let (name, certificate, matches) = Self.refusedClients[index]
        var trust = Fixtures.shared.trust
        trust.revoke(Fixtures.shared.td2.certificate)
        let server = try Self.host(Fixtures.shared.td1, trust: trust)
        let port = try await server.listen(host: "127.0.0.1", port: 0).port!
        let client = try Self.host(certificate(Fixtures.shared))
        async let attempt = #expect(throws: (any Error).self) {
            try await within { try await client.connect(host: "127.0.0.1", port: port) }
        }
        let refusal = try await server.next { event -> PeerRefusal? in
            if case .linkUp(let link) = event { Issue.record("\(name): server linked up with \(link)") }
            if case .refused(_, let refusal) = event { return refusal }
            return nil
        }
        #expect(matches(refusal), "\(name): refused with \(refusal)")
        _ = await attempt
        #expect(server.openLinks.isEmpty)
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A server whose certificate the client's chain refuses is refused by the client")
    func serverRefused() async throws {
        let server = try Self.host(Fixtures.shared.forgedTD)
        let port = try await server.listen(host: "127.0.0.1", port: 0).port!
        let client = try Self.host(Fixtures.shared.immd1)
        await #expect(throws: (any Error).self) { try await within { try await client.connect(host: "127.0.0.1", port: port) } }
        let refusal = try await client.next { if case .refused(_, let refusal) = $0 { refusal } else { nil } }
        #expect(refusal == .badSignature)
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A dialer that expects another node refuses a trusted server with a different identity")
    func unexpectedServer() async throws {
        let (server, port) = try await Self.server()
        let client = try Self.host(Fixtures.shared.immd1)
        let expected = PeerIdentity(department: "TD", nodeName: "td-2")
        await #expect(throws: (any Error).self) {
            try await within { try await client.connect(host: "127.0.0.1", port: port, expecting: expected) }
        }
        let refusal = try await client.next { if case .refused(_, let refusal) = $0 { refusal } else { nil } }
        #expect(refusal == .unexpectedIdentity(PeerIdentity(department: "TD", nodeName: "td-1")))
        let link = try await within {
            try await client.connect(host: "127.0.0.1", port: port, expecting: PeerIdentity(department: "TD", nodeName: "td-1"))
        }
        #expect(link.identity.nodeName == "td-1")
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("updateTrust closes a live link whose certificate is revoked, and only that one")
    func liveRevocation() async throws {
        let (server, port) = try await Self.server()
        let revokedClient = try Self.host(Fixtures.shared.immd1)
        let keptClient = try Self.host(Fixtures.shared.td2)
        let revokedLink = try await within { try await revokedClient.connect(host: "127.0.0.1", port: port) }
        _ = try await within { try await keptClient.connect(host: "127.0.0.1", port: port) }
        for _ in 0..<2 { _ = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } } }

        var trust = Fixtures.shared.trust
        trust.revoke(Fixtures.shared.immd1.certificate)
        let closed = server.updateTrust(trust)
        #expect(closed.map { $0.0.identity } == [PeerIdentity(department: "IMMD", nodeName: "immd-1")])
        let reason = try await server.next { if case .linkDown(_, let reason) = $0 { reason } else { nil } }
        guard case .trustWithdrawn(.revoked) = reason else {
            Issue.record("closed for \(reason)")
            return
        }
        try await within { try await revokedLink.closeFuture.get() }
        #expect(server.openLinks.map(\.identity) == [PeerIdentity(department: "TD", nodeName: "td-2")])
        try await revokedClient.shutdown()
        try await keptClient.shutdown()
        try await server.shutdown()
    }

    @Test("A dialed link that drops is redialed")
    func redial() async throws {
        let (server, port) = try await Self.server()
        let client = try Self.host(Fixtures.shared.immd1)
        client.dial(host: "127.0.0.1", port: port)
        let first = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        first.close()
        let second = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        #expect(second.id != first.id && second.identity == first.identity)
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A dial over several addresses moves past one where nothing listens")
    func dialFailsOver() async throws {
        let (server, port) = try await Self.server()
        let (unused, unusedPort) = try await Self.server()
        try await unused.shutdown()  // nothing listens there any more
        let client = try Self.host(Fixtures.shared.immd1)
        client.dial([PeerAddress(host: "127.0.0.1", port: unusedPort), PeerAddress(host: "127.0.0.1", port: port)])
        let link = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        #expect(link.identity == PeerIdentity(department: "IMMD", nodeName: "immd-1"))
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A cancelled dial closes its link and does not redial")
    func cancelledDialStops() async throws {
        let (server, port) = try await Self.server()
        let client = try Self.host(Fixtures.shared.immd1)
        let dial = client.dial(host: "127.0.0.1", port: port)
        _ = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        dial.cancel()
        _ = try await server.next { if case .linkDown = $0 { true } else { nil } }
        #expect(dial.isCancelled)
        // The dial redials 10 ms after a drop; a probe from another node, started now, links up only after
        // that would have happened, and the server's next link must be the probe's.
        let probe = try Self.host(Fixtures.shared.td2)
        _ = try await within { try await probe.connect(host: "127.0.0.1", port: port) }
        let next = try await server.next { event -> PeerLink? in if case .linkUp(let link) = event { link } else { nil } }
        #expect(next.identity == PeerIdentity(department: "TD", nodeName: "td-2"), "the cancelled dial reconnected")
        #expect(client.openLinks.isEmpty)
        try await probe.shutdown()
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A message larger than a frame is refused to the sender with a typed error, the link stays up")
    func oversizeSend() async throws {
        let (server, port) = try await Self.server()
        let client = try Self.host(Fixtures.shared.immd1)
        let link = try await within { try await client.connect(host: "127.0.0.1", port: port) }
        let huge = ByteBuffer(repeating: 0, count: PeerNetworkLimits.frameBytesMax)
        await #expect(throws: PeerSendError.oversize(bytes: huge.readableBytes, max: PeerNetworkLimits.frameBytesMax - 1)) {
            try await link.send(huge).get()
        }
        try await link.send(ByteBuffer(string: "still up")).get()
        let received = try await server.next { if case .message(_, let payload) = $0 { String(buffer: payload) } else { nil } }
        #expect(received == "still up")
        try await client.shutdown()
        try await server.shutdown()
    }

    @Test("A connection that never starts its TLS handshake is dropped after handshakeTicksMax heartbeats")
    func handshakeTimeout() async throws {
        let (server, port) = try await Self.server(heartbeatInterval: .milliseconds(20))
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await within { try await channel.closeFuture.get() }
        #expect(server.openLinks.isEmpty)
        try await server.shutdown()
    }

    @Test("A TLS 1.2-only client is refused")
    func tls12Refused() async throws {
        let (server, port) = try await Self.server()
        let result = try await RawClient.connect(port: port, certificate: Fixtures.shared.immd1, maximumTLSVersion: .tlsv12)
        await #expect(throws: (any Error).self) { try await within { try await result.handshake.get() } }
        #expect(server.openLinks.isEmpty)
        try await server.shutdown()
    }

    @Test("A verified peer that sends garbage is disconnected with the reason")
    func garbageDisconnects() async throws {
        // Heartbeats far apart: on a loaded machine the raw client (which sends none) must be closed for its
        // bad frame, not for silence before it writes.
        let (server, port) = try await Self.server(heartbeatInterval: .seconds(60))
        let client = try await RawClient.connect(port: port, certificate: Fixtures.shared.immd1)
        try await within { try await client.handshake.get() }
        _ = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        try await client.channel.writeAndFlush(ByteBuffer(bytes: [0, 0, 0, 2, 0xEE, 0xEE]))
        let reason = try await server.next { if case .linkDown(_, let reason) = $0 { reason } else { nil } }
        #expect(reason == .badFrame(.unknownKind(0xEE)))
        try await server.shutdown()
    }

    @Test("A frame larger than the maximum disconnects the sender")
    func oversizeDisconnects() async throws {
        // Heartbeats far apart: on a loaded machine the raw client (which sends none) must be closed for its
        // bad frame, not for silence before it writes.
        let (server, port) = try await Self.server(heartbeatInterval: .seconds(60))
        let client = try await RawClient.connect(port: port, certificate: Fixtures.shared.immd1)
        try await within { try await client.handshake.get() }
        _ = try await server.next { if case .linkUp(let link) = $0 { link } else { nil } }
        try await client.channel.writeAndFlush(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]))
        let reason = try await server.next { if case .linkDown(_, let reason) = $0 { reason } else { nil } }
        #expect(reason == .badFrame(.oversize(length: Int(UInt32.max), max: PeerNetworkLimits.frameBytesMax)))
        try await server.shutdown()
    }

    @Test("A verified peer silent for heartbeatsMissedMax heartbeats is disconnected")
    func silentPeer() async throws {
        // handshakeTicksMax of these (1.5 s) for the TLS handshake: on a loaded machine a handshake can take
        // longer than the 250 ms that 50 ms heartbeats would leave, and the link would fail for the wrong reason.
        let (server, port) = try await Self.server(heartbeatInterval: .milliseconds(300))
        let client = try await RawClient.connect(port: port, certificate: Fixtures.shared.immd1)
        try await within { try await client.handshake.get() }
        let reason = try await server.next { if case .linkDown(_, let reason) = $0 { reason } else { nil } }
        #expect(reason == .heartbeatsMissed(PeerNetworkLimits.heartbeatsMissedMax))
        try await server.shutdown()
    }
}

/// A bare TLS client without the frame layer: it speaks only what a test writes.
struct RawClient {
    let channel: any Channel
    let handshake: EventLoopFuture<Void>

    final class HandshakeWatcher: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<Void>
        init(promise: EventLoopPromise<Void>) { self.promise = promise }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { promise.succeed() }
            context.fireUserInboundEventTriggered(event)
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
            context.close(promise: nil)
        }
        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.eof)
            context.fireChannelInactive()
        }
    }

    static func connect(port: Int, certificate: IssuedCertificate, maximumTLSVersion: TLSVersion = .tlsv13) async throws -> RawClient {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.maximumTLSVersion = maximumTLSVersion
        configuration.certificateVerification = .none
        configuration.certificateChain = [
            .certificate(try NIOSSLCertificate(bytes: PeerCertificates.derBytes(certificate.certificate), format: .der))
        ]
        configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificate.privateKeyPEM.utf8), format: .pem))
        let context = try NIOSSLContext(configuration: configuration)
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        try NIOSSLClientHandler(context: context, serverHostname: nil), HandshakeWatcher(promise: promise),
                    ])
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawClient(channel: channel, handshake: promise.futureResult)
    }
}
