import ChainTypes
import Testing

@testable import Keys

@Suite("Private and public key parsing")
struct KeyParsingTests {
    static let order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"

    @Test(
        "private keys outside [1, n−1] or of the wrong length are refused",
        arguments: [
            (String(repeating: "00", count: 32), PrivateKeyError.outOfRange),
            (order, .outOfRange),
            ("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142", .outOfRange),
            (String(repeating: "ff", count: 32), .outOfRange),
            (String(repeating: "11", count: 31), .invalidLength(31)),
            (String(repeating: "11", count: 33), .invalidLength(33)),
            ("", .invalidLength(0)),
        ])
    func invalidPrivateKey(hex: String, expected: PrivateKeyError) {
        #expect(throws: expected) { try PrivateKey(bytes: bytes(hex: hex)) }
    }

    @Test(
        "the edges 1 and n−1 are valid private keys",
        arguments: [
            "0000000000000000000000000000000000000000000000000000000000000001",
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140",
        ])
    func edgePrivateKeys(hex: String) throws {
        let key = try PrivateKey(bytes: bytes(hex: hex))
        #expect(key.publicKey.verify(signature: key.sign(testDigest(0)), digest: testDigest(0)))
    }

    @Test("generated keys differ and their description hides the secret")
    func generation() {
        let first = PrivateKey()
        let second = PrivateKey()
        #expect(first.publicKey != second.publicKey)
        let secretHex = first.withUnsafeSecretBytes { Hex.encode($0) }
        #expect(!first.description.contains(secretHex))
        #expect(first.description.contains(first.address.description))
    }

    static let malformedPublicKeys: [(String, PublicKeyError)] = {
        let zeros31 = String(repeating: "00", count: 31)
        return [
            ("", .invalidLength(0)),
            (String(repeating: "02", count: 32), .invalidLength(32)),
            ("04" + String(repeating: "11", count: 32), .invalidPrefix(0x04)),
            ("05" + String(repeating: "11", count: 32), .invalidPrefix(0x05)),
            ("06" + String(repeating: "11", count: 64), .invalidPrefix(0x06)),
            ("02" + String(repeating: "ff", count: 32), .notOnCurve),
            // x = 5: 5³ + 7 = 132 is not a square mod p, so no point has this x.
            ("02" + zeros31 + "05", .notOnCurve),
            ("04" + zeros31 + "01" + zeros31 + "01", .notOnCurve),
        ]
    }()

    @Test("malformed public keys are refused with the reason", arguments: malformedPublicKeys)
    func invalidPublicKey(hex: String, expected: PublicKeyError) {
        #expect(throws: expected) { try PublicKey(bytes: bytes(hex: hex)) }
    }

    @Test("compressed and uncompressed encodings parse to the same key", arguments: 0..<4)
    func encodings(seed: Int) throws {
        let key = testKey(seed).publicKey
        #expect(key.compressed.count == 33)
        #expect(key.uncompressed.count == 65 && key.uncompressed[0] == 0x04)
        #expect(try PublicKey(bytes: key.uncompressed) == key)
        #expect(try PublicKey(bytes: key.compressed) == key)
        #expect(try PublicKey(bytes: key.uncompressed).compressed == key.compressed)
    }

    @Test("the address is the last 20 bytes of SHA-256 of the compressed key")
    func address() throws {
        let key = try PublicKey(bytes: bytes(hex: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"))
        let digest = Hash.sha256(key.compressed).bytes
        #expect(key.address.bytes == Array(digest.suffix(20)))
    }
}
