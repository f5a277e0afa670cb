import ChainTypes
import NIOCore
import Synchronization

/// Counts of the server's TCP connections, for tests and the node's metrics.
public struct RPCConnectionStatistics: Equatable, Sendable {
    /// Connections open now (HTTP and WebSocket).
    public var open = 0
    /// Connections closed as soon as they were accepted, because of `connectionsMax` or `clientConnectionsMax`.
    public var refused: UInt64 = 0

    public init() {}
}

/// The server's open connections, in all and per client address: what keeps clients from taking the
/// node's file descriptors.
///
/// Every connection holds a descriptor, and one a node lacks is a file its storage cannot open: a client
/// that held 400 idle connections to a validator whose limit was 300 made its next RocksDB log file
/// fail (`Too many open files`), and the validator halted (2026-12-05). A connection over either bound is
/// closed as soon as it is accepted, before anything of it is read; the node budgets these bounds against
/// its descriptor limit (`FileDescriptorBudget` in Node).
final class RPCConnectionCap: Sendable {
    private let counts: Mutex<HeldCounts<String>>

    init(connectionsMax: Int, clientConnectionsMax: Int) {
        counts = Mutex(HeldCounts(totalMax: connectionsMax, perKeyMax: clientConnectionsMax))
    }

    var statistics: RPCConnectionStatistics {
        counts.withLock { counts in
            var statistics = RPCConnectionStatistics()
            statistics.open = counts.total
            statistics.refused = counts.refused
            return statistics
        }
    }

    /// The key connections are counted by: the remote IP, as the per-client request limits count them.
    static func client(of channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "local"
    }

    /// Counts a new connection of `client`; false (and counted as refused) when either bound is reached.
    func admit(_ client: String) -> Bool {
        counts.withLock { $0.admit(client) }
    }

    /// Forgets a closed connection that `admit` counted.
    func release(_ client: String) {
        counts.withLock { $0.release(client) }
    }
}
