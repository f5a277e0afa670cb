import ChainTypes
import Foundation
import Keys
import Node

/// `registration.json`: what the network needs to see to admit a node (`addValidator`), or what its own
/// department registers (an observer).
///
/// `sbp node init` writes it beside the node's keys; for a validator the department sends only this file,
/// and an admin proposes it with `sbp governance propose add-validator --request`; an observer's admin
/// registers it with `sbp node register-observer --registration`. It holds public material only.
/// `endpoints` is where the node's peers reach it; once the node is registered its admin puts them on
/// chain (`sbp node set-endpoints`, or with the observer's registration), where every node reads them.
public struct NodeRegistration: Codable, Hashable, Sendable {
    /// The format this build writes and reads.
    public static let currentVersion = 1
    public static let fileName = "registration.json"

    public var version: Int
    /// The chain the node was made for: its genesis `chainId` and genesis hash.
    public var chainId: String
    public var genesisHash: Hash
    /// The node's name: the validator name on chain and the CN and DNS SAN of its TLS certificate.
    public var name: String
    public var department: String
    public var role: Role
    /// The compressed secp256k1 consensus public key, hex.
    public var consensusPublicKey: String
    /// The node's TLS certificate (PEM), issued by its department's CA.
    public var tlsCertificate: String
    public var endpoints: Endpoints

    /// What the node is on the network.
    public enum Role: String, Codable, Hashable, Sendable, CaseIterable {
        case validator
        case observer

        /// The chain's name for the role.
        public var nodeRole: NodeRole {
            switch self {
            case .validator: .validator
            case .observer: .observer
            }
        }
    }

    /// Where the node listens, as `host:port`.
    public struct Endpoints: Codable, Hashable, Sendable {
        /// Its peer-to-peer (mutual TLS) address.
        public var p2p: String
    }

    /// The `node` transaction that registers this node as an observer of its department.
    public var observerRegistration: NodeAction {
        .registerObserver(name: name, tlsCertificate: tlsCertificate, endpoints: [endpoints.p2p])
    }

    /// The governance change that adds this node as a validator.
    public var proposalChange: ProposalChange {
        .addValidator(
            name: name, department: department, consensusKey: Hex.decode(consensusPublicKey) ?? [], tlsCertificate: tlsCertificate)
    }

    /// Reads and checks a registration from a department.
    public static func load(file path: String) throws(SetupError) -> NodeRegistration {
        let registration = try SetupDirectory.decode(
            NodeRegistration.self, from: path, limit: SetupLimits.exchangeFileBytesMax, what: "a node registration")
        if let problem = registration.problem { throw .invalidFile(path: path, reason: problem) }
        return registration
    }

    /// Why the registration is unusable, checked without the chain; nil when it is well-formed.
    var problem: String? {
        guard version == Self.currentVersion else { return "version \(version); this sbp reads version \(Self.currentVersion)" }
        if let problem = NameRules.problem(identifier: name) { return "name \(problem)" }
        if let problem = NameRules.problem(identifier: department) { return "department \(problem)" }
        guard let bytes = Hex.decode(consensusPublicKey), let key = try? PublicKey(bytes: bytes), bytes == key.compressed else {
            return "consensusPublicKey is not a compressed secp256k1 public key"
        }
        guard let (host, port) = HostPort.parse(endpoints.p2p), HostPort.problem(host: host) == nil, (1...65535).contains(port) else {
            return "endpoints.p2p must be host:port, got \"\(endpoints.p2p)\""
        }
        return SetupCertificates.problem(pem: tlsCertificate, what: "tlsCertificate")
    }

    func encoded() -> [UInt8] { SetupDirectory.json(self) }
}
