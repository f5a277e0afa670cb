import ChainTypes
import Foundation
import Testing

@Suite("Hex text")
struct HexTests {
    /// Every byte's two digits, written the slow way the encoder must agree with.
    private static func expected(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }

    @Test("every byte value encodes to its two lower-case digits, from any kind of sequence")
    func encodesEveryByte() {
        let all = (0...255).map { UInt8($0) }
        let expected = Self.expected(all)
        #expect(Hex.encode(all) == expected)
        #expect(Hex.encode(all[10..<20]) == Self.expected(Array(all[10..<20])))
        #expect(Hex.encode(Data(all)) == expected)
        #expect(Hex.encode(all.lazy.map { $0 }) == expected)  // not contiguous: the copying path
        #expect(Hex.encode(stride(from: 0, through: 255, by: 1).lazy.map { UInt8($0) }) == expected)
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.encode([UInt8]().lazy.map { $0 }) == "")
    }

    @Test("decoding what was encoded gives the bytes back", arguments: [0, 1, 2, 31, 32, 33, 300])
    func roundTrip(count: Int) {
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let text = Hex.encode(bytes)
        #expect(text.utf8.count == 2 * count)
        #expect(Hex.decode(text) == bytes)
        #expect(Hex.decode("0x" + text) == bytes)
    }
}
