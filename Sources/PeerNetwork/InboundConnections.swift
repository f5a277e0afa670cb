/// Inbound TCP connections open at once, in all and per remote address, from accept to close: handshakes
/// in progress and verified links alike.
///
/// Anyone who reaches the P2P port can open connections before presenting a certificate, and each holds a
/// file descriptor of the node until its handshake times out (`PeerNetworkLimits.handshakeTicksMax`). Without
/// a bound, a host opening them faster than they time out takes every descriptor the node has, and its storage
/// can no longer open a file (a validator halted that way through its RPC port, 2026-12-05). A connection over
/// either bound is closed as soon as it is accepted.
struct InboundConnections: Sendable {
    private(set) var open = 0
    private(set) var refused: UInt64 = 0
    private var byAddress: [String: Int] = [:]

    /// Counts a connection from `address`; false (and counted as refused) when either bound is reached.
    mutating func admit(_ address: String) -> Bool {
        let held = byAddress[address, default: 0]
        guard open < PeerNetworkLimits.inboundConnectionsMax, held < PeerNetworkLimits.inboundConnectionsPerAddressMax else {
            refused += 1
            return false
        }
        open += 1
        byAddress[address] = held + 1
        return true
    }

    /// Forgets a closed connection that `admit` counted.
    mutating func release(_ address: String) {
        open -= 1
        let held = byAddress[address, default: 1] - 1
        byAddress[address] = held > 0 ? held : nil
    }
}
