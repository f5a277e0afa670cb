import ChainTypes
import Testing

@Suite("Hashes and addresses")
struct HashAndAddressTests {
    @Test("SHA-256 matches the FIPS 180-2 test vectors")
    func sha256Vectors() {
        #expect(Hash.sha256(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hash.sha256([]).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hash.sha256(parts: [Array("a".utf8), Array("bc".utf8)]) == Hash.sha256(Array("abc".utf8)))
    }

    @Test("tagged hashes match the worked example in docs/protocol.md")
    func taggedWorkedExample() {
        #expect(Hash.tagged(.transaction, []).hex == "2428093c8f584c1bfe2954ebaf202f7525ca1597d1b80bb7c2f21403cdee7dfa")
        #expect(MerkleRoot.empty.hex == "52aae1fd393c149e2b7c82895171fab47be5fc1977d92997f0aa0e24cb1f5ae8")
    }

    @Test("tagged hashes differ by domain")
    func domainsSeparate() {
        let hashes = Set(HashDomain.allCases.map { Hash.tagged($0, [1, 2, 3]) })
        #expect(hashes.count == HashDomain.allCases.count)
    }

    @Test("hash ordering is byte-lexicographic", arguments: 0..<64)
    func hashOrderingMatchesBytes(_ seed: Int) {
        let a = Hash.sha256([UInt8(seed)])
        let b = Hash.sha256([UInt8(seed), 1])
        #expect((a < b) == a.bytes.lexicographicallyPrecedes(b.bytes))
        #expect(Hash(bytes: a.bytes) == a)
        var appended: [UInt8] = [UInt8(seed)]
        a.append(to: &appended)
        #expect(appended == [UInt8(seed)] + a.bytes, "append writes the bytes in order")
    }

    @Test(
        "hex parsing is strict",
        arguments: [
            ("0x" + String(repeating: "ab", count: 20), true),
            (String(repeating: "AB", count: 20), true),
            (String(repeating: "ab", count: 19), false),
            ("0x" + String(repeating: "ab", count: 19) + "a", false),
            ("0x" + String(repeating: "zz", count: 20), false),
            ("", false),
        ])
    func addressHexParsing(_ text: String, _ valid: Bool) {
        #expect((Address(hex: text) != nil) == valid)
    }

    @Test("hex decodes either case with or without a 0x or 0X prefix, and refuses odd lengths and non-hex digits")
    func hexDecoding() {
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("0x") == [])
        #expect(Hex.decode("00ff7A") == [0x00, 0xFF, 0x7A])
        #expect(Hex.decode("0xABcd") == [0xAB, 0xCD])
        #expect(Hex.decode("0XabCD") == [0xAB, 0xCD])
        let bytes = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode("0x" + Hex.encode(bytes).uppercased()) == bytes)
        for invalid in ["0", "0x0", "abc", "0g", "g0", "0x 0", " 00", "00 ", "0xx0", "x0", "é0", "0é", "0\u{0}"] {
            #expect(Hex.decode(invalid) == nil, "\(invalid)")
        }
        let text = "xx0x" + Hex.encode(bytes) + "yy"
        #expect(Hex.decode(String(text.dropFirst(2).dropLast(2))) == bytes, "a string made from a substring")
    }

    @Test("address text round-trips through 0x-hex")
    func addressRoundTrip() {
        let address = Address(bytes: (1...20).map { UInt8($0) })!
        #expect(address.description == "0x0102030405060708090a0b0c0d0e0f1011121314")
        #expect(Address(hex: address.description) == address)
        #expect(address.bytes == (1...20).map { UInt8($0) })
    }

    @Test("an address is the last 20 bytes of the key digest")
    func addressDerivation() {
        let digest = Hash.sha256([2, 3])
        #expect(Address(publicKeyDigest: digest).bytes == Array(digest.bytes.suffix(20)))
    }
}

@Suite("Merkle roots")
struct MerkleRootTests {
    static func leaf(_ index: Int) -> Hash { Hash.sha256([UInt8(index)]) }
    static func leafNode(_ hash: Hash) -> Hash { Hash.tagged(.merkleLeaf, hash.bytes) }
    static func node(_ left: Hash, _ right: Hash) -> Hash { Hash.tagged(.merkleNode, left.bytes + right.bytes) }

