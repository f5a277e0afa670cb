import WasmKit
import WasmParser

/// Walks a function body and rejects every instruction outside the deterministic integer subset.
///
/// The check is an allow-list: integer arithmetic, control flow, locals, globals, memory loads and
/// stores of integers, `memory.copy` and `memory.fill` pass (not `memory.init` or `data.drop`: a dropped
/// segment would outlive the call in a reused instance); floating point, SIMD, atomics, references, GC and
/// exceptions are rejected by name, and anything else (a proposal this list does not know) is rejected
/// as unsupported.
struct InstructionChecker: AnyInstructionVisitor {
    typealias VisitorError = ContractValidationError

    var binaryOffset: Int = 0
    /// Names the function in error messages.
    let functionIndex: Int

    mutating func visit(_ instruction: Instruction) throws(ContractValidationError) {
        switch instruction {
        case .unreachable, .nop, .else, .end, .br, .brIf, .brTable, .return, .call, .callIndirect,
            .drop, .select, .localGet, .localSet, .localTee, .globalGet, .globalSet,
            .memorySize, .memoryGrow, .i32Const, .i64Const, .i32Eqz, .i64Eqz, .memoryCopy, .memoryFill:
            return
        case .block(let blockType), .loop(let blockType), .if(let blockType):
            if case .type(let valueType) = blockType { try check(valueType, what: "block type") }
        case .typedSelect(let valueType):
            try check(valueType, what: "select type")
        case .f32Const, .f64Const:
            throw .floatingPoint(location: location("\(instruction)"))
        case .load(let load, _):
            try checkNamed("\(load)")
        case .store(let store, _):
            try checkNamed("\(store)")
        case .cmp(let cmp):
            try checkNamed("\(cmp)")
        case .unary(let unary):
            try checkNamed("\(unary)")
        case .binary(let binary):
            try checkNamed("\(binary)")
        case .conversion(let conversion):
            try checkNamed("\(conversion)")
        case .v128Const, .i8x16Shuffle, .simd, .simdLane, .simdMemLane:
            throw .simd(location: location("\(instruction)"))
        default:
            let name = "\(instruction)"
            if name.lowercased().contains("atomic") { throw .threads(location: location(name)) }
            throw .unsupportedFeature(location: location(name))
        }
    }

    /// Classifies a numeric instruction by its case name (`f32Add`, `i32TruncF64S`, `v128Load`, `i32AtomicLoad`).
    private func checkNamed(_ name: String) throws(ContractValidationError) {
        let lowered = name.lowercased()
        if lowered.contains("f32") || lowered.contains("f64") { throw .floatingPoint(location: location(name)) }
        if lowered.contains("v128") { throw .simd(location: location(name)) }
        if lowered.contains("atomic") { throw .threads(location: location(name)) }
    }

    private func check(_ valueType: ValueType, what: String) throws(ContractValidationError) {
        try ValueTypeRule.check(valueType, location: location(what))
    }

    private func location(_ what: String) -> String {
        "\(what) in function \(functionIndex) at byte \(binaryOffset)"
    }
}

/// The value types a contract may use: `i32` and `i64` only.
enum ValueTypeRule {
    static func check(_ valueType: ValueType, location: @autoclosure () -> String) throws(ContractValidationError) {
        switch valueType {
        case .i32, .i64: return
        case .f32, .f64: throw .floatingPoint(location: "\(valueType) \(location())")
        case .v128: throw .simd(location: "v128 \(location())")
        case .ref: throw .unsupportedFeature(location: "reference type \(location())")
        }
    }
}
