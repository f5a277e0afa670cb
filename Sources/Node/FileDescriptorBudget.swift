import Foundation
import PeerNetwork
import StorageRocksDB

#if canImport(Glibc)
    import Glibc
#endif

/// The file descriptors a node may hold at once, checked against its process limit (`RLIMIT_NOFILE`) at start.
///
/// Every peer connection, RPC connection and open RocksDB file is a descriptor, and a node that runs out
/// cannot open the next file its storage needs: a client holding 400 idle RPC connections to a validator
/// limited to 300 descriptors made its next write-ahead log fail with `Too many open files`, and the validator
/// halted (2026-12-05). Each user of descriptors is bounded (`RocksDBStore.openFilesMax`,
/// `PeerNetworkLimits.inboundConnectionsMax` and `linksMax`, `rpc.connections_max`), so their sum is known at
/// start: the node raises its soft limit to fit it, as far as the hard limit allows, and refuses to start when
/// the hard limit is too low, naming the numbers (docs/operations.md, "File descriptors").
public struct FileDescriptorBudget: Equatable, Sendable {
    /// The store's table and other files, and as many again for a state snapshot being restored beside it.
    public var storage = 2 * (RocksDBStore.openFilesMax + RocksDBStore.otherFilesMax)
    /// Inbound connections, handshaking or linked, and the outbound links.
    public var peers = PeerNetworkLimits.inboundConnectionsMax + PeerNetworkLimits.linksMax
    /// The JSON-RPC server's connections, and the operations server's when `metrics.listen_port` is set.
    public var rpc: Int
    /// Everything else, with room to spare: standard streams, the event loops' epoll, event and timer
    /// descriptors (three per thread), configuration, key and contract files while read.
    public var other = 256

    /// The most a soft limit is raised to: Linux's default ceiling for one process (`fs.nr_open`).
    static let raiseCeiling: UInt64 = 1 << 20

    public init(configuration: NodeConfiguration) {
        rpc = configuration.rpcOptions.connectionsMax + (configuration.metricsListenPort == nil ? 0 : NodeLimits.metricsConnectionsMax)
    }

    /// Descriptors the node may hold at once.
    public var total: Int { storage + peers + rpc + other }

    /// What to do with a process limit of `soft` and `hard` descriptors.
    public enum Decision: Equatable, Sendable {
        case keep
        case raise(to: UInt64)
        /// Even the hard limit is below the budget.
        case refuse
    }

    /// Keeps a soft limit that fits the budget; otherwise raises it to the hard limit (at most `raiseCeiling`,
    /// and never below the budget), or refuses when the hard limit is below the budget.
    public func decide(soft: UInt64, hard: UInt64) -> Decision {
        let needed = UInt64(total)
        if soft >= needed { return .keep }
        guard hard >= needed else { return .refuse }
        return .raise(to: max(needed, min(hard, Self.raiseCeiling)))
    }

    /// Applies `decide` to this process's limit and returns the soft limit the node runs under.
    ///
    /// Throws `NodeError.configuration` when the hard limit is below the budget, or when the soft limit cannot be raised.
    public func apply() throws(NodeError) -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            throw .configuration("file descriptors: getrlimit failed (errno \(errno))")
        }
        switch decide(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max)) {
        case .keep:
            return UInt64(limit.rlim_cur)
        case .raise(let soft):
            limit.rlim_cur = rlim_t(soft)
            guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
                throw .configuration("file descriptors: raising the soft limit to \(soft) failed (errno \(errno))")
            }
            return soft
        case .refuse:
            throw .configuration(
                "file descriptors: the node may hold \(total) at once (storage \(storage), peer connections \(peers), "
                    + "RPC connections \(rpc), other \(other)) but its hard limit is \(limit.rlim_max): raise it "
                    + "(systemd LimitNOFILE=, ulimit -Hn) or lower rpc.connections_max")
        }
    }
}
