import NIOCore
import NIOPosix
import RPCServer
import Synchronization
import Testing

/// The bytes of request bodies the server holds at once (`RPCServerConfiguration.requestBodiesInFlightMax`):
/// clients sending large bodies slowly cannot hold more than that; the request past it is answered 429 with
/// reason `busy`, and the others are served.
@Suite("RPC request bodies in flight", .timeLimit(.minutes(1)))
struct RPCBodyBudgetTests {
    static let bodyBytes = 60_000
    /// A valid call padded with whitespace to `bodyBytes`.
    static let body = Array(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#.utf8)
    static var padded: [UInt8] { body + [UInt8](repeating: 0x20, count: bodyBytes - body.count) }

    static var configuration: RPCServerConfiguration {
        var configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, requestBodyBytesMax: 64 * 1024)
        configuration.requestBodiesInFlightMax = 2
        return configuration
    }

    /// A POST whose body has been sent but for its last `withheld` bytes.
    struct SlowPost {
        let channel: any Channel
        let response: EventLoopFuture<String>

        func finish(_ rest: [UInt8]) {
            channel.writeAndFlush(ByteBuffer(bytes: rest), promise: nil)
        }
    }

    /// The first response, head and body, once all of it has arrived (a response may come in several reads: an
    /// early answer's head and body are written apart, `RequestBodyReader`); what arrived, or "", when the
    /// connection closes first.
    final class Response: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String>
        var received = ""
        var answered = false
        init(_ promise: EventLoopPromise<String>) { self.promise = promise }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += String(buffer: unwrapInboundIn(data))
            if RawHTTPTests.parse(received) != nil { answer() }
        }
        func channelInactive(context: ChannelHandlerContext) {
            answer()
            context.fireChannelInactive()
        }
        private func answer() {
            guard !answered else { return }
            answered = true
            promise.succeed(received)
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }

    static func slowPost(port: Int, withheld: Int) async throws -> SlowPost {
        let group = MultiThreadedEventLoopGroup.singleton
        let promise = group.next().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Response(promise)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(bodyBytes)\r\n\r\n"
        channel.writeAndFlush(ByteBuffer(bytes: Array(head.utf8) + padded.dropLast(withheld)), promise: nil)
        return SlowPost(channel: channel, response: promise.futureResult)
    }

    /// The first of `posts`' responses to arrive.
    static func firstResponse(of posts: [SlowPost]) async throws -> String {
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: String.self)
        let first = First()
        for post in posts {
            post.response.whenSuccess { reply in if first.claim() { promise.succeed(reply) } }
        }
        return try await promise.futureResult.get()
    }

    /// True for the first caller only.
    final class First: Sendable {
        private let claimed = Mutex(false)
        func claim() -> Bool {
            claimed.withLock { claimed in
                defer { claimed = true }
                return !claimed
            }
        }
    }

    @Test("three slow large bodies where two fit: one is answered 429 busy, the other two are served, and the bytes are freed")
    func thirdBodyRefused() async throws {
        try await LiveServer.with(Self.configuration) { server in
            let withheld = 1_000
            var posts: [SlowPost] = []
            for _ in 0..<3 { posts.append(try await Self.slowPost(port: server.port, withheld: withheld)) }
            // Two bodies of 60,000 bytes fit in 2 × 64 KiB, three do not: whichever arrives last is refused.
            let first = try await withDeadline(.seconds(30)) { [posts] in try await Self.firstResponse(of: posts) }
            #expect(first.hasPrefix("HTTP/1.1 429"), "\(first.prefix(200))")
            #expect(first.contains(#""reason":"busy""#), "\(first.suffix(300))")
            let rest = Array(Self.padded.suffix(withheld))
            var served = 0
            for post in posts {
                post.finish(rest)
            }
            for post in posts {
                let reply = try await withDeadline(.seconds(30)) { try await post.response.get() }
                if reply.hasPrefix("HTTP/1.1 200") { served += 1 }
            }
            #expect(served == 2)
            // Answered, their bytes are released: two more large bodies fit again.
            let later = try await Self.slowPost(port: server.port, withheld: 0)
            let reply = try await withDeadline(.seconds(30)) { try await later.response.get() }
            #expect(reply.hasPrefix("HTTP/1.1 200"), "\(reply.prefix(200))")
            for post in posts + [later] { try await post.channel.close() }
        }
    }
}
