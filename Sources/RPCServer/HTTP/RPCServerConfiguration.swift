/// Where and how the RPC server listens, and its HTTP-level limits.
public struct RPCServerConfiguration: Sendable {
    /// The address to bind; loopback by default, so exposing the API is a deliberate choice.
    public var host: String
    /// The TCP port; 0 asks the system for a free one (`RPCServer.listeningPort()` tells which).
    public var port: Int
    /// Largest POST body accepted; a larger one gets HTTP 413 with a JSON-RPC −32004 error body.
    public var requestBodyBytesMax: Int
    /// Largest batch; a larger one gets a single −32004 error.
    public var batchRequestsMax: Int
    /// Origins a browser may call from (exact `scheme://host:port` strings, or `*` for any). Empty by
    /// default: no cross-origin access unless the operator grants it.
    public var allowedOrigins: [String]
    /// How long an idle keep-alive connection stays open (more than zero, at most a day).
    public var connectionIdleTimeout: Duration

    /// The default port of the JSON-RPC API.
    public static let defaultPort = 8645

    public init(
        host: String = "127.0.0.1", port: Int = RPCServerConfiguration.defaultPort,
        requestBodyBytesMax: Int = RPCLimits.requestBodyBytesMaxDefault, batchRequestsMax: Int = RPCLimits.batchRequestsMaxDefault,
        allowedOrigins: [String] = [], connectionIdleTimeout: Duration = .seconds(60)
    ) {
        self.host = host
        self.port = port
        self.requestBodyBytesMax = requestBodyBytesMax
        self.batchRequestsMax = batchRequestsMax
        self.allowedOrigins = allowedOrigins
        self.connectionIdleTimeout = connectionIdleTimeout
    }
}
