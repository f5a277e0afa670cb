/// Why a module is not accepted as contract code at deploy time (DESIGN §6).
public enum ContractValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The module is larger than `ContractLimits.codeBytesMax`.
    case codeTooLarge(bytes: Int, limit: Int)
    /// The bytes are not a well-formed WebAssembly module.
    case malformed(String)
    /// An import from a module other than `sbp`, or of something other than a function.
    case importOutsideHostAPI(module: String, name: String)
    /// An import from `sbp` that names no host function.
    case unknownHostFunction(name: String)
    /// An `sbp` import whose signature differs from the host function's.
    case hostFunctionSignatureMismatch(name: String, expected: String, actual: String)
    /// A floating-point instruction or value type; `location` says where.
    case floatingPoint(location: String)
    /// A SIMD instruction or `v128` value type.
    case simd(location: String)
    /// A threads (atomic or shared-memory) instruction.
    case threads(location: String)
    /// A reference, GC or exception-handling construct the VM does not admit.
    case unsupportedFeature(location: String)
    /// More than one memory, or memory that is shared or 64-bit.
    case unsupportedMemory(String)
    /// The memory may hold more pages than `ContractLimits.memoryPagesMax` (declared maximum, or initial
    /// size when no maximum is declared).
    case memoryTooLarge(pages: UInt64, limit: Int)
    /// A required export is missing or has the wrong kind or type.
    case missingExport(name: String)
    /// The module declares a start function, which would run before the host sets up a call.
    case startFunction
    /// More functions than `ContractLimits.functionsMax`.
    case tooManyFunctions(count: Int, limit: Int)
    /// A mutable global that is not exported: the VM resets exported mutable globals between calls, so a
    /// hidden one could carry state from one call into the next.
    case unexportedMutableGlobal(index: Int)

    public var description: String {
        switch self {
        case .codeTooLarge(let bytes, let limit): return "code is \(bytes) bytes; the limit is \(limit)"
        case .malformed(let reason): return "malformed module: \(reason)"
        case .importOutsideHostAPI(let module, let name): return "import \(module).\(name) is outside the host API (module sbp)"
        case .unknownHostFunction(let name): return "unknown host function sbp.\(name)"
        case .hostFunctionSignatureMismatch(let name, let expected, let actual):
            return "host function sbp.\(name) has type \(actual); expected \(expected)"
        case .floatingPoint(let location): return "floating point is not allowed: \(location)"
        case .simd(let location): return "SIMD is not allowed: \(location)"
        case .threads(let location): return "threads and atomics are not allowed: \(location)"
        case .unsupportedFeature(let location): return "unsupported feature: \(location)"
        case .unsupportedMemory(let reason): return "unsupported memory: \(reason)"
        case .memoryTooLarge(let pages, let limit): return "memory of \(pages) pages exceeds the limit of \(limit) pages"
        case .missingExport(let name): return "required export \(name) is missing or has the wrong type"
        case .startFunction: return "a start function is not allowed"
        case .unexportedMutableGlobal(let index): return "mutable global \(index) must be exported"
        case .tooManyFunctions(let count, let limit): return "\(count) functions exceed the limit of \(limit)"
        }
    }
}
