import ChainTypes
import Crypto
import Foundation
import SwiftASN1
import X509

/// The checks a certificate must pass before the chain records it: parsed completely, the key type and
/// the profile of `docs/peer-network.md` ("TLS policy"), and a node certificate signed by its
/// department's CA (issue 14, defect 2).
///
/// Every node builds its peer trust from the certificates in state; one that does not parse, or does not
/// chain to its department's CA, would make that trust unbuildable or useless. So governance refuses such
/// certificates when a proposal is admitted and again when it activates. Only time-independent checks run
/// at activation (and in the validator-set projection handed to consensus two heights ahead): those are
/// the same on every node at every height. The validity window is checked against the block time when a
/// proposal is made; expiry after that is enforced on live links by the peer trust.
enum CertificateChecks {
    /// A node certificate as `sbp network init` issues it (`PeerCertificates.makeNodeCertificate`).
    static func nodeCertificateProblem(
        _ pem: String, name: String, department: String, departmentCA caPEM: String?, atMs: UInt64?
    ) -> String? {
        let leaf: Certificate
        switch parse(pem, what: "TLS certificate") {
        case .success(let certificate): leaf = certificate
        case .failure(let problem): return problem.message
        }
        guard let caPEM, case .success(let ca) = parse(caPEM, what: "CA certificate") else {
            return "department \(department) has no usable CA certificate to check the TLS certificate against"
        }
        if let problem = keyProblem(leaf, what: "TLS certificate") { return problem }
        guard leaf.issuer == ca.subject, ca.publicKey.isValidSignature(leaf.signature, for: leaf) else {
            return "the TLS certificate is not signed by department \(department)'s CA"
        }
        do {
            let extensions = leaf.extensions
            if case .isCertificateAuthority = try extensions.basicConstraints {
                return "the TLS certificate is a CA certificate; a node certificate must not be one"
            }
            guard try extensions.keyUsage?.digitalSignature == true else {
                return "the TLS certificate's key usage must include digitalSignature"
            }
            guard let usages = try extensions.extendedKeyUsage, usages.contains(.serverAuth), usages.contains(.clientAuth) else {
                return "the TLS certificate's extended key usage must include serverAuth and clientAuth"
            }
            let names = try extensions.subjectAlternativeNames ?? SubjectAlternativeNames([])
            guard names.contains(.dnsName(name)) else {
                return "the TLS certificate's DNS subject alternative name must be the node name \(name)"
            }
        } catch {
            return "the TLS certificate has a malformed extension: \(error)"
        }
        guard commonNames(of: leaf.subject) == [name] else {
            return "the TLS certificate's common name must be the node name \(name)"
        }
        return windowProblem(leaf, what: "TLS certificate", atMs: atMs) ?? windowProblem(ca, what: "department CA", atMs: atMs)
    }

    /// A department CA as `sbp network init` issues it (`PeerCertificates.makeDepartmentCA`): self-signed,
    /// a CA by its basic constraints, allowed to sign certificates.
    static func departmentCAProblem(_ pem: String, atMs: UInt64?) -> String? {
        let ca: Certificate
        switch parse(pem, what: "CA certificate") {
        case .success(let certificate): ca = certificate
        case .failure(let problem): return problem.message
        }
        if let problem = keyProblem(ca, what: "CA certificate") { return problem }
        guard ca.issuer == ca.subject, ca.publicKey.isValidSignature(ca.signature, for: ca) else {
            return "the CA certificate must be self-signed"
        }
        do {
            guard case .isCertificateAuthority = try ca.extensions.basicConstraints else {
                return "the CA certificate's basic constraints must make it a CA"
            }
            if let usage = try ca.extensions.keyUsage, !usage.keyCertSign {
                return "the CA certificate's key usage must include keyCertSign"
            }
        } catch {
            return "the CA certificate has a malformed extension: \(error)"
        }
        return windowProblem(ca, what: "CA certificate", atMs: atMs)
    }

    /// What genesis needs so that every node can build its trust: each certificate parses completely with
    /// the key type of the profile, and each validator's chains to its department's CA. (Genesis files
    /// made by hand may omit the extensions the profile asks of governance additions.)
    static func genesisProblem(_ genesis: Genesis) -> GenesisError? {
        var cas: [String: Certificate] = [:]
        for (index, department) in genesis.departments.enumerated() {
            let field = "departments[\(index)].caCertificate"
            switch parse(department.caCertificate, what: "CA certificate") {
            case .failure(let problem): return GenesisError(field: field, reason: problem.message)
            case .success(let ca):
                if let problem = keyProblem(ca, what: "CA certificate") { return GenesisError(field: field, reason: problem) }
                cas[department.id] = ca
            }
        }
        for (index, validator) in genesis.validators.enumerated() {
            let field = "validators[\(index)].tlsCertificate"
            switch parse(validator.tlsCertificate, what: "TLS certificate") {
            case .failure(let problem): return GenesisError(field: field, reason: problem.message)
            case .success(let leaf):
                if let problem = keyProblem(leaf, what: "TLS certificate") { return GenesisError(field: field, reason: problem) }
                guard let ca = cas[validator.department], leaf.issuer == ca.subject,
                    ca.publicKey.isValidSignature(leaf.signature, for: leaf)
                else {
                    return GenesisError(field: field, reason: "not signed by department \(validator.department)'s CA")
                }
            }
        }
        return nil
    }

    struct Problem: Error {
        let message: String
    }

    /// Exactly one PEM certificate that swift-certificates parses completely.
    static func parse(_ pem: String, what: String) -> Result<Certificate, Problem> {
        guard pem.utf8.count <= Limits.certificatePEMBytesMax else {
            return .failure(Problem(message: "the \(what) is over \(Limits.certificatePEMBytesMax) bytes"))
        }
        let trimmed = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("-----BEGIN CERTIFICATE-----"), trimmed.hasSuffix("-----END CERTIFICATE-----"),
            trimmed.components(separatedBy: "-----BEGIN").count == 2
        else {
            return .failure(Problem(message: "the \(what) must be exactly one PEM certificate"))
        }
        do {
            return .success(try Certificate(pemEncoded: trimmed))
        } catch {
            return .failure(Problem(message: "the \(what) does not parse: \(error)"))
        }
    }

    /// P-256 keys signed with ECDSA-SHA256, as every certificate of the peer network is.
    static func keyProblem(_ certificate: Certificate, what: String) -> String? {
        guard P256.Signing.PublicKey(certificate.publicKey) != nil else { return "the \(what) must carry a P-256 key" }
        guard certificate.signatureAlgorithm == .ecdsaWithSHA256 else { return "the \(what) must be signed with ECDSA-SHA256" }
        return nil
    }

    /// Whether the block time `atMs` (nil: not checked) lies in the certificate's validity window.
    static func windowProblem(_ certificate: Certificate, what: String, atMs: UInt64?) -> String? {
        guard certificate.notValidBefore < certificate.notValidAfter else { return "the \(what)'s validity window is empty" }
        guard let atMs else { return nil }
        let now = Date(timeIntervalSince1970: Double(atMs / 1000))
        if now < certificate.notValidBefore { return "the \(what) is not valid before \(certificate.notValidBefore)" }
        if now > certificate.notValidAfter { return "the \(what) expired at \(certificate.notValidAfter)" }
        return nil
    }

    static func commonNames(of name: DistinguishedName) -> [String] {
        name.flatMap { $0 }.filter { $0.type == .RDNAttributeType.commonName }.compactMap { String($0.value) }
    }
}
