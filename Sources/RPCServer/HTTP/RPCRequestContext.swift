import Hummingbird
import NIOCore

/// Hummingbird's request context plus what the server's checks need from the connection: the port the
/// request arrived on (`HostPolicy`) and the client's address (`RPCClientLimiter`).
struct RPCRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The local port of the connection; nil for a non-IP socket.
    let localPort: Int?
    /// The client's IP address without its port: the key of its rate and concurrency limits.
    let clientAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        localPort = source.channel.localAddress?.port
        clientAddress = Self.clientAddress(of: source.channel)
    }

    /// The remote IP address of a connection, or `"local"` for a Unix socket or an unknown peer.
    static func clientAddress(of channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "local"
    }
}
