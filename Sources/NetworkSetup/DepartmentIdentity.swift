import ChainTypes
import Keys
import PeerNetwork

/// A department's own identity: its peer CA and its first admin account key (DESIGN §5).
///
/// Made on the department's machine by `sbp department init`, or for every founding department by
/// `sbp network init`. Only the public half leaves the machine: the genesis entry or the join request.
struct DepartmentIdentity {
    var id: String
    var name: String
    var ca: IssuedCertificate
    var caPEM: String
    var admin: PrivateKey

    /// File names of a department's CA inside the directory that holds it.
    static let caCertificateFileName = "ca.crt"
    static let caKeyFileName = "ca.key"

    /// A new CA (profile of `docs/peer-network.md`) and admin key for department `id`.
    static func make(id: String, name: String, validity: CertificateValidity) throws(SetupError) -> DepartmentIdentity {
        do {
            let ca = try PeerCertificates.makeDepartmentCA(
                department: id, notValidBefore: validity.notValidBefore, notValidAfter: validity.notValidAfter)
            return DepartmentIdentity(id: id, name: name, ca: ca, caPEM: try ca.certificatePEM, admin: PrivateKey())
        } catch {
            throw .certificate(reason: "department \(id) CA: \(error)")
        }
    }

    /// Writes `ca.crt` and `ca.key` (mode 0600) into `directory`; returns their relative paths.
    func writeCA(into output: SetupDirectory, directory: String) throws(SetupError) -> (certificate: String, key: String) {
        let certificate = SetupDirectory.join(directory, Self.caCertificateFileName)
        let key = SetupDirectory.join(directory, Self.caKeyFileName)
        try output.writeFile(Array(caPEM.utf8), to: certificate)
        try output.writeSecret(Array(ca.privateKeyPEM.utf8), to: key)
        return (certificate, key)
    }

    /// The admin account's key name: the department id in lower case and `-admin` (`ld-admin`).
    var adminKeyName: String { "\(id.lowercased())-admin" }

    /// The department as genesis lists it.
    var genesisDepartment: Genesis.Department {
        Genesis.Department(id: id, name: name, adminKeys: [Hex.encode(admin.publicKey.compressed)], caCertificate: caPEM)
    }

    /// What the network needs to vote the department in; no private key.
    var joinRequest: JoinRequest {
        JoinRequest(
            version: JoinRequest.currentVersion, id: id, name: name,
            admins: [JoinRequest.Admin(publicKey: Hex.encode(admin.publicKey.compressed), address: admin.address)],
            caCertificate: caPEM)
    }
}
