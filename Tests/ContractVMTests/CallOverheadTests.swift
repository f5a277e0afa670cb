import ChainTypes
import Testing

@testable import ContractVM

/// What issue 18's cheaper call path (vm14) must not change: the buffered writes a call sees and returns
/// on either side of `HostSession.scannedWritesMax`, the module a contract runs after its code changed,
/// and the checks and order of `emit_event`'s traps now that its topic is validated in place.
@Suite struct CallOverheadTests {
    /// With `n = input[0]`: sets key [i] to [i] for each i < n, then sets it to [i + 100] (low byte; or deletes it when
    /// 7 divides i), then reads keys 0 ... n + 1 and returns, for each, the length `storage_get` gave
    /// (4 bytes) and the value byte it copied.
    static let rewriter = ExecutionTests.contract(
        """
        (func $set (param $key i32) (param $value i32)
          (i32.store8 (i32.const 16) (local.get $key))
          (i32.store8 (i32.const 17) (local.get $value))
          (call $storage_set (i32.const 16) (i32.const 1) (i32.const 17) (i32.const 1)))
        (func (export "call") (local $n i32) (local $i i32)
          (call $input_read (i32.const 0))
          (local.set $n (i32.load8_u (i32.const 0)))
          (block $done (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (call $set (local.get $i) (local.get $i))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
          (local.set $i (i32.const 0))
          (block $done (loop $next
            (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
            (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 7)))
              (then
                (i32.store8 (i32.const 16) (local.get $i))
                (call $storage_delete (i32.const 16) (i32.const 1)))
              (else (call $set (local.get $i) (i32.add (local.get $i) (i32.const 100)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
          (local.set $i (i32.const 0))
          (block $done (loop $next
            (br_if $done (i32.gt_u (local.get $i) (i32.add (local.get $n) (i32.const 1))))
            (i32.store8 (i32.const 16) (local.get $i))
            (i32.store (i32.add (i32.const 2048) (i32.mul (local.get $i) (i32.const 5)))
              (call $storage_get (i32.const 16) (i32.const 1)
                (i32.add (i32.const 2052) (i32.mul (local.get $i) (i32.const 5))) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $next)))
          (call $output_write (i32.const 2048) (i32.mul (i32.add (local.get $n) (i32.const 2)) (i32.const 5))))
        """)

    @Test(arguments: [0, 1, 7, 8, 9, 10, 30, 200])
    func writesOnEitherSideOfTheScanLimitKeepOneEntryPerKey(count: Int) throws {
        let harness = Harness()
        try harness.deploy(Self.rewriter)
        // A committed value the call reads (key n), and one its own writes hide (key 1, when it writes key 1).
        harness.storage.apply([StorageWrite(contract: Harness.contract, key: [UInt8(count)], value: [77])])
        if count > 1 { harness.storage.apply([StorageWrite(contract: Harness.contract, key: [1], value: [55])]) }
        var expectedWrites: [StorageWrite] = []
        var expectedOutput: [UInt8] = []
        for key in 0..<count {
            let value: [UInt8]? = key % 7 == 0 ? nil : [UInt8(truncatingIfNeeded: key + 100)]
            expectedWrites.append(StorageWrite(contract: Harness.contract, key: [UInt8(key)], value: value))
            expectedOutput += value.map { [1, 0, 0, 0] + $0 } ?? [0xFF, 0xFF, 0xFF, 0xFF, 0]
        }
        expectedOutput += [1, 0, 0, 0, 77, 0xFF, 0xFF, 0xFF, 0xFF, 0]
        for _ in 0..<2 {
            let outcome = harness.call([UInt8(count)], apply: false)
            #expect(outcome.status == .success)
            #expect(outcome.writes == expectedWrites)
            #expect(outcome.returnData == expectedOutput)
        }
    }

    /// Returns the one byte at address 0 of its data: which code ran.
    static func marker(_ byte: UInt8) -> String {
        ExecutionTests.contract(
            "(func (export \"call\") (call $output_write (i32.const 0) (i32.const 1)))",
            data: "(data (i32.const 0) \"\\\(Hex.encode([byte]))\")")
    }

    @Test func aContractRunsTheCodeItHasNowWhateverRanBefore() throws {
        let harness = Harness()
        let first = try Harness.wasm(Self.marker(0x0A)), second = try Harness.wasm(Self.marker(0x0B))
        harness.storage.deploy(code: first, at: Harness.contract)
        harness.storage.deploy(code: second, at: Harness.other)
        // Interleaved calls of two contracts, each with its own code.
        for _ in 0..<2 {
            #expect(harness.call(apply: false).returnData == [0x0A])
            #expect(harness.call(at: Harness.other, apply: false).returnData == [0x0B])
        }
        // The same address with new code (an upgrade), then the old code again: never the module of the last call.
        #expect(harness.call(apply: false).returnData == [0x0A])
        harness.storage.deploy(code: second, at: Harness.contract)
        #expect(harness.call(apply: false).returnData == [0x0B])
        harness.storage.deploy(code: first, at: Harness.contract)
        #expect(harness.call(apply: false).returnData == [0x0A])
        #expect(harness.call(apply: false).returnData == [0x0A])
    }

    /// Emits an event whose topic is `input[0]` bytes at 64 and whose data is `input[1]` bytes at
    /// `input[2] * 65536 - 1` (65535 in bounds, 131071 out of the two pages).
    static let emitter = Harness.module(
        imports: ExecutionTests.hostImports, memory: "(memory (export \"memory\") 2 2)",
        body: """
            (func (export "call")
              (call $input_read (i32.const 0))
              (call $emit_event (i32.const 64) (i32.load8_u (i32.const 0))
                (i32.sub (i32.mul (i32.load8_u (i32.const 2)) (i32.const 65536)) (i32.const 1)) (i32.load8_u (i32.const 1))))
            (data (i32.const 64) "Lizenz-\\c3\\84\\ff")
            """)

    @Test func eventTopicsAreCheckedAsBefore() throws {
        let harness = Harness()
        try harness.deploy(Self.emitter)
        let valid = harness.call([9, 1, 1], apply: false)
        #expect(valid.status == .success)
        #expect(valid.events == [Event(contract: Harness.contract, topic: "Lizenz-Ä", data: [0])])
        #expect(harness.call([0, 0, 1], apply: false).events == [Event(contract: Harness.contract, topic: "", data: [])])
        #expect(harness.call([10, 1, 1], apply: false).status == .trapped("event topic is not UTF-8"))
        // A cut multi-byte character is not UTF-8 either.
        #expect(harness.call([8, 1, 1], apply: false).status == .trapped("event topic is not UTF-8"))
        // The data is read (and its bounds checked) before the topic's encoding is.
        #expect(harness.call([10, 2, 2], apply: false).status == .trapped("event data: memory access out of bounds"))
        #expect(harness.call([65, 1, 1], apply: false).status == .trapped("event topic of 65 bytes exceeds the limit of 64"))
    }
}
