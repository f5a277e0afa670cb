import CRocksDBChecksum
import Testing

@testable import StorageRocksDB

/// RocksDB's CRC-32C as `CRocksDBChecksum` computes it in its place (ADR 0025): the same values as the
/// library's own, so every file either writes stays readable by the other.
@Suite("RocksDB checksums")
struct RocksDBChecksumTests {
    /// The CRC-32C of `bytes` in one call.
    static func crc(_ bytes: [UInt8], from start: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { sbp_crc32c_extend(start, $0.baseAddress, $0.count) }
    }

    @Test("the check values of RFC 3720 §B.4 and the standard \"123456789\"")
    func knownValues() {
        #expect(Self.crc([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(Self.crc([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(Self.crc((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(Self.crc((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(Self.crc(Array("123456789".utf8)) == 0xE306_9283)
        #expect(Self.crc([]) == 0)
        let digits = Array("123456789".utf8)
        #expect(digits.withUnsafeBytes { sbp_crc32c_extend_portable(0, $0.baseAddress, $0.count) } == 0xE306_9283)
    }

    @Test("every length and alignment gives RocksDB's own value, whole and extended in two pieces, by both paths")
    func matchesRocksDB() throws {
        var generator = SeededGenerator(seed: 25)
        let buffer = (0..<(1 << 20) + 7).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var lengths = Array(0...300)
        lengths += [4_095, 4_096, 4_097, 65_536, 1 << 20]
        try buffer.withUnsafeBytes { bytes in
            for length in lengths {
                let offset = length % 8
                let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
                var own: UInt32 = 0
                try #require(sbp_crc32c_rocksdb_own(7, slice.baseAddress, slice.count, &own) == 1, "RocksDB's own Extend not found")
                let ours = sbp_crc32c_extend(7, slice.baseAddress, slice.count)
                #expect(ours == own, "length \(length) at offset \(offset)")
                #expect(sbp_crc32c_extend_portable(7, slice.baseAddress, slice.count) == own, "portable, length \(length)")
                let cut = length / 3
                let first = sbp_crc32c_extend(7, slice.baseAddress, cut)
                let extended = sbp_crc32c_extend(first, slice.baseAddress.map { $0 + cut }, length - cut)
                #expect(extended == own, "length \(length) cut at \(cut)")
            }
        }
    }

    @Test("RocksDB's calls in this process resolve to this build's CRC-32C, on the processor's instruction")
    func interposed() {
        #expect(sbp_crc32c_is_interposed() == 1)
        #if arch(x86_64)
            // x86-64 processors have had SSE 4.2 since 2008 (Intel) and 2011 (AMD); one without takes the table.
            #expect(sbp_crc32c_is_hardware() == 1)
            #expect(RocksDBStore.checksumDescription == "CRC-32C by the processor's SSE 4.2 instruction")
        #endif
    }
}
