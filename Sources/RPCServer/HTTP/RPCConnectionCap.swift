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
    let connectionsMax: Int
    let clientConnectionsMax: Int
    private let state = Mutex(State())

    private struct State {
        var statistics = RPCConnectionStatistics()
        var byClient: [String: Int] = [:]
    }

    init(connectionsMax: Int, clientConnectionsMax: Int) {
        self.connectionsMax = max(1, connectionsMax)
        self.clientConnectionsMax = max(1, clientConnectionsMax)
    }

    var statistics: RPCConnectionStatistics { state.withLock { $0.statistics } }

    /// The key connections are counted by: the remote IP, as the per-client request limits count them.
    static func client(of channel: any Channel) -> String {
        channel.remoteAddress?.ipAddress ?? "local"
    }

    /// Counts a new connection of `client`; false (and counted as refused) when either bound is reached.
    func admit(_ client: String) -> Bool {
        state.withLock { state in
            let held = state.byClient[client, default: 0]
            guard state.statistics.open < connectionsMax, held < clientConnectionsMax else {
                state.statistics.refused += 1
                return false
            }
            state.statistics.open += 1
            state.byClient[client] = held + 1
            return true
        }
    }

    /// Forgets a closed connection that `admit` counted.
    func release(_ client: String) {
        state.withLock { state in
            state.statistics.open -= 1
            let held = state.byClient[client, default: 1] - 1
            state.byClient[client] = held > 0 ? held : nil
        }
    }
}
