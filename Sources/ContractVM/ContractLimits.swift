import ChainTypes

/// Size, memory and depth limits of contract code and execution (DESIGN §1.4, §6).
///
/// Every one of these feeds consensus: a node that allowed one more page or one more byte would accept
/// a transaction the others fail. `ContractLimitsTests` checks their relationships.
public enum ContractLimits {
    /// A deployed module's bytes: one deploy transaction's payload.
    public static let codeBytesMax = ChainTypes.Limits.transactionPayloadBytesMax
    /// WebAssembly pages (64 KiB each) a contract's memory may declare or grow to: 2 MiB.
    public static let memoryPagesMax = 32
    /// Bytes of one WebAssembly page.
    public static let pageBytes = 65_536
    /// Functions one module may define; bounds validation work.
    public static let functionsMax = 10_000
    /// The interpreter stack of one call in bytes; deep recursion traps with "call stack exhausted".
    public static let interpreterStackBytes = 256 * 1024
    /// Nested contract calls (the outer call plus read-only queries it makes).
    public static let callDepthMax = 4
    /// A call's input bytes.
    public static let inputBytesMax = ChainTypes.Limits.transactionPayloadBytesMax
    /// Bytes a call may return (`output_write`, summed over calls).
    public static let outputBytesMax = ChainTypes.Limits.returnDataBytesMax
    /// A storage key.
    public static let storageKeyBytesMax = 256
    /// A storage value.
    public static let storageValueBytesMax = 16 * 1024
    /// Storage writes (sets and deletes) one call may buffer.
    public static let storageWritesMax = 1024
    /// Events one call may emit.
    public static let eventsMax = ChainTypes.Limits.eventsPerReceiptMax
    /// An event topic.
    public static let eventTopicBytesMax = ChainTypes.Limits.eventTopicBytesMax
    /// An event's data.
    public static let eventDataBytesMax = ChainTypes.Limits.eventDataBytesMax
    /// A revert or trap message carried in a receipt.
    public static let messageBytesMax = ChainTypes.Limits.errorMessageBytesMax
    /// Bytes `sha256` may hash in one host call.
    public static let hashInputBytesMax = 64 * 1024
    /// Validated modules (and their idle instances) the VM keeps; beyond it the caches start over.
    /// Caching never changes a result, only how fast it comes.
    public static let cachedModulesMax = 256
    /// A caller's department identifier.
    public static let departmentBytesMax = ChainTypes.Limits.identifierBytesMax
}
