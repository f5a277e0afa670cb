import Foundation
import Keys
import NetworkSetup
import Node

/// Test helpers: temporary directories, the repository's standard contracts, and a small network.
enum TestSupport {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let contractsDirectory = repositoryRoot.appendingPathComponent("Genesis/contracts").path
    /// Fast scrypt for tests; real keystores use `.standard`.
    static let fastScrypt = ScryptParameters(cost: 1 << 4, blockSize: 8, parallelism: 1)
    static let now = Date(timeIntervalSince1970: 1_795_996_800)

    /// Options for a network in `directory/net` with the repository's contracts.
    static func options(
        in directory: String, departments: String = "TD,IMMD,EPD,DH", validatorsPerDepartment: Int = 1,
        keyStorage: KeyStorage = .plaintext, force: Bool = false
    ) -> NetworkOptions {
        NetworkOptions(
            departments: NetworkOptions.DepartmentSpec.parse(list: departments), validatorsPerDepartment: validatorsPerDepartment,
            outputDirectory: directory + "/net", contractsDirectory: contractsDirectory, now: now, keyStorage: keyStorage, force: force)
    }
}

/// Runs `body` with a fresh temporary directory and removes it afterwards.
func withTemporaryDirectory<Result>(_ body: (String) throws -> Result) throws -> Result {
    let path = NSTemporaryDirectory() + "sbp-node-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// The async form of `withTemporaryDirectory`.
func withTemporaryDirectoryAsync<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let path = NSTemporaryDirectory() + "sbp-node-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The permission bits of a file.
func mode(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
