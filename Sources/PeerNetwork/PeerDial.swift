import Synchronization

/// Where a node listens for peers: a host name or IP literal (IPv6 without brackets) and a port.
public struct PeerAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One node `PeerHost.dial` keeps a link to; `cancel()` stops redialing and closes the link it holds.
public final class PeerDial: Sendable {
    /// The node's addresses, tried in turn.
    public let addresses: [PeerAddress]
    /// The identity the dialed server must have; nil for a bootstrap address.
    public let expected: PeerIdentity?
    let task = Mutex<Task<Void, Never>?>(nil)
    private let state = Mutex<(cancelled: Bool, link: PeerLink?)>((false, nil))

    init(addresses: [PeerAddress], expected: PeerIdentity?) {
        self.addresses = addresses
        self.expected = expected
    }

    /// Whether `cancel()` was called.
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Stops redialing and closes the link this dial opened, if one is up.
    public func cancel() {
        let link = state.withLock { state -> PeerLink? in
            state.cancelled = true
            defer { state.link = nil }
            return state.link
        }
        task.withLock { $0 }?.cancel()
        link?.close()
    }

    /// Records the link the dial opened; false when the dial was cancelled meanwhile (the caller closes it).
    func hold(_ link: PeerLink) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.link = link
            return true
        }
    }

    /// Forgets the link once it closed.
    func release() { state.withLock { $0.link = nil } }
}
