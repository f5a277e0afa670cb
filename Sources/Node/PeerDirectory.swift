import ChainTypes
import Ledger
import Logging
import PeerNetwork
import Synchronization

/// The registered nodes a node keeps links to, read from chain state (issue 16, deliver 2).
///
/// DESIGN §5: each registered node's endpoints are chain state and nodes dial each other from it, so a
/// node added, moved or removed needs no restart anywhere. A validator dials every other validator;
/// an observer dials every validator; nobody dials observers (they dial in). A node is dialed at its
/// endpoints in turn, and only while its department exists and it is in the current validator set.
struct PeerDirectory {
    /// One node to keep a link to.
    struct Target: Hashable, Sendable, CustomStringConvertible {
        var name: String
        var department: String
        var addresses: [PeerAddress]

        var description: String { "\(department)/\(name) at \(addresses.map(\.description).joined(separator: ", "))" }
    }

    /// The nodes a node named `ownName` dials, in validator-set order.
    static func targets(ownName: String, inputs: ChainTrust.Inputs) -> [Target] {
        let departments = Set(inputs.departments.map(\.id))
        var targets: [Target] = []
        for validator in inputs.validators where validator.name != ownName && departments.contains(validator.department) {
            let node = inputs.nodes.first {
                $0.name == validator.name && $0.role == .validator && $0.department == validator.department
            }
            let addresses = (node?.endpoints ?? []).compactMap(NodeEndpoints.parse).map { PeerAddress(host: $0.host, port: $0.port) }
            guard !addresses.isEmpty else { continue }
            targets.append(Target(name: validator.name, department: validator.department, addresses: addresses))
        }
        return targets
    }
}

/// Keeps one `PeerHost.dial` per directory target, starting and cancelling dials as the chain changes.
final class PeerDialer: Sendable {
    let host: PeerHost
    let logger: Logger
    private let dials = Mutex<[PeerDirectory.Target: PeerDial]>([:])

    init(host: PeerHost, logger: Logger) {
        self.host = host
        self.logger = logger
    }

    /// The targets dialed now.
    var targets: Set<PeerDirectory.Target> { Set(dials.withLock { $0.keys }) }

    /// Cancels every dial and starts it again from the shortest back-off: after the node changed the
    /// certificate it presents, it should not wait out a back-off grown while peers refused the other one.
    func redialAll() {
        let stopped = dials.withLock { dials -> [PeerDial] in
            let stopped = Array(dials.values)
            for target in dials.keys {
                dials[target] = host.dial(
                    target.addresses, expecting: PeerIdentity(department: target.department, nodeName: target.name))
            }
            return stopped
        }
        for dial in stopped { dial.cancel() }
        logger.info("redialing every node listed on chain", metadata: ["count": "\(stopped.count)"])
    }

    /// Dials `targets` not dialed yet and cancels dials (closing their links) to targets no longer listed.
    func update(_ targets: [PeerDirectory.Target]) {
        let wanted = Set(targets)
        let (stopped, started) = dials.withLock { dials -> ([PeerDial], [PeerDirectory.Target]) in
            var stopped: [PeerDial] = []
            for (target, dial) in dials where !wanted.contains(target) {
                stopped.append(dial)
                dials[target] = nil
            }
            var started: [PeerDirectory.Target] = []
            for target in targets where dials[target] == nil {
                dials[target] = host.dial(
                    target.addresses, expecting: PeerIdentity(department: target.department, nodeName: target.name))
                started.append(target)
            }
            return (stopped, started)
        }
        for dial in stopped {
            logger.notice(
                "stopped dialing a node the chain no longer lists there",
                metadata: ["peer": "\(dial.expected.map { "\($0)" } ?? "?") at \(dial.addresses)"])
            dial.cancel()
        }
        for target in started { logger.info("dialing a node listed on chain", metadata: ["peer": "\(target)"]) }
    }
}
