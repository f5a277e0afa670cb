import ChainTypes

/// A role an account holds in its department (DESIGN §5); contracts ask with `caller_has_role(role)`.
public enum ContractRole: UInt32, Sendable, CaseIterable, Codable {
    case admin = 0
    case issuer = 1
    case submitter = 2
    case auditor = 3
}

/// Everything a contract call may observe besides storage: who calls, which block, what input, how much fuel.
///
/// The block timestamp is the primary's, checked by replicas (DESIGN §1.3): the VM has no clock.
public struct CallContext: Sendable {
    /// The contract being called.
    public var contract: Address
    /// The transaction's sender, or the querying contract for a query.
    public var caller: Address
    /// The caller's department identifier; empty for a contract caller.
    public var callerDepartment: String
    /// The caller's roles in its department; empty for a contract caller.
    public var callerRoles: [ContractRole]
    public var blockHeight: UInt64
    public var blockTimestamp: UInt64
    /// The canonical encoding of the method name and arguments (`docs/contracts.md`).
    public var input: [UInt8]
    /// The transaction's fuel limit.
    public var fuelLimit: UInt64

    public init(
        contract: Address, caller: Address, callerDepartment: String, callerRoles: [ContractRole],
        blockHeight: UInt64, blockTimestamp: UInt64, input: [UInt8], fuelLimit: UInt64
    ) {
        self.contract = contract
        self.caller = caller
        self.callerDepartment = callerDepartment
        self.callerRoles = callerRoles
        self.blockHeight = blockHeight
        self.blockTimestamp = blockTimestamp
        self.input = input
        self.fuelLimit = fuelLimit
    }
}
