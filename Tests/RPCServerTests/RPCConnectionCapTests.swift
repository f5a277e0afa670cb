import NIOCore
import NIOPosix
import RPCServer
import Synchronization
import Testing

/// The server's connection bounds (`RPCServerConfiguration.connectionsMax`, `clientConnectionsMax`): a
/// connection past either is closed as soon as it is accepted, so that no client takes the node's file
/// descriptors, and the other clients are served.
@Suite("RPC connection bounds", .timeLimit(.minutes(1)))
struct RPCConnectionCapTests {
    static let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#

    static var configuration: RPCServerConfiguration {
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.connectionsMax = 6
        configuration.clientConnectionsMax = 3
        return configuration
    }

    /// A keep-alive connection from `source` (a loopback address) that has sent one request: `answered`
    /// says whether a response came back before the server closed it.
    struct Probe {
        let channel: any Channel
        let answered: Bool
    }

    /// Collects a response's first bytes, or the close that came instead.
    final class FirstResponse: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<Bool>

        init(_ promise: EventLoopPromise<Bool>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            promise.succeed(String(buffer: unwrapInboundIn(data)).hasPrefix("HTTP/1.1 200"))
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(false)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    static func probe(port: Int, from source: String) async throws -> Probe {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: Bool.self)
        let channel = try await ClientBootstrap(group: group)
            .bind(to: try SocketAddress(ipAddress: source, port: 0))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FirstResponse(promise)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(request.utf8.count)\r\n\r\n"
        channel.writeAndFlush(ByteBuffer(string: head + request), promise: nil)
        let answered = try await withDeadline(.seconds(30)) { try await promise.futureResult.get() }
        return Probe(channel: channel, answered: answered)
    }

    /// Probes until one is answered: a closed connection's place is freed when the server sees the close.
    static func probeUntilAnswered(port: Int, from source: String) async throws -> Probe {
        try await withDeadline(.seconds(30)) {
            while true {
                let probe = try await probe(port: port, from: source)
                if probe.answered { return probe }
                try await Task.sleep(for: .milliseconds(10))  // polling the server's count, bounded by the deadline
            }
        }
    }

    @Test("a client address past its connection bound is closed at accept; other addresses are served; a close frees a place")
    func perClientBound() async throws {
        try await LiveServer.with(Self.configuration) { server in
            var held: [Probe] = []
            for _ in 0..<3 { held.append(try await Self.probe(port: server.port, from: "127.0.0.2")) }
            #expect(held.filter(\.answered).count == held.count)
            let over = try await Self.probe(port: server.port, from: "127.0.0.2")
            #expect(!over.answered)
            let other = try await Self.probe(port: server.port, from: "127.0.0.3")
            #expect(other.answered)
            try await held[0].channel.close()
            let freed = try await Self.probeUntilAnswered(port: server.port, from: "127.0.0.2")
            for probe in held.dropFirst() + [other, freed] { try await probe.channel.close() }
        }
    }

    @Test("past the server's bound a connection from any address is closed at accept")
    func serverBound() async throws {
        try await LiveServer.with(Self.configuration) { server in
            var held: [Probe] = []
            for source in ["127.0.0.2", "127.0.0.3"] {
                for _ in 0..<3 { held.append(try await Self.probe(port: server.port, from: source)) }
            }
            #expect(held.filter(\.answered).count == held.count)
            let over = try await Self.probe(port: server.port, from: "127.0.0.4")
            #expect(!over.answered)
            for probe in held { try await probe.channel.close() }
            let freed = try await Self.probeUntilAnswered(port: server.port, from: "127.0.0.4")
            try await freed.channel.close()
        }
    }
}
