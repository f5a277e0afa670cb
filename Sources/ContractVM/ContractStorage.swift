import ChainTypes

/// The contract state a call reads: deployed code and each contract's key-value storage.
///
/// Keys are namespaced per contract address: a contract can only name keys in its own namespace,
/// because the host always passes its own address. Writes are not made through this protocol during
/// execution: the VM buffers them and hands them back in `ContractOutcome.writes`, and the caller
/// applies them only when the call succeeded.
public protocol ContractStorage: AnyObject {
    /// The value stored under `key` by `contract`, or `nil`.
    func value(contract: Address, key: [UInt8]) -> [UInt8]?
    /// The hash of the code deployed at `contract`, or `nil` when no contract lives there.
    func codeHash(contract: Address) -> Hash?
    /// The code whose SHA-256 is `codeHash`.
    func code(hash codeHash: Hash) -> [UInt8]?
}

/// One buffered storage change: a new value, or `nil` for a delete.
public struct StorageWrite: Hashable, Sendable {
    public var contract: Address
    public var key: [UInt8]
    public var value: [UInt8]?

    public init(contract: Address, key: [UInt8], value: [UInt8]?) {
        self.contract = contract
        self.key = key
        self.value = value
    }
}
