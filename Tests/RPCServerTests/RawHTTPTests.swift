import NIOCore
import NIOPosix
import RPCServer
import Testing

/// Requests URLSession will not send: a Content-Length far larger than the bytes that follow, and chunked
/// bodies, written byte for byte over a NIO socket so the body-limit paths are exercised exactly.
@Suite("HTTP body limits at the wire")
struct RawHTTPTests {
    static let limit = 1024
    static let request = #"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#

    /// Sends raw request bytes and reads one response: status code and body (by its Content-Length).
    static func exchange(port: Int, _ raw: String) async throws -> (status: Int, body: String) {
        let reply = try await WireProtocolTests.exchange(port: port, Array(raw.utf8)) { parse(String(decoding: $0, as: UTF8.self)) != nil }
        let received = String(decoding: reply.bytes, as: UTF8.self)
        guard let response = parse(received) else { throw HTTPExchangeError.closedEarly(received: received) }
        return response
    }

    /// A complete response in `text`, or nil while more bytes are needed.
    static func parse(_ text: String) -> (status: Int, body: String)? {
        guard let headerEnd = text.range(of: "\r\n\r\n") else { return nil }
        let head = text[..<headerEnd.lowerBound].split(separator: "\r\n")
        guard let statusLine = head.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        let length =
            head.dropFirst().compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingPrefix(" "))
            }.first ?? 0
        let body = text[headerEnd.upperBound...]
        guard body.utf8.count >= length else { return nil }
        return (status, String(body))
    }

    enum HTTPExchangeError: Error {
        case closedEarly(received: String)
    }

    /// Writes `bytes`, waits until the socket has taken every one of them, and only then reads one response: a
    /// client that reads after it has written (NIO's `writeAndFlush` completes when the last byte is written).
    static func writeThenRead(port: Int, _ bytes: [UInt8]) async throws -> (status: Int, body: String) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let response = loop.makePromise(of: [UInt8].self)
        let received = try await withDeadline(.seconds(60)) {
            let channel = try await ClientBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(response: response))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            defer { channel.close(promise: nil) }
            try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
            return try await response.futureResult.get()
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let reply = parse(text) else { throw HTTPExchangeError.closedEarly(received: text) }
        return reply
    }

    /// Collects a connection's bytes until they hold one whole response, or the connection closes.
    private final class ResponseCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let response: EventLoopPromise<[UInt8]>
        var received: [UInt8] = []
        var isDone = false

        init(response: EventLoopPromise<[UInt8]>) { self.response = response }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received += unwrapInboundIn(data).readableBytesView
            if RawHTTPTests.parse(String(decoding: received, as: UTF8.self)) != nil { finish() }
        }

        func channelInactive(context: ChannelHandlerContext) { finish() }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }

        private func finish() {
            guard !isDone else { return }
            isDone = true
            response.succeed(received)
        }
    }

    static func chunked(_ parts: [String]) -> String {
        parts.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }.joined() + "0\r\n\r\n"
    }

    static let configuration = RPCServerConfiguration(host: "127.0.0.1", port: 0, requestBodyBytesMax: limit)

    @Test("a declared Content-Length over the limit is refused before any body byte arrives")
    func declaredLengthOverLimit() async throws {
        try await LiveServer.with(Self.configuration) { server in
            let head = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n"
            let reply = try await Self.exchange(port: server.port, head)
            #expect(reply.status == 413)
            #expect(try JSONParser.parse(Array(reply.body.utf8)).errorCode == -32004)
        }
    }

    /// Python's `urllib` writes the whole body before it reads and sends `Connection: close`; the server used to
    /// answer early (413, 415, …), close its output and stop reading, so such a client blocked on its full socket
    /// and never read the answer. 32 MiB is far more than loopback's socket buffers hold.
    @Test(
        "a client that writes a large body before it reads gets the early answer, with Connection: close or not",
        arguments: [
            ("application/json", "Connection: close\r\n", 413), ("application/json", "", 413),
            ("text/plain", "Connection: close\r\n", 415),
        ])
    func largeBodyWrittenBeforeReading(contentType: String, connection: String, status: Int) async throws {
        try await LiveServer.with(Self.configuration) { server in
            let bodyBytes = 32 << 20
            let head =
                "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: \(contentType)\r\n\(connection)"
                + "Content-Length: \(bodyBytes)\r\n\r\n"
            let reply = try await Self.writeThenRead(port: server.port, Array((head + String(repeating: " ", count: bodyBytes)).utf8))
            #expect(reply.status == status)
            #expect(try JSONParser.parse(Array(reply.body.utf8))["error"] != nil)
        }
    }

    @Test("a chunked body is served within the limit and refused with 413 beyond it")
    func chunkedBodies() async throws {
        try await LiveServer.with(Self.configuration) { server in
            let head = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            let small = try await Self.exchange(port: server.port, head + Self.chunked([Self.request]))
            #expect(small.status == 200)
            #expect(try JSONParser.parse(Array(small.body.utf8))["result"] != nil)
            let padding = String(repeating: " ", count: 400)
            let large = try await Self.exchange(port: server.port, head + Self.chunked([Self.request, padding, padding, padding]))
            #expect(large.status == 413)
            #expect(try JSONParser.parse(Array(large.body.utf8)).errorCode == -32004)
        }
    }

    @Test("a body exactly at the limit is accepted")
    func bodyAtLimit() async throws {
        try await LiveServer.with(Self.configuration) { server in
            let body = Self.request + String(repeating: " ", count: Self.limit - Self.request.utf8.count)
            let raw = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(Self.limit)\r\n\r\n" + body
            let reply = try await Self.exchange(port: server.port, raw)
            #expect(reply.status == 200)
        }
    }
}
