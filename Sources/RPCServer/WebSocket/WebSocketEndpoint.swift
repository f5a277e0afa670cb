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
    let logger: Logger

    /// Upgrades `/ws` unless the request's `Origin` names another host that `allowedOrigins` does not list
    /// (a page from another site must not reach the API through a visitor's browser; clients that send their
    /// own host as origin, as many non-browser clients do, are let in); anything else gets HTTP 400.
    func shouldUpgrade(_ request: HTTPRequest, channel: any Channel) -> ShouldUpgradeResult<
        WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>
    > {
        let path = request.path.map { String($0.prefix { $0 != "?" }) }
        guard path == Self.path, configuration.endpoints == .all else { return .dontUpgrade }
        let cors = CORSPolicy(allowedOrigins: configuration.allowedOrigins)
        let ownHost = request.authority.map(Self.hostname(ofHost:))
        for origin in request.headerFields[values: .origin] where !cors.allows(origin) && Self.hostname(ofOrigin: origin) != ownHost {
            return .dontUpgrade
        }
        return .upgrade([:]) { inbound, outbound, _ in
            await serve(inbound: inbound, outbound: outbound, channel: channel)
        }
    }

    /// The host of `scheme://host[:port]`, lowercased; nil when `origin` has no such form.
    static func hostname(ofOrigin origin: String) -> String? {
        guard let separator = origin.firstRange(of: "://") else { return nil }
        return hostname(ofHost: String(origin[separator.upperBound...]))
    }

    /// The host of a `Host` header value (`host[:port]`, `[ipv6][:port]`), lowercased.
    static func hostname(ofHost host: String) -> String {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") { return host[...end].lowercased() }
        return String(host.prefix { $0 != ":" }).lowercased()
    }

    private func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, channel: any Channel) async {
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
            engine: engine, chainHead: chainHead, settings: settings, connections: connections, logger: logger,
            closeChannel: { channel.close(promise: nil) })
        await session.run(inbound: inbound, outbound: outbound)
    }
}