    @Test("small trees have the RFC 6962 shape")
    func shapes() {
        let l = (0..<5).map(Self.leaf)
        let n = l.map(Self.leafNode)
        #expect(MerkleRoot.of([]) == MerkleRoot.empty)
        #expect(MerkleRoot.of([l[0]]) == n[0])
        #expect(MerkleRoot.of(Array(l[0..<2])) == Self.node(n[0], n[1]))
        #expect(MerkleRoot.of(Array(l[0..<3])) == Self.node(Self.node(n[0], n[1]), n[2]))
        #expect(MerkleRoot.of(l) == Self.node(Self.node(Self.node(n[0], n[1]), Self.node(n[2], n[3])), n[4]))
    }

    @Test("no two different lists share a root", arguments: 1..<12)
    func noDuplicateLeafCollision(_ count: Int) {
        let leaves = (0..<count).map(Self.leaf)
        #expect(MerkleRoot.of(leaves) != MerkleRoot.of(leaves + [leaves.last!]))
        #expect(MerkleRoot.of(leaves) != MerkleRoot.of(leaves.reversed()) || count == 1)
    }
}

@Suite("Validator sets")
struct ValidatorSetTests {
    @Test("quorums intersect in an honest validator and stay reachable", arguments: 1...100)
    func quorumMath(_ n: Int) {
        let set = Fixtures.validatorSet(count: n)
        let f = set.faultsTolerated
        let q = set.quorum
        // Naive reference: f is the largest number with 3f < n; q is the smallest size whose every two
        // subsets share more than f members.
        #expect(3 * f < n && 3 * (f + 1) >= n)
        let naive = (1...n).first { 2 * $0 - n >= f + 1 }!
        #expect(q == naive)
        #expect(q <= n - f, "a quorum must be reachable with f validators silent")
        if n == 3 * f + 1 { #expect(q == 2 * f + 1) }
        #expect(set.weakQuorum == f + 1)
    }

    @Test("the primary rotates through the validators in order")
    func primaryRotation() {
        let set = Fixtures.validatorSet(count: 4)
        #expect((0..<9).map { set.primary(for: UInt64($0)) } == [0, 1, 2, 3, 0, 1, 2, 3, 0])
        #expect(set.primary(for: UInt64.max) == Int(UInt64.max % 4))
    }

    @Test("duplicate keys and empty sets are refused")
    func invalidSets() throws {
        let validator = try Validator(name: "a", department: "TD", publicKey: [0x02] + [UInt8](repeating: 1, count: 32))
        var twin = validator
        twin.name = "b"
        #expect(throws: CanonicalDecodingError.self) { try ValidatorSet([validator, twin]) }
        #expect(throws: CanonicalDecodingError.self) { try ValidatorSet([]) }
        #expect(throws: CanonicalDecodingError.self) {
            try Validator(name: "c", department: "TD", publicKey: [0x04] + [UInt8](repeating: 1, count: 32))
        }
    }
}

@Suite("Limits")
struct LimitsTests {
    @Test("limits are consistent with each other")
    func relationships() {
        #expect(Limits.blockBytesMax >= Limits.transactionBytesMax, "a block must fit its largest transaction")
        #expect(Limits.transactionBytesMax > Limits.transactionPayloadBytesMax)
        #expect(Limits.validatorsMax <= Int(UInt16.max), "commit votes index validators with u16")
        #expect(Limits.chainIdBytesMax <= Limits.identifierBytesMax)
        #expect(
            Fixtures.transaction(payload: [UInt8](repeating: 0, count: Limits.transactionPayloadBytesMax)).canonicalBytes.count
                <= Limits.transactionBytesMax)
    }
}

@Suite("Digest keys")
struct DigestKeyTests {
    /// Two hashes whose four words fold (xor) to the same word, differing in every other way.
    static let folded = (
        Hash(bytes: [UInt8](repeating: 0, count: 7) + [1] + [UInt8](repeating: 0, count: 7) + [2] + [UInt8](repeating: 0, count: 16)),
        Hash(bytes: [UInt8](repeating: 0, count: 7) + [3] + [UInt8](repeating: 0, count: 24))
    )

