import NIOCore

/// One unit on a peer link (docs/peer-network.md "Frame format").
///
/// On the wire: a big-endian `UInt32` body length, then the body: one type byte and the payload. The body
/// is at least one byte and at most `PeerNetworkLimits.frameBytesMax`.
public enum Frame: Hashable, Sendable {
    /// Keeps an idle link alive; carries nothing.
    case heartbeat
    /// The first frame each side sends on a link: the peer protocol versions it speaks (`PeerProtocol`).
    ///
    /// On the wire it is a heartbeat whose body carries, after the type byte, the highest version and then
    /// the lowest (u32 each, big-endian): builds from before versions read it as a heartbeat (they skip a
    /// heartbeat's payload), so a rolling upgrade from them keeps its links (ADR 0016); builds from before
    /// ranges read the highest version only, and a 4-byte hello from them is the range `v...v`.
    case hello(versions: ClosedRange<UInt32>)
    /// An opaque message for the layer above (consensus, mempool gossip, state transfer).
    case message(ByteBuffer)

    enum Kind: UInt8 {
        case heartbeat = 0
        case message = 1
    }
}

/// Why a peer's byte stream is not a sequence of frames; the link is closed with this as the logged reason.
public enum FrameError: Error, Hashable, Sendable {
    case oversize(length: Int, max: Int)
    case emptyBody
    case unknownKind(UInt8)
    /// A hello whose lowest version is above its highest.
    case invertedHello(lowest: UInt32, highest: UInt32)
}

/// Splits the inbound byte stream into `Frame`s, refusing an oversize length before buffering its body.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = Frame

    public let frameBytesMax: Int

    public init(frameBytesMax: Int = PeerNetworkLimits.frameBytesMax) {
        self.frameBytesMax = frameBytesMax
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: UInt32.self) else {
            return .needMoreData
        }
        guard length <= frameBytesMax else { throw FrameError.oversize(length: Int(length), max: frameBytesMax) }
        guard length >= 1 else { throw FrameError.emptyBody }
        guard buffer.readableBytes >= PeerNetworkLimits.frameHeaderBytes + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: PeerNetworkLimits.frameHeaderBytes)
        let kindByte = buffer.readInteger(as: UInt8.self)!
        let payload = buffer.readSlice(length: Int(length) - 1)!
        switch Frame.Kind(rawValue: kindByte) {
        case .heartbeat:
            // A heartbeat with at least 4 bytes of payload is a hello: the highest version, then (from builds
            // that announce ranges) the lowest; longer payloads leave room for later fields.
            var hello = payload
            if let highest = hello.readInteger(endianness: .big, as: UInt32.self) {
                let lowest = hello.readInteger(endianness: .big, as: UInt32.self) ?? highest
                guard lowest <= highest else { throw FrameError.invertedHello(lowest: lowest, highest: highest) }
                context.fireChannelRead(Self.wrapInboundOut(.hello(versions: lowest...highest)))
            } else {
                context.fireChannelRead(Self.wrapInboundOut(.heartbeat))
            }
        case .message: context.fireChannelRead(Self.wrapInboundOut(.message(payload)))
        case nil: throw FrameError.unknownKind(kindByte)
        }
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // A partial frame at EOF is dropped with the connection; nothing to deliver.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Writes `Frame`s in the wire format `FrameDecoder` reads.
public struct FrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = Frame

    public init() {}

    public func encode(data: Frame, out: inout ByteBuffer) throws {
        switch data {
        case .heartbeat:
            out.writeInteger(UInt32(1), endianness: .big)
            out.writeInteger(Frame.Kind.heartbeat.rawValue)
        case .hello(let versions):
            out.writeInteger(UInt32(9), endianness: .big)
            out.writeInteger(Frame.Kind.heartbeat.rawValue)
            out.writeInteger(versions.upperBound, endianness: .big)
            out.writeInteger(versions.lowerBound, endianness: .big)
        case .message(var payload):
            precondition(payload.readableBytes < PeerNetworkLimits.frameBytesMax, "message larger than a frame")
            out.writeInteger(UInt32(payload.readableBytes + 1), endianness: .big)
            out.writeInteger(Frame.Kind.message.rawValue)
            out.writeBuffer(&payload)
        }
    }
}
