import ChainTypes
import Testing

@testable import ContractVM

/// WAT contracts that exercise each host function, and hostile modules that must fail cleanly.
@Suite struct ExecutionTests {
    static let hostImports = HostFunction.allCases.map { function in
        let params = function.type.parameters.map { "\($0)" }.joined(separator: " ")
        let results = function.type.results.map { "\($0)" }.joined(separator: " ")
        return "(import \"sbp\" \"\(function.rawValue)\" (func $\(function.rawValue) (param \(params)) (result \(results))))"
    }.joined(separator: "\n")

    static func contract(_ body: String, data: String = "") -> String {
        Harness.module(imports: hostImports, body: "\(data) \(body)")
    }

    /// Echoes the input, stores it under key "k", emits it as event "echo".
    static let echo = contract(
        """
        (func (export "call") (local $n i32)
          (local.set $n (call $input_size))
          (call $input_read (i32.const 1024))
          (call $storage_set (i32.const 0) (i32.const 1) (i32.const 1024) (local.get $n))
          (call $emit_event (i32.const 8) (i32.const 4) (i32.const 1024) (local.get $n))
          (call $output_write (i32.const 1024) (local.get $n)))
        """, data: "(data (i32.const 0) \"k\") (data (i32.const 8) \"echo\")")

    @Test func echoReturnsInputAndBuffersWritesAndEvents() throws {
        let harness = Harness()
        try harness.deploy(Self.echo)
        let outcome = harness.call([1, 2, 3], apply: false)
        #expect(outcome.status == .success)
        #expect(outcome.returnData == [1, 2, 3])
        #expect(outcome.events == [Event(contract: Harness.contract, topic: "echo", data: [1, 2, 3])])
        #expect(outcome.writes == [StorageWrite(contract: Harness.contract, key: Array("k".utf8), value: [1, 2, 3])])
        #expect(outcome.fuelUsed > 0)
        #expect(harness.storage.value(contract: Harness.contract, key: Array("k".utf8)) == nil)
    }

    /// Reads key "k" into output; reverts with "missing" when absent.
    static let reader = contract(
        """
        (func (export "call") (local $n i32)
          (local.set $n (call $storage_get (i32.const 0) (i32.const 1) (i32.const 1024) (i32.const 256)))
          (if (i32.lt_s (local.get $n) (i32.const 0))
            (then (call $revert (i32.const 16) (i32.const 7))))
          (call $output_write (i32.const 1024) (local.get $n)))
        """, data: "(data (i32.const 0) \"k\") (data (i32.const 16) \"missing\")")

    @Test func revertCarriesTheMessageAndNoWrites() throws {
        let harness = Harness()
        try harness.deploy(Self.reader)
        let outcome = harness.call()
        #expect(outcome.status == .reverted("missing"))
        #expect(outcome.writes.isEmpty && outcome.events.isEmpty && outcome.returnData.isEmpty)
    }

    @Test func storageIsNamespacedPerContract() throws {
        let harness = Harness()
        try harness.deploy(Self.echo)
        try harness.deploy(Self.reader, at: Harness.other)
        #expect(harness.call([9, 9]).status == .success)
        #expect(harness.call(at: Harness.other).status == .reverted("missing"))
        try harness.deploy(Self.reader)
        #expect(harness.call().returnData == [9, 9])
    }

    @Test func callerBlockAndRoleAreVisible() throws {
        let harness = Harness()
        try harness.deploy(
            Self.contract(
                """
                (func (export "call")
                  (call $caller (i32.const 0))
                  (i32.store (i32.const 20) (call $caller_department (i32.const 24) (i32.const 8)))
                  (i64.store (i32.const 32) (call $block_height))
                  (i64.store (i32.const 40) (call $block_timestamp))
                  (i32.store (i32.const 48) (call $caller_has_role (i32.const 1)))
                  (i32.store (i32.const 52) (call $caller_has_role (i32.const 0)))
                  (call $output_write (i32.const 0) (i32.const 56)))
                """))
        let out = harness.call(roles: [.issuer]).returnData
        #expect(Array(out[0..<20]) == Harness.sender.bytes)
        #expect(Array(out[20..<24]) == [2, 0, 0, 0])
        #expect(Array(out[24..<26]) == Array("TD".utf8))
        #expect(Array(out[32..<40]) == [7, 0, 0, 0, 0, 0, 0, 0])
        #expect(out[48] == 1 && out[52] == 0)
    }