    @Test("a digest key hashes the folded word but compares the whole hash; a hash itself hashes every word")
    func foldedWordsCollideOnlyAsDigestKeys() throws {
        let first = try #require(Self.folded.0)
        let second = try #require(Self.folded.1)
        #expect(first != second)
        // Same folded word: the same hash value as digest keys (the cheap hashing), yet two distinct keys.
        #expect(DigestKey(first).hashValue == DigestKey(second).hashValue)
        #expect(DigestKey(first) != DigestKey(second))
        let table: [DigestKey: Int] = [DigestKey(first): 1, DigestKey(second): 2]
        #expect(table[DigestKey(first)] == 1 && table[DigestKey(second)] == 2)
        // `Hash` keeps hashing all four words: keys chosen from outside must not collide for free.
        #expect(first.hashValue != second.hashValue)
    }

    @Test("digest keys of distinct digests find their own entries", arguments: [1, 100, 5_000])
    func distinctDigests(_ count: Int) {
        let hashes = (0..<count).map { Hash.sha256(Array("digest \($0)".utf8)) }
        var table: [DigestKey: Int] = [:]
        for (index, hash) in hashes.enumerated() { table[DigestKey(hash)] = index }
        #expect(table.count == count)
        #expect(hashes.indices.allSatisfy { table[DigestKey(hashes[$0])] == $0 })
        #expect(table[DigestKey(Hash.sha256(Array("absent".utf8)))] == nil)
    }
}

@Suite("Block structure")
struct BlockStructureTests {
    @Test("a well-formed block passes")
    func wellFormed() throws {
        try Fixtures.block().checkStructure()
        try Fixtures.block(height: 1, transactionCount: 3).checkStructure()
    }

    @Test("a block carrying a transaction of another chain is refused, naming the first such transaction")
    func transactionOfAnotherChain() throws {
        var block = Fixtures.block(transactionCount: 3)
        block.transactions[1].body.chainId = "sbp-other"
        block.transactions[2].body.chainId = "sbp-third"
        block.header.transactionsRoot = Block.transactionsRoot(of: block.transactions)
        let expected = BlockStructureError.transactionForOtherChain(block.transactions[1].hash, chainId: "sbp-other")
        #expect(throws: expected) { try block.checkStructure() }
        #expect(throws: expected) { try block.checkStructure(transactionHashes: block.transactions.map(\.hash)) }
    }

    @Test("a header that does not commit to its body is refused")
    func mismatches() {
        var block = Fixtures.block()
        block.transactions.removeLast()
        #expect(throws: BlockStructureError.transactionsRootMismatch) { try block.checkStructure() }

        block = Fixtures.block()
        block.lastCommit = nil
        #expect(throws: BlockStructureError.lastCommitHashMismatch) { try block.checkStructure() }

        block = Fixtures.block()
        block.header.parentHash = .zero
        #expect(throws: BlockStructureError.lastCommitForWrongBlock(height: 4, blockHash: Hash.sha256(Array("parent".utf8)))) {
            try block.checkStructure()
        }
        block = Fixtures.block()
        block.header.height = 0
        #expect(throws: BlockStructureError.heightZero) { try block.checkStructure() }
    }

    /// Issue 13, defect 4: the root covered transaction hashes only, so a certified block could travel
    /// with any signature and a lagging node executed whatever a Byzantine peer served it.
    @Test("the transactions root commits to each transaction's signature (issue 13 defect 4)")
    func transactionsRootCoversSignatures() throws {
        let block = Fixtures.block()
        var altered = block
        altered.transactions[0].signature = Fixtures.signature(0x77)
        #expect(altered.transactions[0].hash == block.transactions[0].hash)
        #expect(Block.transactionsRoot(of: altered.transactions) != block.header.transactionsRoot)
        #expect(throws: BlockStructureError.transactionsRootMismatch) { try altered.checkStructure() }
        // The ledger's path, with body hashes computed ahead, checks the signatures too.
        let hashes = altered.transactions.map(\.hash)
        #expect(throws: BlockStructureError.transactionsRootMismatch) { try altered.checkStructure(transactionHashes: hashes) }
        try block.checkStructure(transactionHashes: block.transactions.map(\.hash))
        #expect(
            block.transactions[0].signedHash
                == Hash.tagged(.signedTransaction, block.transactions[0].hash.bytes + block.transactions[0].signature.bytes))
    }
}
