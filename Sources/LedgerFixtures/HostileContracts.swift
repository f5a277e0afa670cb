/// WebAssembly text of contracts that try to hurt the chain (issue 14, deliver 7): each call must end in
/// a failed receipt or a bounded answer, never in a node that halts or a block that cannot be written.
///
/// Text, not bytes, so this target needs no assembler: tests compile it with WAT's `wat2wasm`. Every
/// module exports `memory` and `call`, the contract entry point (`ContractModule`).
public enum HostileContracts {
    /// A storage bomb: `call` writes `count` values of `valueBytes` bytes under distinct 4-byte keys.
    public static func storageBomb(count: Int, valueBytes: Int) -> String {
        """
        (module
          (import "sbp" "storage_set" (func $storage_set (param i32 i32 i32 i32)))
          (memory (export "memory") 1)
          (func (export "call") (local $n i32)
            (loop $l
              (i32.store (i32.const 0) (local.get $n))
              (call $storage_set (i32.const 0) (i32.const 4) (i32.const 1024) (i32.const \(valueBytes)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $n) (i32.const \(count)))))))
        """
    }

    /// An event flood: `call` emits `count` events with the topic `flood` and `dataBytes` bytes of data each,
    /// the first 4 bytes of which count the events.
    public static func eventFlood(count: Int, dataBytes: Int) -> String {
        """
        (module
          (import "sbp" "emit_event" (func $emit_event (param i32 i32 i32 i32)))
          (memory (export "memory") 1)
          (data (i32.const 0) "flood")
          (func (export "call") (local $n i32)
            (loop $l
              (i32.store (i32.const 1024) (local.get $n))
              (call $emit_event (i32.const 0) (i32.const 5) (i32.const 1024) (i32.const \(dataBytes)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br_if $l (i32.lt_u (local.get $n) (i32.const \(count)))))))
        """
    }

    /// Unbounded nesting: `call` queries its own address, so each query runs `call` one level deeper
    /// until the VM's depth limit (`ContractLimits.callDepthMax`) stops it; the answers are ignored.
    public static let selfQuery = """
        (module
          (import "sbp" "contract_address" (func $contract_address (param i32)))
          (import "sbp" "query" (func $query (param i32 i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "call")
            (call $contract_address (i32.const 0))
            (drop (call $query (i32.const 0) (i32.const 64) (i32.const 0) (i32.const 128) (i32.const 64)))))
        """
}
