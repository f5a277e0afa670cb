import ChainTypes
import Foundation
import StateTree
import Testing

/// Proofs reach verifiers from untrusted nodes, and tree nodes come back from disk: both decoders get
/// 100,000 seeded mutations per run (DESIGN §8.6). They may reject anything, never crash, and whatever
/// they accept must re-encode to the exact input bytes. `SBP_FUZZ_ITERATIONS` raises the count.
@Suite("State tree decoder robustness")
struct StateTreeDecoderRobustnessTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["SBP_FUZZ_ITERATIONS"] ?? "") ?? 100_000

    static func mutate(_ sample: [UInt8], using random: inout SeededGenerator) -> [UInt8] {
        var bytes = sample
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 6 {
            case 0 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8(random.next() % 8)
            case 1 where !bytes.isEmpty: bytes[position] = [0x00, 0x01, 0x02, 0x7f, 0xff][Int(random.next() % 5)]
            case 2: bytes = Array(bytes.prefix(position))
            case 3 where bytes.count >= 4:
                let start = min(position, bytes.count - 4)
                for offset in 0..<4 { bytes[start + offset] = offset == 3 ? 0x7f : 0xff }
            case 4: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            default: bytes.append(UInt8(truncatingIfNeeded: random.next()))
            }
        }
        return bytes
    }

    static func fuzz<Value: CanonicalCodable>(_ type: Value.Type, samples: [[UInt8]], seed: UInt64) -> Int {
        var random = SeededGenerator(seed: seed)
        var accepted = 0
        for iteration in 0..<iterations {
            let input = mutate(samples[iteration % samples.count], using: &random)
            if let value = try? Value(canonicalBytes: input) {
                accepted += 1
                #expect(value.canonicalBytes == input, "\(type) iteration \(iteration)")
            }
        }
        return accepted
    }

    @Test("mutated proofs and tree nodes never crash their decoders")
    func mutatedInputs() throws {
        var store = MemoryTreeStore()
        let keys = (0..<64).map { StateKey(namespace: Array("records".utf8), key: [UInt8($0)]) }
        let update = try SparseMerkleTree(reader: store).update(
            keys.map { .put($0, Array("licence".utf8)) }, version: 1, previousVersion: nil)
        store.write(update)
        let tree = SparseMerkleTree(reader: store)
        let proofs = try [keys[3], StateKey(namespace: Array("absent".utf8), key: [1])].map { try tree.proof(for: $0, at: 1).proof }
        let proofSamples = proofs.map(\.canonicalBytes)
        let nodeSamples = update.nodes.prefix(8).map(\.node.canonicalBytes)
        #expect(proofSamples.allSatisfy { (try? StateProof(canonicalBytes: $0)) != nil })
        #expect(Self.fuzz(StateProof.self, samples: proofSamples, seed: 11) < Self.iterations)
        #expect(Self.fuzz(TreeNode.self, samples: Array(nodeSamples), seed: 12) < Self.iterations)
    }
}
