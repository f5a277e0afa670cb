import Synchronization

/// One address `PeerHost.dial` keeps a link to; `cancel()` stops redialing and closes the link it holds.
public final class PeerDial: Sendable {
    public let host: String
    public let port: Int
    /// The identity the dialed server must have; nil for a bootstrap address.
    public let expected: PeerIdentity?
    let task = Mutex<Task<Void, Never>?>(nil)
    private let state = Mutex<(cancelled: Bool, link: PeerLink?)>((false, nil))

    init(host: String, port: Int, expected: PeerIdentity?) {
        self.host = host
        self.port = port
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
