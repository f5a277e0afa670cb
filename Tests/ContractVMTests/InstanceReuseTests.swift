import ChainTypes
import Testing

@testable import ContractVM

/// A reused instance must be indistinguishable from a fresh one (issue 18 made the reset clear zero ranges
/// instead of copying the whole image, and kept the interpreter stacks between calls).
@Suite struct InstanceReuseTests {
    /// Data at three places with zero gaps between them (one shorter than `ContractInstance.zeroGapBytesMin`);
    /// each call returns the words at a data byte, in the short gap, in the long gap and at the end of the
    /// memory, then overwrites them (and one more in the zero tail).
    static let scribbler = Harness.module(
        imports: ExecutionTests.hostImports, memory: "(memory (export \"memory\") 2 2)",
        body: """
            (func (export "call")
              (i32.store (i32.const 60000) (i32.load (i32.const 0)))
              (i32.store (i32.const 60004) (i32.load (i32.const 100)))
              (i32.store (i32.const 60008) (i32.load (i32.const 3000)))
              (i32.store (i32.const 60012) (i32.load (i32.const 131068)))
              (call $output_write (i32.const 60000) (i32.const 16))
              (i32.store (i32.const 0) (i32.const -1))
              (i32.store (i32.const 100) (i32.const -1))
              (i32.store (i32.const 3000) (i32.const -1))
              (i32.store (i32.const 131068) (i32.const -1))
              (i32.store (i32.const 130000) (i32.const -1)))
            (data (i32.const 0) "\\01\\02") (data (i32.const 200) "\\03") (data (i32.const 9000) "\\04")
            """)

    @Test func memoryIsFreshOnEveryCall() throws {
        let harness = Harness()
        try harness.deploy(Self.scribbler)
        for _ in 0..<3 {
            let outcome = harness.call(apply: false)
            #expect(outcome.status == .success)
            #expect(outcome.returnData == [1, 2, 0, 0] + [UInt8](repeating: 0, count: 12))
        }
    }

    @Test func dataRunsRebuildTheImage() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var image = [UInt8](repeating: 0, count: Int.random(in: 0...4096, using: &generator))
            for _ in 0..<Int.random(in: 0...20, using: &generator) where !image.isEmpty {
                let start = Int.random(in: 0..<image.count, using: &generator)
                for index in start..<min(image.count, start + Int.random(in: 1...300, using: &generator)) {
                    image[index] = UInt8.random(in: 0...3, using: &generator)
                }
            }
            let gap = Int.random(in: 1...512, using: &generator)
            let runs = ContractInstance.dataRuns(of: image, zeroGapBytesMin: gap)
            var rebuilt = [UInt8](repeating: 0, count: image.count)
            for run in runs { rebuilt[run] = image[run] }
            #expect(rebuilt == image)
            for (first, second) in zip(runs, runs.dropFirst()) { #expect(second.lowerBound - first.upperBound >= gap) }
            for run in runs { #expect(image[run.lowerBound] != 0 && image[run.upperBound - 1] != 0) }
        }
    }

    /// Each call recurses `input[0]` levels deep (a frame of locals each) and returns a sum of locals it
    /// never wrote: zero on a fresh stack, and zero on a reused one too, whatever ran on it before.
    static let recursive = ExecutionTests.contract(
        """
        (func $down (param $n i32) (result i64) (local $a i64) (local $b i64) (local $c i64)
          (if (result i64) (i32.eqz (local.get $n))
            (then (i64.add (local.get $a) (i64.add (local.get $b) (local.get $c))))
            (else
              (local.set $a (i64.const 7))
              (local.set $b (i64.const 11))
              (local.set $c (i64.const 13))
              (i64.add (call $down (i32.sub (local.get $n) (i32.const 1)))
                (i64.sub (local.get $a) (i64.add (i64.const 7) (i64.const 0)))))))
        (func (export "call")
          (call $input_read (i32.const 0))
          (i64.store (i32.const 8) (call $down (i32.load8_u (i32.const 0))))
          (call $output_write (i32.const 8) (i32.const 8)))
        """)

    @Test func reusedStacksGiveTheResultsOfFreshOnes() throws {
        let inputs: [[UInt8]] = [[200], [3], [255], [0], [50]]
        let reused = Harness()
        try reused.deploy(Self.recursive)
        let together = inputs.map { reused.call($0, apply: false) }
        for (input, outcome) in zip(inputs, together) {
            let fresh = Harness()
            try fresh.deploy(Self.recursive)
            #expect(fresh.call(input, apply: false) == outcome)
            #expect(outcome.returnData == [UInt8](repeating: 0, count: 8))
        }
    }

    /// A call that exhausts the interpreter stack traps; the calls after it on the same VM are unaffected.
    @Test func aStackOverflowLeavesLaterCallsAlone() throws {
        let harness = Harness()
        try harness.deploy(
            ExecutionTests.contract(
                """
                (func $forever (call $forever))
                (func (export "call") (if (call $input_size) (then (call $forever))) (call $output_write (i32.const 0) (i32.const 2)))
                """, data: "(data (i32.const 0) \"ok\")"))
        #expect(harness.call().returnData == Array("ok".utf8))
        #expect(harness.call([1]).status == .trapped("call stack exhausted"))
        #expect(harness.call().returnData == Array("ok".utf8))
    }
}
