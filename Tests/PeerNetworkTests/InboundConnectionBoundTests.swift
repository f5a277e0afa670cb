import NIOCore
import NIOPosix
import Testing

@testable import PeerNetwork

/// Connections that never present a certificate cannot take the node's file descriptors: past
/// `PeerNetworkLimits.inboundConnectionsPerAddressMax` from one address they are closed at accept.
@Suite(.timeLimit(.minutes(1))) struct InboundConnectionBoundTests {
    /// A plain TCP connection from `source` (a loopback address) that sends nothing: a handshake never begun.
    static func silentConnection(to port: Int, from source: String) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Polls `condition` every 10 ms until it holds: the server counts a connection on its own event loop,
    /// after the client's connect has returned.
    static func until(_ condition: @escaping @Sendable () -> Bool) async throws {
        try await within {
            while !condition() { try await Task.sleep(for: .milliseconds(10)) }  // bounded by `within`
        }
    }

    @Test("silent connections past the per-address bound are closed at accept, and a peer from another address still links")
    func perAddressBound() async throws {
        // Handshakes time out after five ticks: none does during the test.
        let (server, port) = try await PeerHostTests.server(heartbeatInterval: .seconds(60))
        let bound = PeerNetworkLimits.inboundConnectionsPerAddressMax
        var silent: [any Channel] = []
        for _ in 0..<(bound + 3) { silent.append(try await Self.silentConnection(to: port, from: "127.0.0.2")) }
        try await Self.until { server.inboundConnections.refused == 3 }
        #expect(server.inboundConnections.open == bound)
        // The refused ones are closed by the server; the others stay open, waiting for a handshake.
        let refused = Array(silent.suffix(3))
        try await within { for channel in refused { try await channel.closeFuture.get() } }
        let waiting = silent.prefix(bound).filter(\.isActive).count
        #expect(waiting == bound)

        let client = try PeerHostTests.host(Fixtures.shared.immd1)
        let link = try await within { try await client.connect(host: "127.0.0.1", port: port) }
        #expect(link.identity == PeerIdentity(department: "TD", nodeName: "td-1"))
        #expect(server.inboundConnections.open == bound + 1)

        for channel in silent.prefix(bound) { try await channel.close() }
        try await Self.until { server.inboundConnections.open == 1 }
        let again = try await Self.silentConnection(to: port, from: "127.0.0.2")
        try await Self.until { server.inboundConnections.open == 2 }
        #expect(server.inboundConnections.refused == 3)
        try await again.close()
        try await client.shutdown()
        try await server.shutdown()
    }
}
