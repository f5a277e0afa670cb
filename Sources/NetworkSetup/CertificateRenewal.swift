import ChainTypes
import Foundation
import Keys
import Node
import PeerNetwork

/// `sbp node renew-certificate`: a new TLS key and certificate for an existing node, from its department's
/// CA, written beside the live pair as `tls-next.crt` and `tls-next.key` (issue 16, deliver 4).
///
/// Nothing changes on the network until the department registers the new certificate: a validator's with
/// `sbp governance propose rotate-validator`, an observer's with `sbp node rotate-observer`. The running
/// node then takes it up by itself once the chain registers it (`CertificateRollover`), so its links move
/// to the new certificate without a restart. The consensus key is not touched.
public enum CertificateRenewal {
    /// What was made.
    public struct Renewed: Codable, Hashable, Sendable {
        public var name: String
        public var department: String
        public var role: String
        /// The new certificate's file and PEM, and the SHA-256 of its DER.
        public var certificateFile: String
        public var certificate: String
        public var fingerprint: Hash
        /// Seconds since the Unix epoch.
        public var notValidAfter: Int
    }

    /// Issues the node in `nodeHome` (its `config.toml`) a new certificate from the CA in `departmentDirectory`.
    public static func run(departmentDirectory: String, nodeHome: String, now: Date = Date(), days: Int) throws(SetupError) -> Renewed {
        try CertificateValidity.validate(days: days)
        let department = try DepartmentFiles.load(directory: departmentDirectory)
        let configFile = (nodeHome as NSString).appendingPathComponent(NetworkInitializer.configFileName)
        let configuration: NodeConfiguration
        do {
            configuration = try NodeConfiguration.load(file: configFile, environment: [:])
        } catch {
            throw .invalidFile(path: configFile, reason: "\(error)")
        }
        guard configuration.department == department.id else {
            throw .invalidOption(
                option: "--department",
                reason: "the node \(configuration.nodeName) belongs to department \(configuration.department), not \(department.id)")
        }
        let certificateFile = configuration.nextTLSCertificateFile
        let keyFile = configuration.nextTLSKeyFile
        for path in [certificateFile, keyFile] where FileManager.default.fileExists(atPath: path) {
            throw .invalidFile(path: path, reason: "a renewed certificate is already waiting; remove it to issue another")
        }
        let validity = CertificateValidity(now: now, days: days)
        let issued: IssuedCertificate
        let pem: String
        do {
            issued = try PeerCertificates.makeNodeCertificate(
                nodeName: configuration.nodeName, department: department.id, issuer: department.ca,
                notValidBefore: validity.notValidBefore, notValidAfter: validity.notValidAfter)
            pem = try issued.certificatePEM
        } catch {
            throw .certificate(reason: "node \(configuration.nodeName): \(error)")
        }
        do {
            try KeyFile.writeSecret(Array(issued.privateKeyPEM.utf8), to: keyFile)
        } catch {
            throw .keyFile(error)
        }
        do {
            try FileWriter.write(Array(pem.utf8), to: certificateFile, replacing: false)
        } catch {
            try? FileManager.default.removeItem(atPath: keyFile)
            throw .fileSystem(path: certificateFile, reason: error.reason)
        }
        return Renewed(
            name: configuration.nodeName, department: department.id, role: configuration.role.description, certificateFile: certificateFile,
            certificate: pem, fingerprint: PeerTrust.fingerprint(of: issued.certificate),
            notValidAfter: Int(validity.notValidAfter.timeIntervalSince1970))
    }
}
