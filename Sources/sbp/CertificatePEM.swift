import ChainTypes
import PeerNetwork
import X509

/// A PEM certificate file a governance proposal names: its text and its SHA-256 fingerprint (of the DER),
/// the digest `revokeCertificate` takes and the peer network checks (`PeerTrust.fingerprint(of:)`).
struct CertificatePEM {
    let pem: String
    let fingerprint: Hash

    /// Reads and parses `path`; a file that is not one PEM certificate is refused here, not by the chain.
    static func read(_ path: String, what: String) throws -> CertificatePEM {
        let bytes = try ArgumentTransforms.readFile(path, what: what)
        let pem = String(decoding: bytes, as: UTF8.self)
        guard bytes.count <= Limits.certificatePEMBytesMax else {
            throw CommandError("the \(what) \(path) is larger than \(Limits.certificatePEMBytesMax) bytes")
        }
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: pem)
        } catch {
            throw CommandError("the \(what) \(path) is not a PEM certificate: \(error)")
        }
        return CertificatePEM(pem: pem, fingerprint: PeerTrust.fingerprint(of: certificate))
    }
}
