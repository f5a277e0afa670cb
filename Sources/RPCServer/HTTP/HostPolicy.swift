/// Which `Host` and `Origin` header values the server accepts: the defence against DNS rebinding and against
/// pages served from another port of the same machine (issue 14, defect 7).
///
/// A rebinding page reaches a loopback-bound node under its own DNS name (`Host: evil.example:8645`), so a
/// host name must be one the operator configured (`rpc.allowed_hosts`); IP literals and `localhost` name
/// the machine itself and are always accepted. Ports count: a `Host` port other than the port the request
/// arrived on is refused unless configured, and a WebSocket `Origin` is the node's own only when scheme
/// host and port all agree with the `Host` it was sent to.
struct HostPolicy: Sendable {
    /// Lowercased configured names, each `name` (any port) or `name:port`; `*` accepts every host.
    let allowedHosts: [String]

    init(allowedHosts: [String]) {
        self.allowedHosts = allowedHosts.map { $0.lowercased() }
    }

    /// A `Host` value split into its lowercased name and its port (nil when absent); nil when malformed.
    static func split(host: String) -> (name: String, port: Int?)? {
        let text = host.lowercased()
        var name: Substring
        var rest: Substring
        if text.hasPrefix("[") {
            guard let end = text.firstIndex(of: "]") else { return nil }
            name = text[...end]
            rest = text[text.index(after: end)...]
        } else {
            name = text.prefix { $0 != ":" }
            rest = text.dropFirst(name.count)
        }
        guard !name.isEmpty else { return nil }
        if rest.isEmpty { return (String(name), nil) }
        guard rest.first == ":", let port = Int(rest.dropFirst()), (0...65_535).contains(port) else { return nil }
        return (String(name), port)
    }

    /// Whether the name is the machine itself: `localhost` or an IPv4 or bracketed IPv6 literal.
    static func isLocalName(_ name: String) -> Bool {
        if name == "localhost" || name.hasPrefix("[") { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in part.count <= 3 && UInt8(part) != nil }
    }

    /// Whether a request whose `Host` header is `host`, arriving on `localPort`, is served. A request
    /// without `Host` (HTTP/1.0, non-browser tools) is; browsers always send one.
    func allowsHost(_ host: String?, localPort: Int?) -> Bool {
        guard let host else { return true }
        if allowedHosts.contains("*") { return true }
        guard let parts = Self.split(host: host) else { return false }
        let (name, port) = parts
        if let port, allowedHosts.contains("\(name):\(port)") { return true }
        if allowedHosts.contains(name) { return true }
        guard Self.isLocalName(name) else { return false }
        guard let port, let localPort else { return true }
        return port == localPort
    }

    /// Whether a WebSocket upgrade with this `Origin` comes from the node's own origin: for a page's origin
    /// (`http`, `https`), the same host and port as the `Host` it was sent to (default ports 80 and 443); a
    /// `ws` or `wss` origin, which no browser sends (non-browser clients such as Hummingbird's write their
    /// target URL there, without its port), needs the same host only.
    static func isSameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, let hostParts = split(host: host), let separator = origin.firstRange(of: "://") else { return false }
        let (hostName, hostPort) = hostParts
        let scheme = origin[..<separator.lowerBound].lowercased()
        guard let originParts = split(host: String(origin[separator.upperBound...])) else { return false }
        let (originName, originPort) = originParts
        switch scheme {
        case "ws", "wss": return originName == hostName
        case "http": return originName == hostName && (originPort ?? 80) == (hostPort ?? 80)
        case "https": return originName == hostName && (originPort ?? 443) == (hostPort ?? 443)
        default: return false
        }
    }
}
