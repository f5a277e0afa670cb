import ChainTypes
import Testing

@testable import ContractVM

@Suite struct ValidationTests {
    static let entry = "(func (export \"call\"))"

    func validate(_ text: String) throws -> ContractModule {
        try ContractModule(code: try Harness.wasm(text))
    }

    func rejection(_ text: String) throws -> ContractValidationError? {
        let code = try Harness.wasm(text)
        do {
            _ = try ContractModule(code: code)
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalContractIsAccepted() throws {
        let module = try validate(Harness.module(body: Self.entry))
        #expect(module.codeBytes > 8)
    }

    @Test func floatAddIsRejected() throws {
        let text = Harness.module(
            body: """
                (func (export "call") (drop (f32.add (f32.const 1) (f32.const 2))))
                """)
        guard case .floatingPoint(let location) = try rejection(text) else { Issue.record("float accepted"); return }
        #expect(location.contains("f32"))
    }

    @Test(arguments: [
        "(func (export \"call\") (local f64))",
        "(func (param f32)) (func (export \"call\"))",
        "(global f64 (f64.const 0)) (func (export \"call\"))",
        "(func (export \"call\") (drop (i32.trunc_f64_s (f64.const 1))))",
        "(func (export \"call\") (drop (i32.reinterpret_f32 (f32.const 1))))",
        "(func (export \"call\") (i32.const 0) (f32.load) (drop))",
    ])
    func everyFloatFormIsRejected(body: String) throws {
        guard case .floatingPoint = try rejection(Harness.module(body: body)) else {
            Issue.record("accepted: \(body)")
            return
        }
    }

    @Test func unknownImportModuleIsRejected() throws {
        let text = Harness.module(imports: "(import \"env\" \"abort\" (func))", body: Self.entry)
        #expect(try rejection(text) == .importOutsideHostAPI(module: "env", name: "abort"))
    }

    @Test func unknownHostFunctionIsRejected() throws {
        let text = Harness.module(imports: "(import \"sbp\" \"format_disk\" (func))", body: Self.entry)
        #expect(try rejection(text) == .unknownHostFunction(name: "format_disk"))
    }

    @Test func wrongHostSignatureIsRejected() throws {
        let text = Harness.module(imports: "(import \"sbp\" \"block_height\" (func (result i32)))", body: Self.entry)
        guard case .hostFunctionSignatureMismatch(let name, _, _) = try rejection(text) else { Issue.record("accepted"); return }
        #expect(name == "block_height")
    }

    @Test func importedMemoryIsRejected() throws {
        let text = "(module (import \"sbp\" \"memory\" (memory 1)) \(Self.entry))"
        #expect(try rejection(text) == .importOutsideHostAPI(module: "sbp", name: "memory"))
    }

    @Test func memoryOverThePageLimitIsRejected() throws {
        let text = Harness.module(memory: "(memory (export \"memory\") 1 1000)", body: Self.entry)
        #expect(try rejection(text) == .memoryTooLarge(pages: 1000, limit: ContractLimits.memoryPagesMax))
        let unbounded = Harness.module(memory: "(memory (export \"memory\") 100)", body: Self.entry)
        #expect(try rejection(unbounded) == .memoryTooLarge(pages: 100, limit: ContractLimits.memoryPagesMax))
    }

    @Test func missingExportsAreRejected() throws {
        #expect(try rejection("(module (memory 1) \(Self.entry))") == .missingExport(name: "memory"))
        #expect(try rejection(Harness.module(body: "(func)")) == .missingExport(name: "call"))
        #expect(try rejection(Harness.module(body: "(func (export \"call\") (param i32))")) == .missingExport(name: "call"))
    }

    @Test func startFunctionIsRejected() throws {
        #expect(try rejection(Harness.module(body: "\(Self.entry) (func $s) (start $s)")) == .startFunction)
    }

    @Test func hiddenMutableGlobalIsRejected() throws {
        let text = Harness.module(body: "(global (mut i32) (i32.const 0)) \(Self.entry)")
        #expect(try rejection(text) == .unexportedMutableGlobal(index: 0))
        _ = try validate(Harness.module(body: "(global (export \"g\") (mut i32) (i32.const 0)) \(Self.entry)"))
    }

    @Test func passiveSegmentInstructionsAreRejected() throws {
        let text = Harness.module(
            body: """
                (data $d "x") (func (export "call") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1)))
                """)
        guard case .unsupportedFeature = try rejection(text) else { Issue.record("memory.init accepted"); return }
    }

    @Test func simdIsRejected() throws {
        let code = try Harness.wasm(Harness.module(body: "(func (export \"call\") (drop (v128.const i64x2 0 0)))"))
        #expect(throws: ContractValidationError.self) { try ContractModule(code: code) }
    }

    @Test func oversizedModuleIsRejected() throws {
        let data = String(repeating: "a", count: ContractLimits.codeBytesMax)
        let code = try Harness.wasm(Harness.module(body: "\(Self.entry) (data (i32.const 0) \"\(data)\")"))
        #expect(throws: ContractValidationError.codeTooLarge(bytes: code.count, limit: ContractLimits.codeBytesMax)) {
            try ContractModule(code: code)
        }
    }

    @Test func garbageIsMalformed() throws {
        #expect(throws: ContractValidationError.self) { try ContractModule(code: [0, 1, 2, 3]) }
        do {
            _ = try ContractModule(code: [0x00, 0x61, 0x73, 0x6D, 1, 0, 0, 0, 0xFF])
            Issue.record("accepted")
        } catch {
            guard case .malformed = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func everyHostFunctionIsImportable() throws {
        let imports = HostFunction.allCases.map { function in
            let params = function.type.parameters.map { "\($0)" }.joined(separator: " ")
            let results = function.type.results.map { "\($0)" }.joined(separator: " ")
            return "(import \"sbp\" \"\(function.rawValue)\" (func (param \(params)) (result \(results))))"
        }.joined(separator: " ")
        _ = try validate(Harness.module(imports: imports, body: Self.entry))
    }
}
