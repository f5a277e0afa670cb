import ChainTypes

/// Contract code and storage in memory: the twin that tests and benchmarks run the VM against.
public final class InMemoryContractStorage: ContractStorage {
    private struct Key: Hashable {
        var contract: Address
        var key: [UInt8]
    }

    private var values: [Key: [UInt8]] = [:]
    private var codeHashes: [Address: Hash] = [:]
    private var codes: [Hash: [UInt8]] = [:]

    public init() {}

    public func value(contract: Address, key: [UInt8]) -> [UInt8]? {
        values[Key(contract: contract, key: key)]
    }

    public func codeHash(contract: Address) -> Hash? { codeHashes[contract] }

    public func code(hash codeHash: Hash) -> [UInt8]? { codes[codeHash] }

    /// Places `code` at `contract` (deploy-time validation is the VM's job, not storage's).
    public func deploy(code: [UInt8], at contract: Address) {
        let hash = Hash.sha256(code)
        codes[hash] = code
        codeHashes[contract] = hash
    }

    /// Applies the writes of a successful call, in order.
    public func apply(_ writes: [StorageWrite]) {
        for write in writes {
            values[Key(contract: write.contract, key: write.key)] = write.value
        }
    }

    /// Number of stored values, across all contracts.
    public var valueCount: Int { values.count }
}