    @Test func sha256MatchesTheHostHash() throws {
        let harness = Harness()
        try harness.deploy(
            Self.contract(
                """
                (func (export "call")
                  (call $input_read (i32.const 0))
                  (call $sha256 (i32.const 0) (call $input_size) (i32.const 512))
                  (call $output_write (i32.const 512) (i32.const 32)))
                """))
        #expect(harness.call(Array("abc".utf8)).returnData == Hash.sha256(Array("abc".utf8)).bytes)
    }

    @Test func queryReadsAnotherContractAndCannotWrite() throws {
        let harness = Harness()
        try harness.deploy(Self.echo)
        #expect(harness.call([4, 2]).status == .success)
        try harness.deploy(Self.reader, at: Harness.other)
        // The querier asks `contract` (reader after redeploy) for key "k" and forwards the answer.
        let querier = Self.contract(
            """
            (func (export "call") (local $n i32)
              (local.set $n (call $query (i32.const 0) (i32.const 64) (i32.const 0) (i32.const 1024) (i32.const 256)))
              (if (i32.lt_s (local.get $n) (i32.const 0)) (then (unreachable)))
              (call $output_write (i32.const 1024) (local.get $n)))
            """, data: "(data (i32.const 0) \"\(String(repeating: "\\c0", count: 20))\")")
        try harness.deploy(Self.reader)
        try harness.deploy(querier, at: Harness.other)
        let outcome = harness.call(at: Harness.other)
        #expect(outcome.status == .success)
        #expect(outcome.returnData == [4, 2])
        // A query of a contract that writes traps inside the query; the querier sees -1.
        try harness.deploy(Self.echo)
        #expect(harness.call(at: Harness.other).status == .trapped("unreachable"))
    }

    // MARK: Hostile modules

    @Test func infiniteLoopRunsOutOfFuel() throws {
        let harness = Harness()
        try harness.deploy(Self.contract("(func (export \"call\") (loop $l (br $l)))"))
        let outcome = harness.call(fuel: 50_000)
        #expect(outcome.status == .outOfFuel)
        #expect(outcome.fuelUsed == 50_000)
        let receipt = outcome.receipt(transactionHash: .zero)
        #expect(receipt.status == .outOfFuel && receipt.errorMessage == "out of fuel" && receipt.fuelUsed == 50_000)
    }

    @Test func memoryGrowBombIsDeniedAtThePageLimit() throws {
        let harness = Harness()
        // No declared maximum: only the VM's resource limiter stops the growth.
        try harness.deploy(
            Harness.module(
                imports: Self.hostImports, memory: "(memory (export \"memory\") 1)",
                body: """
                    (func (export "call")
                      (loop $l (br_if $l (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
                      (i32.store (i32.const 0) (memory.size))
                      (call $output_write (i32.const 0) (i32.const 4)))
                    """))
        let outcome = harness.call()
        #expect(outcome.status == .success)
        #expect(outcome.returnData == [UInt8(ContractLimits.memoryPagesMax), 0, 0, 0])
    }

    @Test func unboundedMemoryDeclarationIsCappedAtRunTime() throws {
        let harness = Harness()
        try harness.deploy(
            Harness.module(
                memory: "(memory (export \"memory\") 1)",
                body: "(func (export \"call\") (if (i32.ne (memory.grow (i32.const 100)) (i32.const -1)) (then (unreachable))))"))
        #expect(harness.call().status == .success)
    }

    @Test func deepRecursionTrapsWithCallStackExhausted() throws {
        let harness = Harness()
        try harness.deploy(Self.contract("(func $r (export \"call\") (call $r))"))
        let outcome = harness.call(fuel: 100_000_000)
        #expect(outcome.status == .trapped("call stack exhausted"))
    }

