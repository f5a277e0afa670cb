import Testing

@testable import ChainTypes

/// `TaggedHasher` and the allocation-free text coding must hash and encode exactly the bytes the array-based
/// forms did (issue 18): every block, receipt and state root depends on them.
@Suite struct TaggedHasherTests {
    /// The tagged hash as `docs/protocol.md` §Hashing defines it, built from whole arrays.
    static func reference(_ domain: HashDomain, _ data: [UInt8]) -> Hash {
        let tag = Array(domain.rawValue.utf8)
        return Hash.sha256([UInt8(tag.count)] + tag + data)
    }

    @Test func piecesHashLikeTheirConcatenation() {
        let first = Hash.sha256([1, 2, 3])
        let bytes: [UInt8] = Array("sbp.account".utf8)
        let key: [UInt8] = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for domain in HashDomain.allCases {
            #expect(Hash.tagged(domain, key) == Self.reference(domain, key))
            #expect(Hash.tagged(domain, []) == Self.reference(domain, []))
            var hasher = TaggedHasher(domain)
            hasher.update(first)
            hasher.update(byte: 9)
            hasher.update(lengthPrefixed: bytes)
            hasher.update(lengthPrefixed: [])
            hasher.update(key)
            var encoder = CanonicalEncoder()
            encoder.write(bytes: bytes)
            encoder.write(bytes: [])
            let expected = first.bytes + [9] + encoder.bytes + key
            #expect(hasher.finalize() == Self.reference(domain, expected))
        }
    }

    @Test func merkleRootsAndSignedHashesUseTheDocumentedBytes() throws {
        let leaves = (0..<7).map { Hash.sha256([UInt8($0)]) }
        func root(_ level: ArraySlice<Hash>) -> Hash {
            if level.count == 1 { return level[level.startIndex] }
            var split = 1
            while split * 2 < level.count { split *= 2 }
            return Self.reference(.merkleNode, root(level.prefix(split)).bytes + root(level.dropFirst(split)).bytes)
        }
        for count in 1...leaves.count {
            let expected = root(leaves.prefix(count).map { Self.reference(.merkleLeaf, $0.bytes) }[...])
            #expect(MerkleRoot.of(Array(leaves.prefix(count))) == expected)
        }
        let signature = try RecoverableSignature(
            compact: [UInt8](repeating: 1, count: 32) + [UInt8](repeating: 2, count: 32), recoveryId: 1)
        #expect(
            Transaction.signedHash(bodyHash: leaves[0], signature: signature)
                == Self.reference(.signedTransaction, leaves[0].bytes + signature.bytes))
    }

    @Test func textEncodesAsItsUTF8Bytes() throws {
        for text in ["", "TD", "département", String(repeating: "licence ", count: 40), "🚗"] {
            var encoder = CanonicalEncoder()
            encoder.write(text: text)
            var expected = CanonicalEncoder()
            expected.write(bytes: Array(text.utf8))
            #expect(encoder.bytes == expected.bytes)
            var decoder = CanonicalDecoder(encoder.bytes + [7])
            #expect(try decoder.readText(field: "t", limit: 1000) == text)
            #expect(try decoder.readUInt8() == 7)
        }
        var invalid = CanonicalDecoder([2, 0, 0, 0, 0xC3, 0x28])
        #expect(throws: CanonicalDecodingError.invalidUTF8(field: "t")) { try invalid.readText(field: "t", limit: 10) }
        var long = CanonicalDecoder([5, 0, 0, 0, 65, 65, 65, 65, 65])
        #expect(throws: CanonicalDecodingError.lengthExceedsLimit(field: "t", length: 5, limit: 4)) {
            try long.readText(field: "t", limit: 4)
        }
        var short = CanonicalDecoder([5, 0, 0, 0, 65])
        #expect(throws: CanonicalDecodingError.truncated(needed: 5, remaining: 1)) { try short.readText(field: "t", limit: 10) }
    }
}
