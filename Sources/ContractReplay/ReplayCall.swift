import ChainTypes
import ContractVM

/// One call of the replay sequence: the contract, who calls it, the input, the fuel limit and the status
/// the call must end with.
///
/// The expected status travels with the call so that the sequence documents what each call exercises and
/// a test can check that it covers what it claims; the replay itself only records what happened.
public struct ReplayCall: Sendable {
    /// What the call does, for people reading a transcript (`licence.issue L-1`).
    public var label: String
    public var contract: Address
    public var department: String
    public var roles: [ContractRole]
    public var input: [UInt8]
    public var fuelLimit: UInt64
    public var expectedStatus: ContractStatus

    public init(
        label: String, contract: Address, department: String, roles: [ContractRole], input: [UInt8], fuelLimit: UInt64,
        expectedStatus: ContractStatus
    ) {
        self.label = label
        self.contract = contract
        self.department = department
        self.roles = roles
        self.input = input
        self.fuelLimit = fuelLimit
        self.expectedStatus = expectedStatus
    }
}
