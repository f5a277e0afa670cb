import ChainTypes
import Testing

@testable import Keys

@Suite("Signature parsing: strict DER and compact")
struct SignatureParsingTests {
    /// A valid low-S signature by test key 0 over test digest 0, in both encodings.
    static let signature = Signature(testKey(0).sign(testDigest(0)))
    static let r = Array(signature.compact[0..<32])
    static let s = Array(signature.compact[32..<64])
    static let order = Secp256k1Order.order

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` from raw integer contents (no normalisation applied).
    static func der(_ rContent: [UInt8], _ sContent: [UInt8]) -> [UInt8] {
        let body = [0x02, UInt8(rContent.count)] + rContent + [0x02, UInt8(sContent.count)] + sContent
        return [0x30, UInt8(body.count)] + body
    }

    /// The minimal DER INTEGER content of a 32-byte unsigned value.
    static func minimal(_ value: [UInt8]) -> [UInt8] {
        let trimmed = Array(value.drop { $0 == 0 })
        return trimmed.first.map { $0 & 0x80 != 0 ? [0] + trimmed : trimmed } ?? [0]
    }

    @Test("DER produced by libsecp256k1 equals our reconstruction and parses back")
    func derRoundTrip() throws {
        let der = Self.signature.der
        #expect(der == Self.der(Self.minimal(Self.r), Self.minimal(Self.s)))
        #expect(try Signature(der: der) == Self.signature)
        #expect(try Signature(encoded: der) == Self.signature)
    }

    @Test(
        "non-strict or broken DER is malformed",
        arguments: [
            ("too short", [0x30, 0x04, 0x02, 0x01, 0x01, 0x02]),
            ("wrong outer tag", [0x31] + Array(der(minimal(r), minimal(s)).dropFirst())),
            ("long-form outer length", [0x30, 0x81] + Array(der(minimal(r), minimal(s)).dropFirst())),
            ("outer length too long", [0x30, der(minimal(r), minimal(s))[1] + 1] + Array(der(minimal(r), minimal(s)).dropFirst(2))),
            ("trailing byte", der(minimal(r), minimal(s)) + [0x00]),
            ("truncated", Array(der(minimal(r), minimal(s)).dropLast())),
            ("excess zero padding on r", der([0x00, 0x00] + minimal(r).drop { $0 == 0 }, minimal(s))),
            ("negative r", der([0x80] + Array(r.dropFirst()), minimal(s))),
            ("empty s", der(minimal(r), [])),
            ("r is zero", der([0x00], minimal(s))),
            ("r equals n", der([0x00] + order, minimal(s))),
            ("s equals n", der(minimal(r), [0x00] + order)),
            ("r wider than 32 bytes", der([0x01] + r, minimal(s))),
            ("wrong integer tag", [0x30, 0x06, 0x03, 0x01, 0x01, 0x02, 0x01, 0x01]),
        ] as [(String, [UInt8])])
    func malformedDER(name: String, bytes: [UInt8]) {
        #expect(throws: SignatureError.self, "\(name)") { try Signature(der: bytes) }
        #expect(throws: SignatureError.self, "\(name)") { try Signature(encoded: bytes) }
    }

    @Test(
        "compact signatures need 64 bytes and r, s in [1, n−1]",
        arguments: [
            ("63 bytes", Array(signature.compact.dropLast()), SignatureError.invalidCompactLength(63)),
            ("r = 0", [UInt8](repeating: 0, count: 32) + s, .scalarOutOfRange(component: "r")),
            ("r = n", order + s, .scalarOutOfRange(component: "r")),
            ("s = n", r + order, .scalarOutOfRange(component: "s")),
            ("s = 0xff…ff", r + [UInt8](repeating: 0xff, count: 32), .scalarOutOfRange(component: "s")),
        ] as [(String, [UInt8], SignatureError)])
    func malformedCompact(name: String, bytes: [UInt8], expected: SignatureError) {
        #expect(throws: expected, "\(name)") { try Signature(compact: bytes) }
    }

    @Test(
        "encoding detection: 64 bytes is compact, 0x30 is DER, anything else is unrecognized",
        arguments: [
            ([UInt8](repeating: 0x01, count: 65), SignatureError.unrecognizedEncoding(length: 65)),
            ([UInt8](repeating: 0x01, count: 63), .unrecognizedEncoding(length: 63)),
            ([], .unrecognizedEncoding(length: 0)),
            ([0x02, 0x01, 0x01], .unrecognizedEncoding(length: 3)),
        ])
    func unrecognized(bytes: [UInt8], expected: SignatureError) {
        #expect(throws: expected) { try Signature(encoded: bytes) }
    }

    @Test("64 bytes starting with 0x30 are read as compact")
    func compactStartingWith0x30() throws {
        let bytes = [0x30] + [UInt8](repeating: 0x01, count: 63)
        #expect(try Signature(encoded: bytes).compact == bytes)
    }

    @Test("a high-S signature is well-formed (parsing accepts it) but not low-S")
    func highSParses() throws {
        let highS = try Signature(compact: highSTwin(of: Self.signature.compact))
        #expect(!highS.isLowS)
        #expect(try Signature(der: highS.der) == highS)
    }
}
