import ChainTypes
import Foundation
import Ledger
import PeerNetwork
import X509

/// Builds the peer trust from chain state: department CAs, validators' TLS certificates, revocations.
///
/// DESIGN §5: a peer's certificate must chain to a department CA listed on chain and match a registered
/// validator; a certificate revoked by governance is refused, and `PeerHost.updateTrust` closes live links
/// that no longer pass. The node rebuilds the trust after every block whose state changed any of these.
///
/// A certificate in state that does not parse (recorded before governance checked certificates, issue 14
/// defect 2) is left out and reported, never fatal: the node still starts and enforces everything else,
/// revocations included, instead of keeping an old trust forever.
enum ChainTrust {
    /// What the trust is built from, read from one state, with a digest of it.
    struct Inputs {
        var departments: [DepartmentRecord]
        var validators: [ValidatorRecord]
        var revokedCertificates: [Hash]
        /// The node registry: observers (trusted like validators, never counted) and endpoints.
        var nodes: [NodeRecord] = []
        /// SHA-256 over the CA certificates, validators' TLS certificates, revocations and node records
        /// (names, roles, certificates, endpoints), in state order.
        var digest: Hash

        /// Names of the registered observers whose department still exists.
        var observerNames: Set<String> {
            let departments = Set(self.departments.map(\.id))
            return Set(nodes.filter { $0.role == .observer && departments.contains($0.department) }.map(\.name))
        }
    }

    /// Reads the trust's inputs from `view`; cheap next to parsing the certificates, so the node reads them
    /// after every block and parses only when the digest changed (an idle chain commits a block a second).
    static func inputs(of view: LedgerView) throws -> Inputs {
        let departments = try view.departments()
        let validators = try view.validators()
        let revoked = try view.revokedCertificates()
        let nodes = try view.nodes()
        var digestInput: [UInt8] = []
        for department in departments { digestInput += Array(department.id.utf8) + Array(department.caCertificate.utf8) }
        for validator in validators { digestInput += Array(validator.name.utf8) + Array(validator.tlsCertificate.utf8) }
        for hash in revoked { digestInput += hash.bytes }
        for node in nodes { digestInput += node.canonicalBytes }
        return Inputs(
            departments: departments, validators: validators, revokedCertificates: revoked, nodes: nodes, digest: Hash.sha256(digestInput))
    }

    /// The trust of the ledger's latest state, a digest of its inputs to skip rebuilding when unchanged,
    /// and what could not be trusted and why.
    static func make(from view: LedgerView) throws -> (trust: PeerTrust, digest: Hash, problems: [String]) {
        let inputs = try inputs(of: view)
        let (trust, problems) = make(from: inputs)
        return (trust, inputs.digest, problems)
    }

    /// Parses the certificates of `inputs` into a trust, with what could not be trusted and why.
    static func make(from inputs: Inputs) -> (trust: PeerTrust, problems: [String]) {
        var trust = PeerTrust()
        var problems: [String] = []
        for department in inputs.departments {
            do {
                trust.departmentCAs[department.id, default: []].append(try Certificate(pemEncoded: department.caCertificate))
            } catch {
                problems.append("department \(department.id)'s CA certificate does not parse, so none of its nodes is trusted: \(error)")
            }
        }
        for validator in inputs.validators {
            do {
                let certificate = try Certificate(pemEncoded: validator.tlsCertificate)
                trust.register(certificate, as: .init(department: validator.department, nodeName: validator.name))
            } catch {
                problems.append("validator \(validator.name)'s TLS certificate does not parse, so it is not trusted: \(error)")
            }
        }
        for node in inputs.nodes where node.role == .observer {
            do {
                let certificate = try Certificate(pemEncoded: node.tlsCertificate)
                trust.register(certificate, as: .init(department: node.department, nodeName: node.name))
            } catch {
                problems.append("observer \(node.name)'s TLS certificate does not parse, so it is not trusted: \(error)")
            }
        }
        for revoked in inputs.revokedCertificates { trust.revokedCertificates.insert(revoked) }
        return (trust, problems)
    }

    /// Whether a node whose latest block has timestamp `headTimestampMs` is behind at `now`: more than
    /// `NodeLimits.provisionalTrustLagMs` old. While behind, the links it dials may be provisional (ADR 0018).
    static func isBehind(headTimestampMs: UInt64, now: Date) -> Bool {
        let nowMs = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        return nowMs > headTimestampMs && nowMs - headTimestampMs > NodeLimits.provisionalTrustLagMs
    }

    /// The timestamp of `view`'s latest block, the genesis time at height 0 (or when that block is not held).
    static func headTimestampMs(of view: LedgerView) throws -> UInt64 {
        guard view.height > 0, let header = try view.header(at: view.height) else { return view.genesis.genesisTimeMs }
        return header.timestampMs
    }
}
