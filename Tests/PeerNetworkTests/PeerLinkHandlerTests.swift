import NIOCore
import NIOEmbedded
import NIOTLS
import Testing

@testable import PeerNetwork

/// The link handler on an `EmbeddedChannel`: time is advanced by hand, so heartbeats and the send queue are
/// checked deterministically.
@Suite struct PeerLinkHandlerTests {
    static let peer = PeerIdentity(department: "IMMD", nodeName: "immd-1")

    /// An inbound link to `peer` whose handshake has just completed.
    static func link(
        sendQueueFramesMax: Int = 2, frameBytesMax: Int = PeerNetworkLimits.frameBytesMax, trust: PeerTrust = Fixtures.shared.trust
    ) throws -> (EmbeddedChannel, PeerHost) {
        var configuration = PeerHost.Configuration(certificate: Fixtures.shared.td1)
        configuration.heartbeatInterval = .seconds(1)
        configuration.sendQueueFramesMax = sendQueueFramesMax
        configuration.frameBytesMax = frameBytesMax
        let host = try PeerHost(configuration: configuration, trust: trust)
        let verified = VerifiedPeer()
        verified.value.withLock { $0 = (peer, Fixtures.shared.immd1.certificate) }
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            PeerLinkHandler(host: host, verified: verified, direction: .inbound, upPromise: nil))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        return (channel, host)
    }

    @Test("The server confirms a verified client with an immediate hello carrying its protocol version and counts the link up")
    func serverConfirms() async throws {
        let (channel, host) = try Self.link()
        #expect(try channel.readOutbound(as: Frame.self) == .hello(versions: PeerProtocol.accepted))
        #expect(host.openLinks.map(\.identity) == [Self.peer])
        try await host.shutdown()
    }

    @Test("A peer whose hello names no version this build speaks is closed before any message is delivered, and counted")
    func unknownVersionRefused() async throws {
        let (channel, host) = try Self.link()
        let newer = (PeerProtocol.version + 1)...(PeerProtocol.version + 2)
        try channel.writeInbound(Frame.hello(versions: newer))
        try channel.writeInbound(Frame.message(ByteBuffer(string: "prepare")))
        #expect(!channel.isActive)
        #expect(host.versionRefusalCount == 1)
        let event = try await host.next { event -> PeerEvent? in
            switch event {
            case .linkDown, .message: event
            default: nil
            }
        }
        guard case .linkDown(let link, let reason) = event else {
            Issue.record("a message of a refused peer was delivered: \(event)")
            return
        }
        #expect(reason == .unsupportedProtocolVersion(peer: newer, accepted: PeerProtocol.accepted))
        #expect(reason.description.contains("versions \(newer.lowerBound)…\(newer.upperBound)"))
        #expect(link.protocolVersion == nil)
        try await host.shutdown()
    }

    @Test(
        "A peer whose range overlaps links at the highest version both speak",
        arguments: [
            (0...PeerProtocol.version + 5, PeerProtocol.version), (1...1, 1),
            (PeerProtocol.version...PeerProtocol.version + 1, PeerProtocol.version),
        ] as [(ClosedRange<UInt32>, UInt32)])
    func overlappingVersionsNegotiated(peer: ClosedRange<UInt32>, expected: UInt32) async throws {
        let (channel, host) = try Self.link()
        #expect(host.openLinks.first?.protocolVersion == nil)
        try channel.writeInbound(Frame.hello(versions: peer))
        try channel.writeInbound(Frame.message(ByteBuffer(string: "prepare")))
        #expect(channel.isActive)
        #expect(host.versionRefusalCount == 0)
        let version = try await host.next { event -> UInt32? in
            if case .message(let link, _) = event { link.protocolVersion } else { nil }
        }
        #expect(version == expected)
        try await host.shutdown()
    }

    @Test("Negotiation picks the highest common version, the same from either side, or none without overlap")
    func negotiation() {
        let cases: [(ClosedRange<UInt32>, ClosedRange<UInt32>, UInt32?)] = [
            (0...2, 0...3, 2), (0...2, 1...1, 1), (0...2, 2...5, 2), (0...2, 3...5, nil), (3...4, 0...2, nil), (0...0, 0...2, 0),
        ]
        for (local, peer, expected) in cases {
            #expect(PeerProtocol.negotiate(local, peer) == expected, "\(local) with \(peer)")
            #expect(PeerProtocol.negotiate(peer, local) == expected, "\(peer) with \(local)")
        }
    }

    @Test("A peer of a build before versions (first frame not a hello) is version 0 and keeps its link")
    func preVersionPeerAccepted() async throws {
        let (channel, host) = try Self.link()
        try channel.writeInbound(Frame.heartbeat)
        try channel.writeInbound(Frame.message(ByteBuffer(string: "prepare")))
        #expect(channel.isActive)
        #expect(host.versionRefusalCount == 0)
        let text = try await host.next { event -> String? in
            if case .message(_, let payload) = event { String(buffer: payload) } else { nil }
        }
        #expect(text == "prepare")
        #expect(host.openLinks.first?.protocolVersion == 0)
        try await host.shutdown()
    }

    @Test("A handshake verified under trust that is replaced before the link opens is closed, not opened")
    func trustReplacedDuringHandshake() async throws {
        var trust = Fixtures.shared.trust
        trust.revoke(Fixtures.shared.immd1.certificate)
        let (channel, host) = try Self.link(trust: trust)
        #expect(!channel.isActive)
        #expect(host.openLinks.isEmpty)
        try await host.shutdown()
    }

    @Test("A silent peer gets heartbeats, then is closed at heartbeatsMissedMax ticks; a frame resets the count")
    func silence() async throws {
        let (channel, host) = try Self.link()
        _ = try channel.readOutbound(as: Frame.self)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try channel.readOutbound(as: Frame.self) == .heartbeat)
        try channel.writeInbound(Frame.heartbeat)
        for _ in 1..<PeerNetworkLimits.heartbeatsMissedMax {
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(try channel.readOutbound(as: Frame.self) == .heartbeat)
        }
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(host.openLinks.isEmpty)
        try await host.shutdown()
    }

    @Test("A link that keeps writing sends no heartbeats")
    func busyLinkSkipsHeartbeats() async throws {
        let (channel, host) = try Self.link()
        _ = try channel.readOutbound(as: Frame.self)
        try channel.writeInbound(Frame.heartbeat)
        try channel.writeAndFlush(ByteBuffer(string: "m")).wait()
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try channel.readOutbound(as: Frame.self) == .message(ByteBuffer(string: "m")))
        #expect(try channel.readOutbound(as: Frame.self) == nil)
        try await host.shutdown()
    }

    @Test("When the send queue is full the newest message is dropped, counted and its send fails")
    func sendQueueFull() async throws {
        let (channel, host) = try Self.link(sendQueueFramesMax: 2)
        _ = try channel.readOutbound(as: Frame.self)
        let first = channel.write(ByteBuffer(string: "1"))
        let second = channel.write(ByteBuffer(string: "2"))
        #expect(throws: PeerSendError.sendQueueFull) { try channel.write(ByteBuffer(string: "3")).wait() }
        #expect(host.droppedFrameCount == 1)
        channel.flush()
        try first.wait()
        try second.wait()
        try channel.writeAndFlush(ByteBuffer(string: "4")).wait()
        let sent = try (0..<3).map { _ in try channel.readOutbound(as: Frame.self) }
        #expect(sent == ["1", "2", "4"].map { .message(ByteBuffer(string: $0)) })
        try await host.shutdown()
    }

    /// Issue 13, defect 5: an oversize message was refused through a future nobody looked at, so a block
    /// too large for a frame vanished without a trace.
    @Test("Every failed send is counted: an oversize message as well as a full send queue")
    func failedSendsAreCounted() async throws {
        let (channel, host) = try Self.link(sendQueueFramesMax: 1, frameBytesMax: 8)
        _ = try channel.readOutbound(as: Frame.self)
        #expect(throws: PeerSendError.oversize(bytes: 8, max: 7)) { try channel.writeAndFlush(ByteBuffer(string: "12345678")).wait() }
        #expect(host.failedSendCount == 1)
        let first = channel.write(ByteBuffer(string: "1"))
        #expect(throws: PeerSendError.sendQueueFull) { try channel.write(ByteBuffer(string: "2")).wait() }
        #expect(host.failedSendCount == 2)
        channel.flush()
        try first.wait()
        #expect(host.failedSendCount == 2, "a message that was sent is no failure")
        try await host.shutdown()
    }

    @Test("Inbound messages are delivered as events from the verified identity")
    func delivery() async throws {
        let (channel, host) = try Self.link()
        try channel.writeInbound(Frame.message(ByteBuffer(string: "view-change")))
        let (from, text) = try await host.next { event -> (PeerIdentity, String)? in
            if case .message(let link, let payload) = event { (link.identity, String(buffer: payload)) } else { nil }
        }
        #expect(from == Self.peer && text == "view-change")
        try await host.shutdown()
    }
}
