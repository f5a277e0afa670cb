import ChainTypes

/// How a contract call ended. Every trap maps to one of these; none crashes the node.
public enum ContractStatus: Hashable, Sendable, CustomStringConvertible {
    /// `call` returned normally.
    case success
    /// The contract called `revert` with this message.
    case reverted(String)
    /// Execution (instructions and host calls) needed more fuel than the limit.
    case outOfFuel
    /// A WebAssembly trap or a broken host-API rule (out-of-bounds pointer, limit exceeded, no such contract).
    case trapped(String)

    public var description: String {
        switch self {
        case .success: return "success"
        case .reverted(let message): return "reverted: \(message)"
        case .outOfFuel: return "out of fuel"
        case .trapped(let message): return "trapped: \(message)"
        }
    }
}

/// The result of one contract call: what a receipt records, and the writes to apply on success.
///
/// A failed call reports no events, no writes and no return data; its fuel is still used.
public struct ContractOutcome: Hashable, Sendable {
    public var status: ContractStatus
    /// Fuel consumed: operators, host calls and queries. An out-of-fuel call uses its whole limit.
    public var fuelUsed: UInt64
    public var returnData: [UInt8]
    public var events: [Event]
    /// Storage changes in the order the contract made them, one entry per key (its last value).
    public var writes: [StorageWrite]

    public init(status: ContractStatus, fuelUsed: UInt64, returnData: [UInt8], events: [Event], writes: [StorageWrite]) {
        self.status = status
        self.fuelUsed = fuelUsed
        self.returnData = returnData
        self.events = events
        self.writes = writes
    }

    static func failed(_ status: ContractStatus, fuelUsed: UInt64) -> ContractOutcome {
        ContractOutcome(status: status, fuelUsed: fuelUsed, returnData: [], events: [], writes: [])
    }
}
