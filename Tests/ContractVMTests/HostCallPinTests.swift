import ChainTypes
import Testing

@testable import ContractVM

/// Every host function's result, and the fuel a call using all of them is charged, pinned to the values of
/// the array-based host functions they replaced (issue 18): the buffer form must change nothing a receipt
/// records.
@Suite struct HostCallPinTests {
    /// Calls every host function once (two ways where the result depends on a bound) and returns what they
    /// wrote and returned; the query goes to `Harness.other`, which echoes its input.
    static let everyHostFunction = ExecutionTests.contract(
        """
        (func (export "call")
          (i32.store (i32.const 2048) (call $input_size))
          (call $input_read (i32.const 2052))
          (call $caller (i32.const 2060))
          (call $contract_address (i32.const 2080))
          (i32.store (i32.const 2100) (call $caller_department (i32.const 2104) (i32.const 16)))
          (i32.store (i32.const 2120) (call $caller_department (i32.const 2124) (i32.const 1)))
          (i32.store (i32.const 2128) (call $caller_has_role (i32.const 1)))
          (i32.store (i32.const 2132) (call $caller_has_role (i32.const 9)))
          (i64.store (i32.const 2136) (call $block_height))
          (i64.store (i32.const 2144) (call $block_timestamp))
          (call $sha256 (i32.const 2052) (i32.const 3) (i32.const 2152))
          (call $storage_set (i32.const 0) (i32.const 1) (i32.const 2052) (i32.const 3))
          (i32.store (i32.const 2184) (call $storage_get (i32.const 0) (i32.const 1) (i32.const 2188) (i32.const 8)))
          (i32.store (i32.const 2196) (call $storage_get (i32.const 1) (i32.const 1) (i32.const 2200) (i32.const 8)))
          (i32.store (i32.const 2208) (call $storage_get (i32.const 0) (i32.const 1) (i32.const 2212) (i32.const 2)))
          (call $storage_delete (i32.const 2) (i32.const 1))
          (call $emit_event (i32.const 8) (i32.const 4) (i32.const 2052) (i32.const 3))
          (i32.store (i32.const 2216) (call $query (i32.const 16) (i32.const 2052) (i32.const 3) (i32.const 2220) (i32.const 16)))
          (i32.store (i32.const 2236) (call $query (i32.const 16) (i32.const 2052) (i32.const 3) (i32.const 2240) (i32.const 2)))
          (call $output_write (i32.const 2048) (i32.const 200)))
        """,
        data: "(data (i32.const 0) \"kmd\") (data (i32.const 8) \"echo\") (data (i32.const 16) \"\(String(repeating: "\\c1", count: 20))\")"
    )

    static let echo = ExecutionTests.contract(
        """
        (func (export "call")
          (call $input_read (i32.const 1024))
          (call $output_write (i32.const 1024) (call $input_size)))
        """)

    /// Hex of the 200 bytes the call returns, and its fuel, as the array-based host functions gave them.
    static let pinnedOutput =
        "0300000001020300000000005e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5ec0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"
        + "c0c0c0c00200000054440000000000000000000000000000ffffffff0000000001000000000000000700000000000000"
        + "00f1536500000000039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb810300000001020300"
        + "00000000ffffffff00000000000000000300000000000000030000000102030000000000000000000000000003000000"
        + "0000000000000000"
    static let pinnedFuel: UInt64 = 7_364

    @Test func everyHostFunctionGivesItsPinnedResultAndFuel() throws {
        for metered in [true, false] {
            let harness = Harness(metered: metered)
            try harness.deploy(Self.everyHostFunction)
            try harness.deploy(Self.echo, at: Harness.other)
            for _ in 0..<2 {
                let outcome = harness.call([1, 2, 3], apply: false)
                #expect(outcome.status == .success)
                #expect(Hex.encode(outcome.returnData) == Self.pinnedOutput, "output \(Hex.encode(outcome.returnData))")
                if metered { #expect(outcome.fuelUsed == Self.pinnedFuel, "fuel \(outcome.fuelUsed)") }
                #expect(outcome.events == [Event(contract: Harness.contract, topic: "echo", data: [1, 2, 3])])
                #expect(
                    outcome.writes == [
                        StorageWrite(contract: Harness.contract, key: Array("k".utf8), value: [1, 2, 3]),
                        StorageWrite(contract: Harness.contract, key: Array("d".utf8), value: nil),
                    ])
            }
        }
    }
}
