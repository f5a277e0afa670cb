import ChainTypes
import Crypto

/// SHA-256 through `Hash.sha256` (`CSHA256`, ADR 0020): throughput on large buffers and the rate on small
/// ones, with swift-crypto's `SHA256` on the small ones beside it (what `Hash.sha256` used before).
enum HashBenchmarks {
    /// Large-buffer size: 1 MiB.
    static let largeByteCount = 1 << 20
    /// Small-input size: two hashes, as in a Merkle node.
    static let smallByteCount = 64

    static func run(seconds: Double) -> [Figure] {
        let large = (0..<largeByteCount).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let small = Array(large.prefix(smallByteCount))
        var sink = Hash.zero
        let largeRate = measure(seconds: seconds, batch: 4) { sink = max(sink, Hash.sha256(large)) }
        let smallRate = measure(seconds: seconds, batch: 1024) { sink = max(sink, Hash.sha256(small)) }
        var digestSum: UInt64 = 0
        let swiftCryptoRate = measure(seconds: seconds, batch: 1024) {
            digestSum &+= SHA256.hash(data: small).withUnsafeBytes { UInt64($0[0]) + 1 }
        }
        precondition(sink != .zero && digestSum > 0)
        return [
            Figure(id: "sha256_1mib", name: "SHA-256, 1 MiB buffers", value: largeRate * Double(largeByteCount) / 1e6, unit: "MB/s"),
            Figure(id: "sha256_64b", name: "SHA-256, 64-byte inputs", value: smallRate, unit: "hashes/s"),
            Figure(id: "sha256_64b_swift_crypto", name: "SHA-256, 64-byte inputs (swift-crypto)", value: swiftCryptoRate, unit: "hashes/s"),
        ]
    }
}
