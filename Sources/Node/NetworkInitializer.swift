import ChainTypes
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `sbp network init`: makes a whole network directory — keys, certificates, genesis, one config per node.
///
/// For each department: a P-256 CA, an admin and an issuer account key (secp256k1). For each validator: a
/// consensus key (secp256k1) and a TLS key and certificate signed by its department's CA. Then one
/// `genesis.json` naming all of them and the standard contracts, a `config.toml` per node and `network.json`.
/// Everything is written into a staging directory beside the target and moved into place at the end, so a
/// failure leaves no half-made network (the layout is in `docs/network-init.md`).
public enum NetworkInitializer {
    /// File and directory names inside a network directory (the layout in `docs/network-init.md`).
    public static let genesisFileName = "genesis.json"
    public static let configFileName = "config.toml"
    public static let accountsDirectoryName = "accounts"
    public static let departmentsDirectoryName = "departments"

    /// The consensus parameters of a new network: those of `Genesis/example.json`.
    public static let consensusParameters = Genesis.ConsensusParameters(
        checkpointInterval: 16, watermarkWindow: 64, viewChangeTimeoutTicks: 20, viewChangeTimeoutTicksMax: 1280, tickMs: 100,
        blockTransactionsMax: 2000, blockBytesMax: 4 * 1024 * 1024, blockFuelMax: 10_000_000_000, timestampDriftMsMax: 5000)
    /// Governance of a new network: two thirds of departments pass a proposal (DESIGN §5).
    public static let governanceParameters = Genesis.GovernanceParameters(
        thresholdNumerator: 2, thresholdDenominator: 3, proposalLifetimeBlocks: 10_000, departmentsMayDeploy: false)

    /// Makes the network described by `options` and returns its manifest.
    public static func run(_ options: NetworkOptions) throws(NetworkInitError) -> NetworkManifest {
        try options.validate()
        let modules = try StandardContracts.read(directory: options.contractsDirectory)
        let target = NodeConfiguration.absolutePath(options.outputDirectory, relativeTo: FileManager.default.currentDirectoryPath)
        let targetExists = try checkTarget(target, force: options.force)
        let staging = try makeStagingDirectory(beside: target)
        var moved = false
        defer {
            if !moved { try? FileManager.default.removeItem(atPath: staging) }
        }
        let writer = NetworkWriter(options: options, root: staging)
        let manifest = try writer.write(modules: modules)
        if targetExists {
            do {
                try FileManager.default.removeItem(atPath: target)
            } catch {
                throw .fileSystem(path: target, reason: "cannot remove the earlier network: \(error.localizedDescription)")
            }
        }
        guard rename(staging, target) == 0 else {
            throw .fileSystem(path: target, reason: "cannot move \(staging) into place: \(String(cString: strerror(errno)))")
        }
        moved = true
        return manifest
    }

    /// Whether `target` holds an earlier network to replace; throws if it may not be written at all.
    private static func checkTarget(_ target: String, force: Bool) throws(NetworkInitError) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else { throw .fileSystem(path: target, reason: "exists and is not a directory") }
        let contents: [String]
        do {
            contents = try FileManager.default.contentsOfDirectory(atPath: target)
        } catch {
            throw .fileSystem(path: target, reason: "cannot list directory")
        }
        guard !contents.isEmpty else { return true }
        guard force else { throw .outputNotEmpty(path: target) }
        guard contents.contains(NetworkManifest.fileName) else {
            throw .refusingToReplace(path: target, reason: "it has no \(NetworkManifest.fileName), so sbp network init did not make it")
        }
        return true
    }

    private static func makeStagingDirectory(beside target: String) throws(NetworkInitError) -> String {
        let parent = (target as NSString).deletingLastPathComponent
        let suffix = Hex.encode((0..<6).map { _ in UInt8.random(in: .min ... .max) })
        let staging = (parent as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).init-\(suffix)")
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(path: staging, reason: "cannot create directory: \(error.localizedDescription)")
        }
        return staging
    }
}
