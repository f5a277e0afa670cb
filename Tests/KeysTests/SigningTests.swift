import ChainTypes
import Testing

@testable import Keys

@Suite("Signing and verification")
struct SigningTests {
    @Test("a signature verifies under its key in recoverable, compact and DER form", arguments: 0..<8)
    func roundTrip(seed: Int) throws {
        let key = testKey(seed)
        let digest = testDigest(seed)
        let signature = key.sign(digest)
        #expect(key.publicKey.verify(signature: signature, digest: digest))
        for encoding in SignatureEncoding.allCases {
            let plain = try Signature(encoded: encoding.encode(Signature(signature)))
            #expect(key.publicKey.verify(signature: plain, digest: digest), "\(encoding)")
        }
    }

    @Test("signing is deterministic (RFC 6979) and always low-S", arguments: 0..<16)
    func deterministicLowS(seed: Int) {
        let key = testKey(seed % 4)
        let first = key.sign(testDigest(seed))
        let second = key.sign(testDigest(seed))
        #expect(first == second)
        #expect(Secp256k1Order.isLowS(first.compact[32..<64]))
    }

    /// Published RFC 6979 secp256k1/SHA-256 vectors (the "Satoshi Nakamoto" family). The same values come
    /// out of OpenSSL's deterministic ECDSA, an implementation independent of libsecp256k1; s is low-S.
    @Test(
        "known-answer RFC 6979 signatures",
        arguments: [
            (
                "0000000000000000000000000000000000000000000000000000000000000001", "Satoshi Nakamoto",
                "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
                "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d82442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"
            ),
            (
                "0000000000000000000000000000000000000000000000000000000000000001",
                "All those moments will be lost in time, like tears in rain. Time to die...",
                "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
                "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21"
            ),
            (
                "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "Satoshi Nakamoto",
                "0379be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
                "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d06b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5"
            ),
            (
                "f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181", "Alan Turing",
                "0292df7b245b81aa637ab4e867c8d511008f79161a97d64f2ac709600352f7acbc",
                "7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea"
            ),
        ])
    func knownAnswer(secret: String, message: String, publicKey: String, signature: String) throws {
        let key = try PrivateKey(bytes: bytes(hex: secret))
        #expect(key.publicKey.compressed == bytes(hex: publicKey))
        let signed = key.sign(Hash.sha256(Array(message.utf8)))
        #expect(signed.compact == bytes(hex: signature))
    }

    @Test("changing any byte of the digest makes verification fail", arguments: [0, 1, 15, 16, 30, 31])
    func tamperedDigest(position: Int) throws {
        let key = testKey(1)
        let digest = testDigest(1)
        let signature = key.sign(digest)
        var tamperedBytes = digest.bytes
        tamperedBytes[position] ^= 0x01
        let tampered = try #require(Hash(bytes: tamperedBytes))
        #expect(!key.publicKey.verify(signature: signature, digest: tampered))
        #expect(!key.publicKey.verify(signature: Signature(signature), digest: tampered))
    }

    @Test("changing a byte of r or s makes verification fail or parsing refuse", arguments: [0, 5, 31, 32, 47, 63])
    func tamperedSignature(position: Int) {
        let key = testKey(2)
        let digest = testDigest(2)
        var compact = key.sign(digest).compact
        compact[position] ^= 0x40
        if let tampered = try? Signature(compact: compact) {
            #expect(!key.publicKey.verify(signature: tampered, digest: digest))
        }
    }

    @Test("a high-S signature (n − s) is rejected, not normalized", arguments: SignatureEncoding.allCases)
    func highSRejected(encoding: SignatureEncoding) throws {
        let key = testKey(3)
        let digest = testDigest(3)
        let lowS = try Signature(compact: key.sign(digest).compact)
        let highS = try Signature(compact: highSTwin(of: lowS.compact))
        #expect(!highS.isLowS)
        let parsed = try Signature(encoded: encoding.encode(highS))
        #expect(parsed == highS, "parsing keeps the high S value")
        #expect(!key.publicKey.verify(signature: parsed, digest: digest))
        #expect(key.publicKey.verify(signature: lowS, digest: digest), "the low-S twin is valid")
    }

    @Test("a high-S value cannot even be wrapped as a recoverable signature")
    func highSRecoverableRefused() {
        let compact = highSTwin(of: testKey(3).sign(testDigest(3)).compact)
        #expect(throws: CanonicalDecodingError.self) { try RecoverableSignature(compact: compact, recoveryId: 0) }
    }

    @Test("a signature does not verify under another key")
    func wrongKey() {
        let digest = testDigest(4)
        let signature = testKey(4).sign(digest)
        #expect(!testKey(5).publicKey.verify(signature: signature, digest: digest))
    }

    @Test("recovery returns the signer's public key", arguments: 0..<8)
    func recovery(seed: Int) throws {
        let key = testKey(seed)
        let digest = testDigest(seed + 100)
        let recovered = try PublicKey.recover(signature: key.sign(digest), digest: digest)
        #expect(recovered == key.publicKey)
        #expect(recovered.address == key.address)
    }

    @Test("recovery over another digest, or with the other recovery id, gives another key")
    func recoveryMismatch() throws {
        let key = testKey(6)
        let signature = key.sign(testDigest(6))
        if let other = try? PublicKey.recover(signature: signature, digest: testDigest(7)) {
            #expect(other != key.publicKey)
        }
        let flipped = try RecoverableSignature(compact: signature.compact, recoveryId: signature.recoveryId ^ 1)
        if let other = try? PublicKey.recover(signature: flipped, digest: testDigest(6)) {
            #expect(other != key.publicKey)
        }
    }
}
