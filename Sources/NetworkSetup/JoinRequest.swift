import ChainTypes
import Foundation
import Keys
import Node
import X509

/// `join-request.json`: all that a network needs to see to vote a department in (`addDepartment`).
///
/// `sbp department init` writes it beside the department's keys; the department sends only this file to
/// a founding department's admin, who proposes it with `sbp governance propose add-department --request`.
/// It holds public material only: the department's id and name, its admins' public keys and its CA
/// certificate. `load(file:)` checks everything that does not need the chain; the ledger checks the CA
/// certificate completely when the proposal is admitted (`CertificateChecks`, ADR 0009).
public struct JoinRequest: Codable, Hashable, Sendable {
    /// The format this build writes and reads.
    public static let currentVersion = 1
    public static let fileName = "join-request.json"

    public var version: Int
    /// The department id the network will know it by (e.g. `LD`).
    public var id: String
    public var name: String
    public var admins: [Admin]
    /// The department CA's certificate (PEM).
    public var caCertificate: String

    /// An admin account: its compressed secp256k1 public key in hex and, for people reading the file, its address.
    public struct Admin: Codable, Hashable, Sendable {
        public var publicKey: String
        public var address: Address
    }

    /// The governance change this request asks for.
    public var proposalChange: ProposalChange {
        .addDepartment(id: id, name: name, adminKeys: admins.compactMap { Hex.decode($0.publicKey) }, caCertificate: caCertificate)
    }

    /// Reads and checks a join request from another department.
    public static func load(file path: String) throws(SetupError) -> JoinRequest {
        let request = try SetupDirectory.decode(
            JoinRequest.self, from: path, limit: SetupLimits.exchangeFileBytesMax, what: "a join request")
        if let problem = request.problem { throw .invalidFile(path: path, reason: problem) }
        return request
    }

    /// Why the request is unusable, checked without the chain; nil when it is well-formed.
    var problem: String? {
        guard version == Self.currentVersion else { return "version \(version); this sbp reads version \(Self.currentVersion)" }
        if let problem = NameRules.problem(identifier: id) { return "id \(problem)" }
        guard !name.isEmpty, name.utf8.count <= Limits.nameBytesMax else { return "name must be 1...\(Limits.nameBytesMax) bytes" }
        guard (1...SetupLimits.adminKeysMax).contains(admins.count) else { return "expected 1...\(SetupLimits.adminKeysMax) admins" }
        for (index, admin) in admins.enumerated() {
            guard let bytes = Hex.decode(admin.publicKey), let key = try? PublicKey(bytes: bytes), bytes == key.compressed else {
                return "admins[\(index)].publicKey is not a compressed secp256k1 public key"
            }
            guard key.address == admin.address else { return "admins[\(index)].address is not the address of its public key" }
        }
        return SetupCertificates.problem(pem: caCertificate, what: "caCertificate")
    }

    func encoded() -> [UInt8] { SetupDirectory.json(self) }
}

/// Checks on certificates that arrive in files from another department, before anything is proposed.
enum SetupCertificates {
    /// Exactly one PEM certificate that parses, with no private key beside it.
    static func problem(pem: String, what: String) -> String? {
        guard pem.utf8.count <= Limits.certificatePEMBytesMax else { return "\(what) is over \(Limits.certificatePEMBytesMax) bytes" }
        guard !pem.contains("PRIVATE KEY") else { return "\(what) holds a private key; send only the certificate" }
        guard pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").count == 2, (try? Certificate(pemEncoded: pem)) != nil else {
            return "\(what) is not exactly one PEM certificate"
        }
        return nil
    }
}
