import ChainTypes
import WasmKit
import WasmParser

/// Contract code that passed deploy-time validation, parsed once and kept by its code hash.
///
/// DESIGN §6: a module is checked before it can ever run — size, imports (only `sbp` host functions with
/// their exact signatures), no floating point, SIMD or atomics anywhere, one memory within the page
/// limit, the `memory` and `call` exports, and no start function.
public struct ContractModule: Sendable {
    /// SHA-256 of the code: the key of the VM's module cache.
    public let codeHash: Hash
    /// The code's size in bytes.
    public let codeBytes: Int
    /// The parsed module, ready to instantiate.
    let module: WasmKit.Module

    /// The WebAssembly features the parser admits: reference types only so that the multi-byte
    /// table-index encoding clang emits for `call_indirect` parses; reference values are still rejected.
    static let parserFeatures: WasmFeatureSet = [.referenceTypes]

    /// Validates `code` and parses it for execution.
    public init(code: [UInt8]) throws(ContractValidationError) {
        guard code.count <= ContractLimits.codeBytesMax else {
            throw .codeTooLarge(bytes: code.count, limit: ContractLimits.codeBytesMax)
        }
        try ContractModule.validate(code)
        do {
            module = try WasmKit.parseWasm(bytes: code, features: ContractModule.parserFeatures)
        } catch {
            throw .malformed("\(error)")
        }
        codeHash = Hash.sha256(code)
        codeBytes = code.count
    }

    /// Checks every section of `code` against the contract rules.
    static func validate(_ code: [UInt8]) throws(ContractValidationError) {
        var state = ValidationState()
        var parser = WasmParser.Parser(bytes: code, features: parserFeatures)
        do {
            while let payload = try parser.parseNext() {
                try state.check(payload)
            }
        } catch let error as ContractValidationError {
            throw error
        } catch {
            throw .malformed("\(error)")
        }
        try state.finish()
    }
}

/// What validation has learned so far about a module, section by section.
struct ValidationState {
    var types: [FunctionType?] = []
    var importedFunctionTypes: [TypeIndex] = []
    var definedFunctionTypes: [TypeIndex] = []
    var memories: [MemoryType] = []
    var exports: [Export] = []
    var mutableGlobals: [Int] = []
    var functionsChecked = 0

    mutating func check(_ payload: ParsingPayload) throws {
        switch payload {
        case .header, .customSection, .dataCount, .dataSection:
            return
        case .typeSection(let groups):
            for group in groups {
                for subType in group.types {
                    guard case .function(let type) = subType.body else {
                        throw ContractValidationError.unsupportedFeature(location: "non-function type (GC)")
                    }
                    for valueType in type.parameters + type.results {
                        try ValueTypeRule.check(valueType, location: "in type \(types.count)")
                    }
                    types.append(type)
                }
            }
        case .importSection(let imports):
            for entry in imports { try checkImport(entry) }
        case .functionSection(let indices):
            definedFunctionTypes = indices
            let count = importedFunctionTypes.count + indices.count
            guard count <= ContractLimits.functionsMax else {
                throw ContractValidationError.tooManyFunctions(count: count, limit: ContractLimits.functionsMax)
            }
        case .tableSection(let tables):
            for table in tables where table.type.elementType.heapType != .abstract(.funcRef) {
                throw ContractValidationError.unsupportedFeature(location: "table of \(table.type.elementType)")
            }
        case .memorySection(let declared):
            memories.append(contentsOf: declared.map(\.type))
        case .globalSection(let globals):
            for (index, global) in globals.enumerated() {
                try ValueTypeRule.check(global.type.valueType, location: "in global \(index)")
                try checkConstant(global.initializer, location: "global \(index)")
                if global.type.mutability == .variable { mutableGlobals.append(index) }
            }
        case .tagSection:
            throw ContractValidationError.unsupportedFeature(location: "exception tags")
        case .exportSection(let exports):
            self.exports = exports
        case .startSection:
            throw ContractValidationError.startFunction
        case .elementSection(let segments):
            for segment in segments where segment.type.heapType != .abstract(.funcRef) {
                throw ContractValidationError.unsupportedFeature(location: "element segment of \(segment.type)")
            }
        case .codeSection(let bodies):
            for body in bodies { try checkCode(body) }
        }
    }

    private mutating func checkImport(_ entry: Import) throws {
        guard entry.module == HostFunction.moduleName, case .function(let typeIndex) = entry.descriptor else {
            throw ContractValidationError.importOutsideHostAPI(module: entry.module, name: entry.name)
        }
        guard let function = HostFunction(rawValue: entry.name) else {
            throw ContractValidationError.unknownHostFunction(name: entry.name)
        }
        let actual = Int(typeIndex) < types.count ? types[Int(typeIndex)] : nil
        guard let actual, actual == function.type else {
            throw ContractValidationError.hostFunctionSignatureMismatch(
                name: entry.name, expected: "\(function.type)", actual: actual.map { "\($0)" } ?? "type \(typeIndex)")
        }
        importedFunctionTypes.append(typeIndex)
    }

    private mutating func checkCode(_ code: Code) throws {
        let functionIndex = importedFunctionTypes.count + functionsChecked
        functionsChecked += 1
        for local in code.locals {
            try ValueTypeRule.check(local, location: "in a local of function \(functionIndex)")
        }
        var checker = InstructionChecker(functionIndex: functionIndex)
        var expression = ExpressionParser(code: code)
        while let visit = try expression.parse() {
            try visit(visitor: &checker)
        }
    }

    private func checkConstant(_ expression: ConstExpression, location: String) throws {
        var checker = InstructionChecker(functionIndex: -1)
        for instruction in expression { try checker.visit(instruction) }
    }

    func finish() throws(ContractValidationError) {
        guard memories.count == 1, let memory = memories.first else {
            throw .unsupportedMemory("a contract defines exactly one memory; found \(memories.count)")
        }
        guard !memory.shared, !memory.isMemory64 else { throw .unsupportedMemory("shared or 64-bit memory") }
        let pages = memory.max ?? memory.min
        guard pages <= UInt64(ContractLimits.memoryPagesMax) else {
            throw .memoryTooLarge(pages: pages, limit: ContractLimits.memoryPagesMax)
        }
        guard exports.contains(where: { $0.name == EntryPoint.memoryName && $0.descriptor == .memory(0) }) else {
            throw .missingExport(name: EntryPoint.memoryName)
        }
        for index in mutableGlobals where !exports.contains(where: { $0.descriptor == .global(UInt32(index)) }) {
            throw .unexportedMutableGlobal(index: index)
        }
        guard
            let entry = exports.first(where: { $0.name == EntryPoint.name }),
            case .function(let functionIndex) = entry.descriptor,
            Int(functionIndex) >= importedFunctionTypes.count,
            Int(functionIndex) - importedFunctionTypes.count < definedFunctionTypes.count
        else { throw .missingExport(name: EntryPoint.name) }
        let typeIndex = Int(definedFunctionTypes[Int(functionIndex) - importedFunctionTypes.count])
        guard typeIndex < types.count, types[typeIndex] == EntryPoint.type else {
            throw .missingExport(name: EntryPoint.name)
        }
    }
}
