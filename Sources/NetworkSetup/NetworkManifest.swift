import ChainTypes
import Foundation

/// `network.json`: what `sbp network init` made — departments, accounts, nodes, ports and URLs.
///
/// Tools that start, test or talk to a network (devnet scripts, multi-process tests, a developer's shell)
/// read this instead of parsing every node's config. Paths are relative to the manifest's directory, so the
/// whole network directory can be moved.
public struct NetworkManifest: Codable, Hashable, Sendable {
    /// The manifest format this build writes; readers check it before trusting the rest.
    public static let currentVersion = 1
    /// The manifest's file name inside a network directory.
    public static let fileName = "network.json"

    public var version: Int
    public var chainId: String
    /// The genesis document, relative to this file.
    public var genesisFile: String
    /// The genesis hash that identifies the chain.
    public var genesisHash: Hash
    /// How the secp256k1 keys are stored.
    public var keyStorage: KeyStorageKind
    public var departments: [Department]
    public var nodes: [Node]
    public var contracts: [Contract]

    /// `plaintext`: hex files, mode 0600; `keystore`: encrypted keystore documents (`docs/keystore.md`).
    public enum KeyStorageKind: String, Codable, Hashable, Sendable {
        case plaintext, keystore
    }

    /// A department as created: its CA files and its genesis accounts.
    public struct Department: Codable, Hashable, Sendable {
        public var id: String
        public var name: String
        public var caCertificateFile: String
        /// The CA's P-256 private key (PEM, mode 0600), needed to issue further node certificates.
        public var caKeyFile: String
        public var accounts: [Account]
    }

    /// An account created at genesis, with the file holding its key.
    public struct Account: Codable, Hashable, Sendable {
        /// The key name: the file name without extension, and the keystore key name when encrypted.
        public var name: String
        public var address: Address
        /// Compressed secp256k1 public key, hex.
        public var publicKey: String
        public var roles: [Genesis.Role]
        public var keyFile: String
    }

    /// A validator node: where its files are and where it listens.
    public struct Node: Codable, Hashable, Sendable {
        public var name: String
        public var department: String
        /// The node's directory and its config file, relative to this file.
        public var directory: String
        public var configFile: String
        public var host: String
        public var p2pPort: Int
        public var rpcPort: Int
        /// `host:port` peers dial.
        public var p2pAddress: String
        public var rpcURL: String
        public var metricsURL: String
        public var healthURL: String
        /// Compressed secp256k1 consensus public key, hex (as in genesis).
        public var consensusPublicKey: String
        /// SHA-256 of the node's TLS certificate (DER): its identity in `PeerTrust`.
        public var tlsCertificateFingerprint: Hash
    }

    /// A standard contract installed at genesis.
    public struct Contract: Codable, Hashable, Sendable {
        public var name: String
        public var address: Address
        public var codeFile: String
        public var codeHash: Hash
    }

    /// Pretty JSON with sorted keys and a final newline, so regenerating a network gives readable diffs.
    public func encoded() -> Data { Data(SetupDirectory.json(self)) }

    /// Reads `network.json` from a network directory.
    public static func load(directory: String) throws(SetupError) -> NetworkManifest {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else { throw .fileSystem(path: path, reason: "cannot read file") }
        do {
            return try JSONDecoder().decode(NetworkManifest.self, from: data)
        } catch {
            throw .fileSystem(path: path, reason: "not a network manifest: \(error)")
        }
    }
}
