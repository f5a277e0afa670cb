import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// The server's connections: Hummingbird's HTTP/1.1 channel with its WebSocket upgrade, plus
/// `MalformedHeadGuard` so a request head the HTTP parser refuses is answered with 400 and a close.
///
/// Hummingbird answers a parse error itself once a connection has carried a request, but the first head
/// goes to the WebSocket upgrade handler, which ignores errors: a malformed `Content-Length` on a fresh
/// connection got no answer and no close.
///
/// A connection over the server's connection bounds (`RPCConnectionCap`) is set up like any other, so that
/// Hummingbird's accept loop sees no error, and closed at once.
struct RPCChildChannel: ServerChildChannel {
    typealias Value = HTTP1WebSocketUpgradeChannel.Value

    let inner: HTTP1WebSocketUpgradeChannel
    let cap: RPCConnectionCap

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let client = RPCConnectionCap.client(of: channel)
        let admitted = cap.admit(client)
        if admitted {
            channel.closeFuture.whenComplete { [cap] _ in cap.release(client) }
        }
        return inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            guard admitted else {
                channel.close(promise: nil)
                return value
            }
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(MalformedHeadGuard(), position: .after(decoder))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Answers an HTTP parse error before the connection's first request head with 400 and closes it; later
/// errors pass on to Hummingbird, which answers them the same way.
///
/// It never unwraps what passes through, so it may stay in the pipeline after a WebSocket upgrade.
final class MalformedHeadGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private var sawRequest = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        sawRequest = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !sawRequest, error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        sawRequest = true
        var headers = HTTPHeaders()
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
