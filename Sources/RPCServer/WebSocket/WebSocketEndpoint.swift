import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// Decides which requests become WebSocket connections (`GET /ws` from an allowed origin) and serves each
/// one with a `WebSocketSession`.
struct WebSocketEndpoint: Sendable {
    static let path = "/ws"
    /// Close code for a connection over `webSocketConnectionsMax` (RFC 6455 registry: try again later).
    static let tooManyConnectionsCloseCode: UInt16 = 1013

    let engine: RPCEngine
    let chainHead: ChainHead
    let configuration: RPCServerConfiguration
    let connections: WebSocketConnections
    let access: RPCAccess
    /// Shared with HTTP: a message's frames are held in it while the message is read and answered.
    let bodies: RPCBodyBudget
    let logger: Logger

    /// Upgrades `/ws` when the `Host` passes `HostPolicy` and every `Origin` is listed in `allowedOrigins` or
    /// is the node's own origin (same scheme default, host and port as `Host`: a page on another local port,
    /// or one reached by DNS rebinding, must not reach the API through a visitor's browser; clients that send
    /// their own host as origin, as many non-browser clients do, are let in); anything else gets HTTP 400.
    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        let path = request.path.map { String($0.prefix { $0 != "?" }) }
        guard path == Self.path, configuration.endpoints == .all else { return .dontUpgrade }
        let hosts = HostPolicy(allowedHosts: configuration.allowedHosts)
        guard hosts.allowsHost(request.authority, localPort: channel.localAddress?.port) else { return .dontUpgrade }
        let cors = CORSPolicy(allowedOrigins: configuration.allowedOrigins)
        for origin in request.headerFields[values: .origin] where !cors.allows(origin) {
            guard HostPolicy.isSameOrigin(origin, host: request.authority) else { return .dontUpgrade }
        }
        let caller = access.caller(
            client: RPCRequestContext.clientAddress(of: channel), authorization: request.headerFields[.authorization])
        return .upgrade([:]) { inbound, outbound, _ in
            await serve(inbound: inbound, outbound: outbound, channel: channel, caller: caller)
        }
    }

    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel, caller: RPCCaller) async {
        guard connections.open() else {
            await WebSocketSession.refuse(
                outbound, code: Self.tooManyConnectionsCloseCode,
                reason: "too many WebSocket connections (limit \(connections.connectionsMax))")
            return
        }
        defer { connections.close() }
        let settings = WebSocketSession.Settings(
            limits: WebSocketSessionState.Limits(
                backlogMessagesMax: configuration.webSocketBacklogMessagesMax, backlogBytesMax: configuration.webSocketBacklogBytesMax,
                subscriptionsMax: configuration.subscriptionsPerConnectionMax, stalledBlocksMax: configuration.webSocketStalledBlocksMax),
            messageBytesMax: configuration.requestBodyBytesMax, farewellTimeout: configuration.webSocketFarewellTimeout)
        let session = WebSocketSession(
            engine: engine, chainHead: chainHead, settings: settings, connections: connections, caller: caller,
            limiter: access.limiter, bodies: bodies, logger: logger, closeChannel: { channel.close(promise: nil) })
        await session.run(inbound: inbound, outbound: outbound)
    }
}
