import ChainTypes
import Foundation
import Keys
import Ledger
import LedgerFixtures
import Storage

/// A fresh in-memory ledger on a fixture chain.
///
/// `protocolVersions` makes the ledger act as a build that executes those chain protocol versions.
func makeLedger(
    _ chain: FixtureChain? = nil, store: (any KeyValueStore)? = nil, protocolVersions: ClosedRange<UInt32> = ChainProtocol.executable
) throws -> (FixtureChain, Ledger) {
    let chain = try chain ?? FixtureChain()
    let ledger = try Ledger(store: store ?? MemoryKeyValueStore(), genesis: chain.bundle, executableProtocolVersions: protocolVersions)
    return (chain, ledger)
}

/// A salted holder digest, as the CLI computes it.
func holder(_ name: String) -> Hash { Hash.sha256(Array("salt/\(name)".utf8)) }

/// Arguments of `licence.issue` for licence `id` held by `name`.
func issueArguments(_ id: String, holder name: String = "alice", type: String = "driving") -> [String] {
    [id, type, holder(name).hex, "1000", "4000000000000", "none"]
}

/// A temporary directory removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "sbp-ledger-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
