import ChainTypes
import Keys
import Node
import PeerNetwork

/// A node's keys: its secp256k1 consensus key and its TLS key with a certificate from its department's CA.
///
/// Made on the department's machine (`sbp node init`, or `sbp network init` for founding nodes); only the
/// public half leaves it, in genesis or in the node's registration file.
struct NodeIdentity {
    var name: String
    var department: String
    var consensusKey: PrivateKey
    var tls: IssuedCertificate
    var tlsPEM: String

    /// File names inside a node directory.
    static let tlsCertificateFileName = "tls.crt"
    static let tlsKeyFileName = "tls.key"
    static let caCertificateFileName = "ca.crt"
    static let consensusKeyName = "consensus"

    /// New keys for node `name` of `department`, its certificate issued by `ca` (profile of docs/peer-network.md).
    static func make(name: String, department: String, ca: IssuedCertificate, validity: CertificateValidity) throws(SetupError)
        -> NodeIdentity
    {
        do {
            let tls = try PeerCertificates.makeNodeCertificate(
                nodeName: name, department: department, issuer: ca, notValidBefore: validity.notValidBefore,
                notValidAfter: validity.notValidAfter)
            return NodeIdentity(name: name, department: department, consensusKey: PrivateKey(), tls: tls, tlsPEM: try tls.certificatePEM)
        } catch {
            throw .certificate(reason: "node \(name): \(error)")
        }
    }

    /// The compressed consensus public key in hex, as genesis and proposals carry it.
    var consensusPublicKey: String { Hex.encode(consensusKey.publicKey.compressed) }

    /// Writes the consensus key, `tls.crt`, `tls.key` and a copy of the CA certificate into `directory`;
    /// returns the key files relative to `directory`, as the node's `config.toml` names them.
    func write(into output: SetupDirectory, directory: String, caPEM: String) throws(SetupError) -> NodeConfiguration.KeyFiles {
        let consensusKeyFile = try output.writeKey(
            consensusKey, directory: directory, keystoreDirectory: SetupDirectory.join(directory, "keystore"), name: Self.consensusKeyName)
        try output.writeFile(Array(tlsPEM.utf8), to: SetupDirectory.join(directory, Self.tlsCertificateFileName))
        try output.writeSecret(Array(tls.privateKeyPEM.utf8), to: SetupDirectory.join(directory, Self.tlsKeyFileName))
        try output.writeFile(Array(caPEM.utf8), to: SetupDirectory.join(directory, Self.caCertificateFileName))
        let relativeKey = directory.isEmpty ? consensusKeyFile : String(consensusKeyFile.dropFirst(directory.count + 1))
        return NodeConfiguration.KeyFiles(
            consensusKeyFile: relativeKey, tlsCertificateFile: Self.tlsCertificateFileName, tlsKeyFile: Self.tlsKeyFileName,
            departmentCAFile: Self.caCertificateFileName)
    }

    /// The validator as genesis lists it.
    var genesisValidator: Genesis.GenesisValidator {
        Genesis.GenesisValidator(name: name, department: department, consensusPublicKey: consensusPublicKey, tlsCertificate: tlsPEM)
    }
}
