import Crypto
import Foundation
import SwiftASN1
import X509

/// A certificate with its P-256 private key, both as PEM: what `sbp network init` writes for a CA or a node.
public struct IssuedCertificate: Sendable {
    public var certificate: Certificate
    public var privateKey: P256.Signing.PrivateKey

    public var certificatePEM: String { get throws { try certificate.serializeAsPEM().pemString } }
    public var privateKeyPEM: String { privateKey.pemRepresentation }

    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey) {
        self.certificate = certificate
        self.privateKey = privateKey
    }

    public init(certificatePEM: String, privateKeyPEM: String) throws {
        self.certificate = try Certificate(pemEncoded: certificatePEM)
        self.privateKey = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
    }
}

/// Issues department CAs and node TLS certificates (DESIGN §5): P-256 keys, ECDSA with SHA-256, X.509 v3.
///
/// A department CA is self-signed, a CA by its basic constraints, and may only sign certificates and CRLs;
/// a node certificate names the node in its common name and its DNS subject alternative name, and serves
/// both ends of a mutual-TLS link (server and client authentication).
public enum PeerCertificates {
    public static func makeDepartmentCA(
        department: String, notValidBefore: Date, notValidAfter: Date,
        privateKey: P256.Signing.PrivateKey = P256.Signing.PrivateKey()
    ) throws -> IssuedCertificate {
        let name = try DistinguishedName {
            OrganizationName(department)
            CommonName("\(department) peer CA")
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(privateKey.publicKey),
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(privateKey))
        return IssuedCertificate(certificate: certificate, privateKey: privateKey)
    }

    public static func makeNodeCertificate(
        nodeName: String, department: String, issuer: IssuedCertificate, notValidBefore: Date, notValidAfter: Date,
        privateKey: P256.Signing.PrivateKey = P256.Signing.PrivateKey()
    ) throws -> IssuedCertificate {
        let subject = try DistinguishedName {
            OrganizationName(department)
            CommonName(nodeName)
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth, .clientAuth])
            SubjectAlternativeNames([.dnsName(nodeName)])
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(privateKey.publicKey),
            notValidBefore: notValidBefore, notValidAfter: notValidAfter, issuer: issuer.certificate.subject,
            subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(issuer.privateKey))
        return IssuedCertificate(certificate: certificate, privateKey: privateKey)
    }

    /// The DER encoding of `certificate`, the bytes its fingerprint and the TLS stack use.
    public static func derBytes(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
