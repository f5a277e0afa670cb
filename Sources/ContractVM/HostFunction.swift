import WasmKit

/// The functions of the host module `sbp`, with their exact WebAssembly signatures.
///
/// `Contracts/include/sbp.h` declares the same functions for C; pointers and lengths are `i32`
/// (wasm32), heights and timestamps `i64`. A module that imports anything else, or one of these with
/// another signature, is rejected at deploy time.
public enum HostFunction: String, CaseIterable, Sendable {
    case inputSize = "input_size"
    case inputRead = "input_read"
    case outputWrite = "output_write"
    case revert = "revert"
    case storageGet = "storage_get"
    case storageSet = "storage_set"
    case storageDelete = "storage_delete"
    case caller = "caller"
    case callerDepartment = "caller_department"
    case callerHasRole = "caller_has_role"
    case contractAddress = "contract_address"
    case blockHeight = "block_height"
    case blockTimestamp = "block_timestamp"
    case emitEvent = "emit_event"
    case sha256 = "sha256"
    case query = "query"

    /// The host module name every import must use.
    public static let moduleName = "sbp"

    /// The WebAssembly signature of this host function.
    public var type: FunctionType {
        switch self {
        case .inputSize: return FunctionType(parameters: [], results: [.i32])
        case .inputRead: return FunctionType(parameters: [.i32], results: [])
        case .outputWrite, .revert, .storageDelete: return FunctionType(parameters: [.i32, .i32], results: [])
        case .storageGet: return FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [.i32])
        case .storageSet, .emitEvent: return FunctionType(parameters: [.i32, .i32, .i32, .i32], results: [])
        case .caller, .contractAddress: return FunctionType(parameters: [.i32], results: [])
        case .callerDepartment: return FunctionType(parameters: [.i32, .i32], results: [.i32])
        case .callerHasRole: return FunctionType(parameters: [.i32], results: [.i32])
        case .blockHeight, .blockTimestamp: return FunctionType(parameters: [], results: [.i64])
        case .sha256: return FunctionType(parameters: [.i32, .i32, .i32], results: [])
        case .query: return FunctionType(parameters: [.i32, .i32, .i32, .i32, .i32], results: [.i32])
        }
    }
}

/// The export a contract's entry point must have: `call`, taking and returning nothing.
///
/// The host writes nothing into the module's memory before the call: the contract pulls its input with
/// `input_size`/`input_read` and pushes its result with `output_write`.
enum EntryPoint {
    static let name = "call"
    static let memoryName = "memory"
    static let type = FunctionType(parameters: [], results: [])
}
