import NIOCore

/// One unit on a peer link (docs/peer-network.md "Frame format").
///
/// On the wire: a big-endian `UInt32` body length, then the body: one type byte and the payload. The body
/// is at least one byte and at most `PeerNetworkLimits.frameBytesMax`.
public enum Frame: Hashable, Sendable {
    /// Keeps an idle link alive; carries nothing.
    case heartbeat
    /// The first frame each side sends on a link: the peer protocol version it speaks (`PeerProtocol`).
    ///
    /// On the wire it is a heartbeat whose body carries the version (u32, big-endian) after the type byte:
    /// builds from before versions read it as a heartbeat (they skip a heartbeat's payload), so a rolling
    /// upgrade from them keeps its links (ADR 0016).
    case hello(version: UInt32)
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
            // A heartbeat with at least 4 bytes of payload is a hello; longer payloads leave room for later fields.
            var hello = payload
            if let version = hello.readInteger(endianness: .big, as: UInt32.self) {
                context.fireChannelRead(Self.wrapInboundOut(.hello(version: version)))
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
        case .hello(let version):
            out.writeInteger(UInt32(5), endianness: .big)
            out.writeInteger(Frame.Kind.heartbeat.rawValue)
            out.writeInteger(version, endianness: .big)
        case .message(var payload):
            precondition(payload.readableBytes < PeerNetworkLimits.frameBytesMax, "message larger than a frame")
            out.writeInteger(UInt32(payload.readableBytes + 1), endianness: .big)
            out.writeInteger(Frame.Kind.message.rawValue)
            out.writeBuffer(&payload)
        }
    }
}
