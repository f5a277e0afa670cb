import CSHA256
import Crypto
import Testing

@testable import ChainTypes

/// `SHA256State` (ADR 0020) must give FIPS 180-4's digests on both compressions, for every length and
/// however the bytes are split into updates: every hash of the chain goes through it.
@Suite(.serialized) struct SHA256StateTests {
    /// FIPS 180-2 Appendix B's examples and the one-million-`a` message.
    @Test func knownAnswers() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let cases: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ]
        for portable in [false, true] {
            csha256_force_portable(portable ? 1 : 0)
            defer { csha256_force_portable(0) }
            for (message, digest) in cases {
                #expect(Hash.sha256(message) == Hash(hex: digest), "\(message.count) bytes, portable \(portable)")
            }
        }
    }

    /// Lengths around every block boundary, fed whole and in random pieces, against swift-crypto.
    @Test func agreesWithSwiftCryptoForEveryLengthAndSplit() {
        var generator = SplitMix64(seed: 18)
        for portable in [false, true] {
            csha256_force_portable(portable ? 1 : 0)
            defer { csha256_force_portable(0) }
            for length in 0...300 {
                let message = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                let expected = Array(SHA256.hash(data: message))
                var state = SHA256State()
                var offset = 0
                while offset < length {
                    let piece = min(length - offset, Int(generator.next() % 80) + 1)
                    message[offset..<offset + piece].withUnsafeBytes { state.update($0) }
                    offset += piece
                }
                #expect(state.finalize().bytes == expected, "length \(length), portable \(portable)")
                #expect(Hash.sha256(message).bytes == expected, "length \(length), portable \(portable)")
            }
        }
    }

    /// `finalize` leaves the state as it was, so a hasher can be finished, then extended.
    @Test func finalizeDoesNotConsumeTheState() {
        var state = SHA256State()
        let head: [UInt8] = Array(repeating: 7, count: 70)
        head.withUnsafeBytes { state.update($0) }
        #expect(state.finalize() == Hash.sha256(head))
        #expect(state.finalize() == Hash.sha256(head))
        let tail: [UInt8] = [1, 2, 3]
        tail.withUnsafeBytes { state.update($0) }
        #expect(state.finalize() == Hash.sha256(head + tail))
    }

    /// Where the processor has the SHA extensions the fast compression is the one in use.
    @Test func usesTheSHAExtensionsWhereThereAreAny() throws {
        let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let hasExtensions = cpuinfo.map { $0.contains(" sha_ni") } ?? false
        #expect((csha256_uses_sha_extensions() == 1) == hasExtensions)
    }
}
