import ChainTypes
import Foundation
import Node

/// `sbp network init`: makes a whole network directory — keys, certificates, genesis, one config per node.
///
/// For each department: a P-256 CA, an admin and an issuer account key (secp256k1). For each validator: a
/// consensus key (secp256k1) and a TLS key and certificate signed by its department's CA. Then one
/// `genesis.json` naming all of them and the standard contracts, a `config.toml` per node and `network.json`.
/// Departments and nodes are made from the same pieces as `sbp department init` and `sbp node init`
/// (`DepartmentIdentity`, `NodeIdentity`), but all on one machine: for founding departments and devnets.
/// Everything is written into a staging directory beside the target and moved into place at the end, so a
/// failure leaves no half-made network (the layout is in `docs/network-init.md`).
public enum NetworkInitializer {
    /// File and directory names inside a network directory (the layout in `docs/network-init.md`).
    public static let genesisFileName = "genesis.json"
    public static let configFileName = "config.toml"
    public static let accountsDirectoryName = "accounts"
    public static let departmentsDirectoryName = "departments"

    /// Makes the network described by `options` and returns its manifest.
    public static func run(_ options: NetworkOptions) throws(SetupError) -> NetworkManifest {
        try options.validate()
        let modules = try StandardContracts.read(directory: options.contractsDirectory)
        let target = SetupDirectory.absoluteTarget(options.outputDirectory)
        let targetExists = try checkTarget(target, force: options.force)
        return try SetupDirectory.stage(target: target, replacing: targetExists, keyStorage: options.keyStorage) {
            output throws(SetupError) in
            try NetworkWriter(options: options, output: output).write(modules: modules)
        }
    }

    /// Whether `target` holds an earlier network to replace; throws if it may not be written at all.
    private static func checkTarget(_ target: String, force: Bool) throws(SetupError) -> Bool {
        guard let contents = try SetupDirectory.contents(ofTarget: target) else { return false }
        guard !contents.isEmpty else { return true }
        guard force else { throw .outputNotEmpty(path: target) }
        guard contents.contains(NetworkManifest.fileName) else {
            throw .refusingToReplace(path: target, reason: "it has no \(NetworkManifest.fileName), so sbp network init did not make it")
        }
        return true
    }
}
