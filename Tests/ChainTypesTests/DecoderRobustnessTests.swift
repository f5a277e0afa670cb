import ChainTypes
import Foundation
import Testing

/// Seeded random and mutated inputs for every decoder that reads untrusted bytes (DESIGN §8.6).
///
/// A decoder may reject any input, but it must never crash, and anything it accepts must re-encode to the
/// exact input bytes (one value, one encoding). `SBP_FUZZ_ITERATIONS` raises the count for a longer run;
/// `SBP_FUZZ_SEED` replays a different seed.
@Suite("Decoder robustness")
struct DecoderRobustnessTests {
    static let iterations = environmentInteger("SBP_FUZZ_ITERATIONS") ?? 100_000
    static let seed = UInt64(environmentInteger("SBP_FUZZ_SEED") ?? 0x5eed_5b9)

    struct Target: Sendable, CustomTestStringConvertible {
        let name: String
        let samples: [[UInt8]]
        let decodeAndReencode: @Sendable ([UInt8]) -> [UInt8]?
        var testDescription: String { name }
    }

    static func target<Value: CanonicalCodable>(_ type: Value.Type, _ samples: [Value]) -> Target {
        Target(name: "\(type)", samples: samples.map(\.canonicalBytes)) { bytes in
            (try? Value(canonicalBytes: bytes))?.canonicalBytes
        }
    }

    static let targets: [Target] = [
        target(Transaction.self, [Fixtures.transaction(), Fixtures.transaction(nonce: 1, payload: [])]),
        target(BlockHeader.self, [Fixtures.block().header]),
        target(Block.self, [Fixtures.block(height: 1, transactionCount: 1), Fixtures.block(height: 9, transactionCount: 2)]),
        target(CommitCertificate.self, [Fixtures.certificate()]),
        target(ValidatorSet.self, [Fixtures.validatorSet(count: 4)]),
        target(Receipt.self, [Fixtures.receipt()]),
        target(Event.self, [Fixtures.event()]),
    ]

    @Test("mutated inputs never crash and accepted ones re-encode identically", arguments: targets)
    func mutatedInputs(_ target: Target) {
        var random = SplitMix64(seed: Self.seed ^ UInt64(truncatingIfNeeded: target.name.hashValueStable))
        var accepted = 0
        for iteration in 0..<Self.iterations {
            let sample = target.samples[iteration % target.samples.count]
            let input = Mutator.mutate(sample, using: &random)
            if let reencoded = target.decodeAndReencode(input) {
                accepted += 1
                #expect(reencoded == input, "seed \(Self.seed) iteration \(iteration): accepted input re-encodes differently")
                if reencoded != input { return }
            }
        }
        // The unmutated samples must decode, or the harness tests nothing.
        for sample in target.samples { #expect(target.decodeAndReencode(sample) == sample) }
        #expect(accepted < Self.iterations, "every mutation was accepted: the mutator is not mutating")
    }
}

/// Byte-level mutations of a valid encoding: bit flips, byte sets, hostile lengths, cuts, splices, noise.
enum Mutator {
    static func mutate(_ sample: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = sample
        let rounds = 1 + Int(random.next() % 3)
        for _ in 0..<rounds {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 9 {
            case 0 where !bytes.isEmpty:
                bytes[position] ^= 1 << UInt8(random.next() % 8)
            case 1 where !bytes.isEmpty:
                bytes[position] = UInt8(truncatingIfNeeded: random.next())
            case 2 where bytes.count >= 4:
                // A hostile length prefix at a random position.
                let start = min(position, bytes.count - 4)
                let values: [UInt32] = [0, 1, 0xffff_ffff, 0x7fff_ffff, UInt32(bytes.count), UInt32(truncatingIfNeeded: random.next())]
                let value = values[Int(random.next() % UInt64(values.count))]
                for offset in 0..<4 { bytes[start + offset] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(offset))) }
            case 3:
                bytes = Array(bytes.prefix(position))
            case 4:
                bytes.append(contentsOf: (0..<(1 + random.next() % 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            case 5 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + Int(random.next() % 16))
                bytes.removeSubrange(position..<end)
            case 6 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + Int(random.next() % 16))
                bytes.insert(contentsOf: bytes[position..<end], at: Int(random.next() % UInt64(bytes.count)))
            case 7:
                bytes = (0..<(random.next() % 256)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            default:
                if !bytes.isEmpty { bytes[position] = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xff][Int(random.next() % 6)] }
            }
        }
        return bytes
    }
}

/// A tiny seeded generator so every failure replays exactly from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: stable across processes, unlike `hashValue`.
    var hashValueStable: Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash)
    }
}

func environmentInteger(_ name: String) -> Int? {
    guard let value = getenv(name) else { return nil }
    return Int(String(cString: value))
}
