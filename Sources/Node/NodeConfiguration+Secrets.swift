import Crypto
import Foundation
import Keys
import PeerNetwork
import RPCServer
import X509

extension NodeConfiguration {
    /// Loads the consensus key without a prompt, so a node (and a devnet) can start unattended.
    ///
    /// A plaintext key file needs nothing more. An encrypted keystore document (`.json`) takes its password
    /// from `SBP_KEYSTORE_PASSWORD`, else from `keys.keystore_password_file`; with neither the node refuses
    /// to start (`KeyFileError.noPassword`) rather than wait for a terminal that a service does not have.
    public func loadConsensusKey(environment: [String: String] = ProcessInfo.processInfo.environment) throws(KeyFileError) -> PrivateKey {
        let path = keys.consensusKeyFile
        let passwordFile = keys.keystorePasswordFile
        return try KeyFile.privateKey(at: path) { () throws(KeyFileError) -> [UInt8] in
            if let password = environment[KeyFile.passwordEnvironmentVariable], !password.isEmpty { return Array(password.utf8) }
            guard let passwordFile else { throw .noPassword(path: path) }
            return try KeyFile.readPassword(file: passwordFile)
        }
    }

    /// Loads the node's TLS certificate and its P-256 private key, as `PeerHost` presents them.
    public func loadTLSCertificate() throws(KeyFileError) -> IssuedCertificate {
        try Self.loadTLSCertificate(certificateFile: keys.tlsCertificateFile, keyFile: keys.tlsKeyFile)
    }

    /// The renewed TLS certificate waiting beside the current one (`sbp node renew-certificate`), which
    /// the node takes up once the chain registers it (`CertificateRollover`).
    public var nextTLSCertificateFile: String { Self.sibling(of: keys.tlsCertificateFile, named: Self.nextTLSCertificateFileName) }
    public var nextTLSKeyFile: String { Self.sibling(of: keys.tlsKeyFile, named: Self.nextTLSKeyFileName) }
    public static let nextTLSCertificateFileName = "tls-next.crt"
    public static let nextTLSKeyFileName = "tls-next.key"

    static func sibling(of path: String, named name: String) -> String {
        ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }

    /// Loads a PEM certificate and its P-256 private key, checking that they belong together.
    static func loadTLSCertificate(certificateFile: String, keyFile: String) throws(KeyFileError) -> IssuedCertificate {
        let keys = (tlsCertificateFile: certificateFile, tlsKeyFile: keyFile)
        let certificate = try Self.readCertificate(keys.tlsCertificateFile)
        let keyPEM = String(decoding: try KeyFile.readSmallFile(keys.tlsKeyFile), as: UTF8.self)
        let privateKey: P256.Signing.PrivateKey
        do {
            privateKey = try P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        } catch {
            throw .malformed(path: keys.tlsKeyFile, reason: "not a PEM P-256 private key")
        }
        guard Certificate.PublicKey(privateKey.publicKey) == certificate.publicKey else {
            throw .malformed(path: keys.tlsKeyFile, reason: "does not match the public key of \(keys.tlsCertificateFile)")
        }
        return IssuedCertificate(certificate: certificate, privateKey: privateKey)
    }

    /// Reads `rpc.api_tokens_file`: one bearer token per line (blank lines and `#` comments skipped), each
    /// `RPCLimits.apiTokenBytesMin`…`apiTokenBytesMax` bytes of visible ASCII; none without the file.
    public func loadAPITokens() throws(KeyFileError) -> [String] {
        guard let path = rpcOptions.apiTokensFile else { return [] }
        let text = String(decoding: try KeyFile.readSmallFile(path), as: UTF8.self)
        var tokens: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let token = line.trimmingCharacters(in: .whitespaces)
            if token.isEmpty || token.hasPrefix("#") { continue }
            let visible = token.utf8.allSatisfy { (0x21...0x7e).contains($0) }
            guard visible, (RPCLimits.apiTokenBytesMin...RPCLimits.apiTokenBytesMax).contains(token.utf8.count) else {
                throw .malformed(
                    path: path,
                    reason: "each token must be \(RPCLimits.apiTokenBytesMin)...\(RPCLimits.apiTokenBytesMax) visible ASCII characters")
            }
            tokens.append(token)
        }
        guard tokens.count <= NodeLimits.rpcAPITokensMax else {
            throw .malformed(path: path, reason: "at most \(NodeLimits.rpcAPITokensMax) tokens")
        }
        return tokens
    }

    /// Loads the department CA certificate.
    public func loadDepartmentCA() throws(KeyFileError) -> Certificate {
        try Self.readCertificate(keys.departmentCAFile)
    }

    private static func readCertificate(_ path: String) throws(KeyFileError) -> Certificate {
        let pem = String(decoding: try KeyFile.readSmallFile(path), as: UTF8.self)
        do {
            return try Certificate(pemEncoded: pem)
        } catch {
            throw .malformed(path: path, reason: "not a PEM certificate")
        }
    }
}
