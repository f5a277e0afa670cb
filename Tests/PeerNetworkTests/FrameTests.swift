import NIOCore
import NIOEmbedded
import Testing

@testable import PeerNetwork

@Suite struct FrameTests {
    static func channel(frameBytesMax: Int = 64) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(FrameDecoder(frameBytesMax: frameBytesMax)), MessageToByteHandler(FrameEncoder()),
        ])
        return channel
    }

    static func wire(_ frames: [Frame]) throws -> ByteBuffer {
        var out = ByteBuffer()
        for frame in frames { try FrameEncoder().encode(data: frame, out: &out) }
        return out
    }

    static let frames: [Frame] = [
        .message(ByteBuffer(string: "pre-prepare")), .heartbeat, .message(ByteBuffer()), .message(ByteBuffer(bytes: [0, 1, 2, 255])),
        .hello(versions: 1...1), .hello(versions: 0...UInt32.max), .hello(versions: 2...3),
    ]

    @Test("Frames are a big-endian UInt32 body length, a type byte and the payload")
    func wireFormat() throws {
        #expect(Array(buffer: try Self.wire([.message(ByteBuffer(bytes: [7, 8]))])) == [0, 0, 0, 3, 1, 7, 8])
        #expect(Array(buffer: try Self.wire([.heartbeat])) == [0, 0, 0, 1, 0])
        // A hello is a heartbeat with the highest, then the lowest version as payload: builds before versions
        // skip it as a heartbeat, builds before ranges read the highest version only.
        #expect(
            Array(buffer: try Self.wire([.hello(versions: 0x0102_0304...0x0506_0708)]))
                == [0, 0, 0, 9, 0, 5, 6, 7, 8, 1, 2, 3, 4])
    }

    @Test("A hello of a build before ranges (one version) is that version alone; an inverted range is refused")
    func helloForms() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 5, 0, 0, 0, 0, 2]))
        #expect(try channel.readInbound(as: Frame.self) == .hello(versions: 2...2))
        #expect(throws: FrameError.invertedHello(lowest: 3, highest: 2)) {
            try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 9, 0, 0, 0, 0, 2, 0, 0, 0, 3]))
        }
    }

    @Test("Several frames in one read are all decoded, in order")
    func manyFramesPerRead() throws {
        let channel = try Self.channel()
        try channel.writeInbound(try Self.wire(Self.frames))
        for frame in Self.frames { #expect(try channel.readInbound(as: Frame.self) == frame) }
        #expect(try channel.readInbound(as: Frame.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test("A frame split across reads, down to single bytes, is decoded once complete")
    func splitFrames() throws {
        let channel = try Self.channel()
        let bytes = Array(buffer: try Self.wire(Self.frames))
        for byte in bytes { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        for frame in Self.frames { #expect(try channel.readInbound(as: Frame.self) == frame) }
        #expect(try channel.readInbound(as: Frame.self) == nil)
    }

    @Test("Encoder output decodes to the same frames")
    func roundTrip() throws {
        let channel = try Self.channel()
        for frame in Self.frames { try channel.writeOutbound(frame) }
        var wire = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { wire.writeBuffer(&chunk) }
        try channel.writeInbound(wire)
        for frame in Self.frames { #expect(try channel.readInbound(as: Frame.self) == frame) }
    }

    @Test("An oversize length is refused from the header alone, before its body arrives")
    func oversize() throws {
        let channel = try Self.channel(frameBytesMax: 64)
        #expect(throws: FrameError.oversize(length: 65, max: 64)) {
            try channel.writeInbound(ByteBuffer(bytes: [0, 0, 0, 65]))
        }
    }

    @Test("A frame of exactly the maximum size is accepted")
    func maximumSize() throws {
        let channel = try Self.channel(frameBytesMax: 64)
        let payload = ByteBuffer(repeating: 9, count: 63)
        try channel.writeInbound(try Self.wire([.message(payload)]))
        #expect(try channel.readInbound(as: Frame.self) == .message(payload))
    }

    @Test(
        "Garbage is refused with a typed error",
        arguments: [
            ([0, 0, 0, 0] as [UInt8], FrameError.emptyBody),
            ([0, 0, 0, 1, 9], FrameError.unknownKind(9)),
            ([0x16, 0x03, 0x01, 0x02, 0x00], FrameError.oversize(length: 0x1603_0102, max: 64)),
        ])
    func garbage(bytes: [UInt8], error: FrameError) throws {
        let channel = try Self.channel(frameBytesMax: 64)
        #expect(throws: error) { try channel.writeInbound(ByteBuffer(bytes: bytes)) }
    }
}
