import ChainTypes
import Consensus
import Foundation
import Testing

/// Consensus messages arrive from peers as bytes: their decoder must never crash, and anything it accepts
/// must re-encode to the same bytes (DESIGN §8.6).
@Suite("Consensus message decoding")
struct MessageDecodingTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["SBP_FUZZ_ITERATIONS"] ?? "") ?? 100_000

    static func samples() -> [[UInt8]] {
        var harness = Harness()
        harness.isolated = [0]
        harness.drops = {
            if case .commit(let commit) = $0 { return commit.payload.view == 0 }; return false
        }
        harness.isolated = []
        harness.step(0, .propose(harness.makeTransactions(2)))
        harness.deliverAll()
        harness.isolated = [0]
        harness.tick(until: { $0.chains[1].count == 1 })
        harness.tick(8)
        // One sample of every message kind the cluster produced, plus state-transfer messages.
        var byKind: [String: Message] = [:]
        for message in harness.sent.flatMap({ $0 }) {
            byKind[String(String(describing: message).prefix(12))] = message
        }
        byKind["fetch"] = .fetchBlocks(fromHeight: 3, requester: 2)
        byKind["blocks"] = .blocks(harness.chains[1])
        return byKind.keys.sorted().map { byKind[$0]!.canonicalBytes }
    }

    @Test("every sample message round-trips")
    func samplesRoundTrip() throws {
        let samples = Self.samples()
        #expect(samples.count >= 7)
        for bytes in samples { #expect(try Message(canonicalBytes: bytes).canonicalBytes == bytes) }
    }

    @Test("mutated messages never crash the decoder and accepted ones re-encode identically")
    func mutatedMessages() {
        let samples = Self.samples()
        var state: UInt64 = 0x5eed
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        var accepted = 0
        for iteration in 0..<Self.iterations {
            var bytes = samples[iteration % samples.count]
            for _ in 0..<(1 + Int(next() % 3)) {
                let position = bytes.isEmpty ? 0 : Int(next() % UInt64(bytes.count))
                switch next() % 4 {
                case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(next() % 8)
                case 1 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 2: bytes = Array(bytes.prefix(position))
                default: bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
                }
            }
            if let message = try? Message(canonicalBytes: bytes) {
                accepted += 1
                #expect(message.canonicalBytes == bytes, "iteration \(iteration)")
            }
        }
        #expect(accepted < Self.iterations)
    }
}
