import ChainTypes

/// The input of a read-only contract call (`contract_call`).
public enum ContractCallInput: Hashable, Sendable {
    /// The call input bytes as they are (`docs/contracts.md` §ABI).
    case raw([UInt8])
    /// A method of the contract's interface and its arguments as text (decimal integers, `true`/`false`,
    /// hex for hashes, addresses and bytes, names or codes for enumerations); the node encodes them.
    case method(name: String, arguments: [String])
}

/// How a read-only contract call ended (`contract_call`).
public struct ContractCallResult: Equatable, Sendable {
    /// The height whose state the call read.
    public var height: UInt64
    /// `success`, `reverted`, `outOfFuel` or `trapped` (never `rejected`).
    public var status: ReceiptStatus
    /// The revert or trap message; empty on success.
    public var errorMessage: String
    public var fuelUsed: UInt64
    public var returnData: [UInt8]
    /// The result fields by name when the call named a method of a known interface and succeeded.
    public var decoded: JSONValue?

    public init(height: UInt64, status: ReceiptStatus, errorMessage: String, fuelUsed: UInt64, returnData: [UInt8], decoded: JSONValue?) {
        self.height = height
        self.status = status
        self.errorMessage = errorMessage
        self.fuelUsed = fuelUsed
        self.returnData = returnData
        self.decoded = decoded
    }
}

/// A deployed contract's record and, when the node has it, its interface description (`contract_getInfo`).
public struct ContractInfo: Equatable, Sendable {
    public var address: Address
    public var name: String
    public var codeHash: Hash
    public var codeBytes: UInt32
    /// The deploying department; empty for standard contracts, which governance owns.
    public var department: String
    public var deployer: Address
    public var isStandard: Bool
    public var deployedHeight: UInt64
    /// The interface description (`NAME.interface.json`) as JSON; nil when the node has none.
    public var interface: JSONValue?

    public init(
        address: Address, name: String, codeHash: Hash, codeBytes: UInt32, department: String, deployer: Address, isStandard: Bool,
        deployedHeight: UInt64, interface: JSONValue?
    ) {
        self.address = address
        self.name = name
        self.codeHash = codeHash
        self.codeBytes = codeBytes
        self.department = department
        self.deployer = deployer
        self.isStandard = isStandard
        self.deployedHeight = deployedHeight
        self.interface = interface
    }
}

/// Which standard registry a record lives in.
public enum RecordKind: String, CaseIterable, Sendable {
    /// The licence registry (`records_getLicence`).
    case licence
    /// The certificate registry (`records_getCertificate`).
    case certificate
}

/// A licence or certificate: its current state and every event in its history, decoded (`records_get*`).
public struct RecordInfo: Equatable, Sendable {
    public var kind: RecordKind
    /// The registry contract.
    public var contract: Address
    public var id: String
    /// The height whose state `record` shows.
    public var height: UInt64
    /// The registry's `get` result by field name.
    public var record: JSONValue
    /// The record's events, oldest first.
    public var history: [EventRecord]

    public init(kind: RecordKind, contract: Address, id: String, height: UInt64, record: JSONValue, history: [EventRecord]) {
        self.kind = kind
        self.contract = contract
        self.id = id
        self.height = height
        self.record = record
        self.history = history
    }
}
