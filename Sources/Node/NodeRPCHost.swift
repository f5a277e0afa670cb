import ChainTypes
import Foundation
import PeerNetwork
import RPCServer
import X509

/// What the RPC backend needs from the running node besides the ledger and the mempool: its identity,
/// the replica driver's status, its peers, and a way to announce newly admitted transactions.
///
/// `NodeRuntime` is the real host; tests give `NodeRPCBackend` a fixed one, so the backend runs over a
/// real `Ledger` without sockets or a replica thread.
protocol NodeRPCHost: Sendable {
    /// The node's name in the network manifest.
    var nodeName: String { get }
    /// The address of the node's consensus key (its identity in validator sets).
    var consensusAddress: Address { get }
    /// What the node's configuration makes it: a validator or an observer (`node_status`, `consensus_getStatus`).
    var role: NodeRole { get }
    /// The replica driver's latest status.
    var driverStatus: DriverStatus { get }
    /// Whether the node should receive traffic (GET `/readyz`).
    var isReady: Bool { get }
    /// Connected peers, one per name.
    func peers() -> [PeerInfo]
    /// Newly admitted local transactions wait in the mempool: wake the driver and gossip them.
    func transactionsAdmitted()
    /// Writes a backup of the data directory to `directory` (`node_backup`).
    func backup(to directory: String) throws(NodeBackupError) -> NodeBackup
    /// The peer protocol versions the node speaks (`BuildCapabilities.peerProtocolVersions`).
    var peerProtocolVersions: ClosedRange<UInt32> { get }
}

extension NodeRPCHost {
    /// Hosts without a peer network (tests) speak this build's versions.
    var peerProtocolVersions: ClosedRange<UInt32> { PeerProtocol.accepted }

    /// Hosts without a data directory (tests) have nothing to back up.
    func backup(to directory: String) throws(NodeBackupError) -> NodeBackup {
        throw .failed(path: directory, reason: "this host keeps no data directory")
    }
}

extension NodeRuntime: NodeRPCHost {
    var nodeName: String { configuration.nodeName }
    var consensusAddress: Address { signer.address }
    var role: NodeRole { configuration.role }
    var driverStatus: DriverStatus { driver.status.withLock { $0 } }
    var peerProtocolVersions: ClosedRange<UInt32> { host.configuration.protocolVersions }

    func peers() -> [PeerInfo] {
        var seen = Set<String>()
        var peers: [PeerInfo] = []
        // Links come oldest first; when two links join the same pair of nodes the oldest carries the traffic.
        for link in host.openLinks where seen.insert(link.identity.nodeName).inserted {
            let expiry = link.certificate.notValidAfter.timeIntervalSince1970
            var peer = PeerInfo(
                name: link.identity.nodeName, department: link.identity.department,
                direction: link.direction == .inbound ? .inbound : .outbound,
                certificateNotValidAfterMs: (0..<Self.expirySecondsMax).contains(expiry) ? UInt64(expiry * 1000) : nil,
                lastMessageAgeMs: peerActivity.lastMessageAgeMs(link.identity.nodeName))
            peer.protocolVersion = link.protocolVersion
            peers.append(peer)
        }
        return peers.sorted { $0.name < $1.name }
    }

    /// Expiry times reported, in seconds since the epoch: X.509 dates end in the year 9999 (about 2.5e11 s),
    /// and anything outside this range is reported as unknown rather than converted.
    static let expirySecondsMax: Double = 1e12

    func transactionsAdmitted() {
        driver.post(.transactionsArrived)
        gossipPending()
    }
}
