import NIOCore
import NIOPosix
import RPCServer
import Testing

/// Byte-exact exchanges a well-behaved client library never produces: malformed `Content-Length` heads and
/// WebSocket frame sequences RFC 6455 forbids. Each must end the connection the way the RFCs say.
@Suite("HTTP and WebSocket framing at the wire")
struct WireProtocolTests {
    /// Writes `bytes`, then reads until `complete` says the bytes so far are enough (or the server closes).
    ///
    /// Returns what was read and whether the server closed the connection (end of stream) by then.
    static func exchange(
        port: Int, _ bytes: [UInt8], readToEnd: Bool = false, until complete: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }
    ) async throws -> (bytes: [UInt8], closed: Bool) {
        try await withDeadline(.seconds(60)) {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: "127.0.0.1", port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: bytes))
                var received: [UInt8] = []
                for try await chunk in inbound {
                    received += chunk.readableBytesView
                    if !readToEnd, complete(received) { return (received, false) }
                }
                return (received, true)
            }
        }
    }

    // MARK: HTTP

    static func head(contentLength: String) -> [UInt8] {
        Array("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(contentLength)\r\n\r\n{}".utf8)
    }

    @Test(
        "defect 8: a malformed Content-Length is answered with 400 and the connection is closed",
        arguments: ["-1", "-9223372036854775808", "18446744073709551616", "99999999999999999999999999", "12abc", "1, 2"])
    func malformedContentLength(value: String) async throws {
        try await LiveServer.with { server in
            let reply = try await Self.exchange(port: server.port, Self.head(contentLength: value), readToEnd: true)
            let text = String(decoding: reply.bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 400"), "got: \(text)")
            #expect(reply.closed)
            // The server keeps serving other connections.
            let served = try await server.post(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#)
            #expect(served.status == 200)
        }
    }

    // MARK: WebSocket

    static let upgrade = Array(
        ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)

    /// One client frame: FIN and opcode, masked with a fixed key unless `masked` is false.
    static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) -> [UInt8] {
        precondition(payload.count < 126, "test frames are short")
        let key: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode, (masked ? 0x80 : 0) | UInt8(payload.count)]
        if masked {
            bytes += key
            bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        } else {
            bytes += payload
        }
        return bytes
    }

    static let text: UInt8 = 0x1
    static let continuation: UInt8 = 0x0
    static let request = Array(#"{"jsonrpc": "2.0", "method": "node_status", "id": 1}"#.utf8)

    /// The server frames after the 101 response: (opcode, payload) pairs, as far as they are complete.
    static func serverFrames(_ bytes: [UInt8]) -> [(opcode: UInt8, payload: [UInt8])] {
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: Array("\r\n\r\n".utf8)) }) else { return [] }
        var index = end + 4
        var frames: [(UInt8, [UInt8])] = []
        while index + 2 <= bytes.count {
            var length = Int(bytes[index + 1] & 0x7f)
            var start = index + 2
            if length == 126 {
                guard start + 2 <= bytes.count else { break }
                length = Int(bytes[start]) << 8 | Int(bytes[start + 1])
                start += 2
            } else if length == 127 {
                break  // the server never sends 64 KiB to these requests
            }
            guard start + length <= bytes.count else { break }
            frames.append((bytes[index] & 0x0f, Array(bytes[start..<start + length])))
            index = start + length
        }
        return frames
    }

    /// The close code of the server's close frame, once one has arrived.
    static func closeCode(_ bytes: [UInt8]) -> UInt16? {
        guard let close = serverFrames(bytes).first(where: { $0.opcode == 0x8 }), close.payload.count >= 2 else { return nil }
        return UInt16(close.payload[0]) << 8 | UInt16(close.payload[1])
    }

    /// Sends the upgrade and `frames`; returns the server's close code and the text frames it sent before it.
    static func closeAfter(_ frames: [[UInt8]], port: Int) async throws -> (code: UInt16?, texts: [String]) {
        let reply = try await exchange(port: port, upgrade + frames.flatMap { $0 }) { closeCode($0) != nil }
        #expect(String(decoding: reply.bytes.prefix(12), as: UTF8.self) == "HTTP/1.1 101")
        let texts = serverFrames(reply.bytes).filter { $0.opcode == 0x1 }.map { String(decoding: $0.payload, as: UTF8.self) }
        return (closeCode(reply.bytes), texts)
    }

    @Test("defect 8: an unmasked client frame closes the WebSocket with 1002 and is not answered")
    func unmaskedFrame() async throws {
        try await LiveServer.with { server in
            let (code, texts) = try await Self.closeAfter([Self.frame(Self.text, Self.request, masked: false)], port: server.port)
            #expect(code == 1002)
            #expect(texts.isEmpty)
        }
    }

    @Test("defect 8: a continuation frame with no message to continue closes the WebSocket with 1002")
    func continuationWithoutStart() async throws {
        try await LiveServer.with { server in
            let (code, texts) = try await Self.closeAfter([Self.frame(Self.continuation, Self.request)], port: server.port)
            #expect(code == 1002)
            #expect(texts.isEmpty)
        }
    }

    @Test("defect 8: a new text frame inside a fragmented message closes the WebSocket with 1002")
    func textInsideFragmentedMessage() async throws {
        try await LiveServer.with { server in
            let first = Self.frame(Self.text, Array(Self.request.prefix(10)), fin: false)
            let (code, texts) = try await Self.closeAfter([first, Self.frame(Self.text, Self.request)], port: server.port)
            #expect(code == 1002)
            #expect(texts.isEmpty)
        }
    }

    @Test("defect 8: invalid UTF-8 in a text message closes the WebSocket with 1007, not a -32700 response")
    func invalidUTF8() async throws {
        try await LiveServer.with { server in
            let (code, texts) = try await Self.closeAfter([Self.frame(Self.text, [0x22, 0xc3, 0x28, 0x22])], port: server.port)
            #expect(code == 1007)
            #expect(texts.isEmpty)
        }
    }

    @Test("a masked message in fragments (continuation, then a violation) is answered before the close")
    func fragmentsStillServed() async throws {
        try await LiveServer.with { server in
            let frames = [
                Self.frame(Self.text, Array(Self.request.prefix(10)), fin: false),
                Self.frame(Self.continuation, Array(Self.request.dropFirst(10))),
                Self.frame(Self.continuation, Self.request),
            ]
            let (code, texts) = try await Self.closeAfter(frames, port: server.port)
            #expect(code == 1002)
            #expect(texts.count == 1)
            #expect(texts.first.map { (try? JSONParser.parse(Array($0.utf8)))?["result"] != nil } == true)
        }
    }
}
