import ChainTypes
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
    /// The trust of the ledger's latest state, a digest of its inputs to skip rebuilding when unchanged,
    /// and what could not be trusted and why.
    static func make(from view: LedgerView) throws -> (trust: PeerTrust, digest: Hash, problems: [String]) {
        var trust = PeerTrust()
        var digestInput: [UInt8] = []
        var problems: [String] = []
        for department in try view.departments() {
            digestInput += Array(department.id.utf8) + Array(department.caCertificate.utf8)
            do {
                trust.departmentCAs[department.id, default: []].append(try Certificate(pemEncoded: department.caCertificate))
            } catch {
                problems.append("department \(department.id)'s CA certificate does not parse, so none of its nodes is trusted: \(error)")
            }
        }
        for validator in try view.validators() {
            digestInput += Array(validator.name.utf8) + Array(validator.tlsCertificate.utf8)
            do {
                let certificate = try Certificate(pemEncoded: validator.tlsCertificate)
                trust.register(certificate, as: .init(department: validator.department, nodeName: validator.name))
            } catch {
                problems.append("validator \(validator.name)'s TLS certificate does not parse, so it is not trusted: \(error)")
            }
        }
        for revoked in try view.revokedCertificates() {
            trust.revokedCertificates.insert(revoked)
            digestInput += revoked.bytes
        }
        return (trust, Hash.sha256(digestInput), problems)
    }
}
