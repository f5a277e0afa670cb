import ArgumentParser
import ProcessAllocator
import StorageRocksDB

/// The `sbp` command line: one executable for node operation, keys, transactions and queries (DESIGN §7).
@main
struct SBPCommand: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sbp",
        abstract: "SBP permissioned blockchain node and tools.",
        version: "sbp \(version)\nallocator: \(ProcessAllocator.description)\nrocksdb checksums: \(RocksDBStore.checksumDescription)",
        subcommands: [
            NodeCommand.self, DevnetCommand.self, KeysCommand.self, NetworkCommand.self, DepartmentCommand.self, LicenceCommand.self,
            CertificateCommand.self,
            EvidenceCommand.self, VerifyCommand.self, TxCommand.self, ContractCommand.self, GovernanceCommand.self, AccountCommand.self,
            StatusCommand.self, BlockCommand.self, ValidatorsCommand.self, NodesCommand.self, SnapshotCommand.self,
        ])
}