    @Test func hugeOutputTraps() throws {
        let harness = Harness()
        try harness.deploy(
            Self.contract(
                "(func (export \"call\") (loop $l (call $output_write (i32.const 0) (i32.const 60000)) (br $l)))"))
        let outcome = harness.call(fuel: 10_000_000)
        #expect(outcome.status == .trapped("output exceeds the limit of \(ContractLimits.outputBytesMax) bytes"))
    }

    @Test func oversizedStorageKeyAndValueTrap() throws {
        let harness = Harness()
        try harness.deploy(
            Self.contract(
                "(func (export \"call\") (call $storage_set (i32.const 0) (i32.const 257) (i32.const 0) (i32.const 1)))"))
        #expect(harness.call().status == .trapped("storage key of 257 bytes exceeds the limit of 256"))
        try harness.deploy(
            Self.contract(
                "(func (export \"call\") (call $storage_set (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 16385)))"))
        #expect(harness.call().status == .trapped("storage value of 16385 bytes exceeds the limit of 16384"))
    }

    @Test func outOfBoundsPointerTraps() throws {
        let harness = Harness()
        try harness.deploy(Self.contract("(func (export \"call\") (call $output_write (i32.const 131000) (i32.const 1000)))"))
        #expect(harness.call().status == .trapped("output: memory access out of bounds"))
    }

    @Test func hostCallsChargeFuelByTheByte() throws {
        let harness = Harness()
        try harness.deploy(Self.echo)
        let small = harness.call([1], apply: false).fuelUsed
        let large = harness.call([UInt8](repeating: 1, count: 1001), apply: false).fuelUsed
        let perByte = FuelCost.copyPerByte * 2 + FuelCost.storageWritePerByte + FuelCost.eventPerByte
        #expect(large - small == 1000 * perByte)
        #expect(harness.call([UInt8](repeating: 1, count: 1001), fuel: large - 1).status == .outOfFuel)
    }

    /// Reused instances must look fresh: memory and exported mutable globals written by one call are
    /// restored before the next.
    @Test func noStateSurvivesFromOneCallToTheNext() throws {
        let harness = Harness()
        try harness.deploy(
            Self.contract(
                """
                (global $g (export "g") (mut i32) (i32.const 5))
                (func (export "call")
                  (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
                  (i32.store (i32.const 4) (global.get $g))
                  (global.set $g (i32.const 99))
                  (call $output_write (i32.const 0) (i32.const 8)))
                """, data: "(data (i32.const 0) \"\\07\")"))
        for _ in 0..<3 { #expect(harness.call().returnData == [8, 0, 0, 0, 5, 0, 0, 0]) }
    }

    @Test func aContractMayQueryItself() throws {
        let harness = Harness()
        try harness.deploy(
            Self.contract(
                """
                (func (export "call") (local $n i32)
                  (if (i32.eqz (call $input_size)) (then
                    (local.set $n (call $query (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 8)))
                    (call $output_write (i32.const 64) (local.get $n))
                    (return)))
                  (call $output_write (i32.const 20) (i32.const 2)))
                """, data: "(data (i32.const 0) \"\(String(repeating: "\\c0", count: 20))ok\")"))
        #expect(harness.call().returnData == Array("ok".utf8))
    }

    @Test func unknownContractTraps() {
        let harness = Harness()
        #expect(harness.call().status == .trapped("no contract at \(Harness.contract)"))
    }

    @Test func sameCallsInTwoVMsGiveIdenticalOutcomes() throws {
        func run() throws -> [ContractOutcome] {
            let harness = Harness()
            try harness.deploy(Self.echo)
            try harness.deploy(Self.reader, at: Harness.other)
            return (0..<20).map { index in
                harness.call([UInt8](repeating: UInt8(index), count: index), at: index % 3 == 0 ? Harness.other : Harness.contract)
            }
        }
        #expect(try run() == run())
    }
}
