import ChainTypes
import StateTree
import Testing

/// The worked example of `docs/state-tree.md`: every hex value printed there is checked here.
@Suite("Worked example")
struct WorkedExampleTests {
    static let namespace = Array("licences".utf8)
    static let keyA = StateKey(namespace: namespace, key: Array("A-1".utf8))
    static let keyB = StateKey(namespace: namespace, key: Array("B-2".utf8))
    static let keyC = StateKey(namespace: namespace, key: Array("C-3".utf8))
    static let keyD = StateKey(namespace: namespace, key: Array("D-4".utf8))

    static func hex(_ text: String) throws -> Hash { try #require(Hash(hex: text)) }

    @Test("key, value, leaf, node and root hashes match the spec's hex values")
    func hashesMatchTheSpec() throws {
        #expect(TreeHasher.emptyHash == (try Self.hex("2a974756b6fa2a7e19762a6257e1a5e02fcae47acc509f5d275c840449764b75")))
        #expect(Self.keyA.hash == (try Self.hex("0c683f2aca659886d2e77dda831df615bf1d83341d6f101609e810c50b95df6a")))
        #expect(Self.keyB.hash == (try Self.hex("e9eaecf3b7006220100a24bdd5a379066836bc8bdbccc5fead6f1b9a64385e0d")))
        #expect(Self.keyC.hash == (try Self.hex("25407b24ee56d229e0de47e0c795d66b46ba66333ba1235b27f8bd08d5cc38f5")))
        #expect(Self.keyD.hash == (try Self.hex("c2a44095092e557e8904a38238f6efbd59354f2b4f5dfbec586a1436a72c1104")))
        let valid = TreeHasher.valueHash(Array("valid".utf8))
        let revoked = TreeHasher.valueHash(Array("revoked".utf8))
        #expect(valid == (try Self.hex("1ab6d736378e9c01bbe6128058a2f4cf5112270894010fb1fa9bf77bfba454a1")))
        #expect(revoked == (try Self.hex("e89d33c72aed4e3ddfad1a820ebbb450aa7eab5721760d588dbf7c0a11f012d0")))
        let leafA = TreeHasher.leafHash(key: Self.keyA.hash, valueHash: valid)
        let leafB = TreeHasher.leafHash(key: Self.keyB.hash, valueHash: revoked)
        let leafC = TreeHasher.leafHash(key: Self.keyC.hash, valueHash: valid)
        #expect(leafA == (try Self.hex("045ac72be2c783b11c94bceb6b375ac7fdc5a6e61ed96e3002af89b7d7e7a562")))
        #expect(leafB == (try Self.hex("b6cb9f7ea899b8411b038ba9fd37dadfdb7090a6d11cc3720c5427eb300f4b2f")))
        #expect(leafC == (try Self.hex("7c0e7fd9d6ef4de8877f469c26b690a9d773b1e2003585b399953ae3960b9f3c")))
        let node00 = TreeHasher.nodeHash(left: leafA, right: leafC)
        let node0 = TreeHasher.nodeHash(left: node00, right: TreeHasher.emptyHash)
        #expect(node00 == (try Self.hex("a7341eb8288629238c3efbe7985e3f5e06af45a4fc977f3996fde246f5e8abd0")))
        #expect(node0 == (try Self.hex("27e69959edf2c7e65b57fdfd2d935631493436f7adc9ad5eb07537284ec24a40")))
        let root = try Self.hex("ad11f34d478c0ce89c93b9ee49ccde864d1ecc6a1155d6f1ea7b3e79a3b76c5f")
        #expect(TreeHasher.nodeHash(left: node0, right: leafB) == root)

        var store = MemoryTreeStore()
        let update = try SparseMerkleTree(reader: store).update(
            [
                .put(Self.keyA, Array("valid".utf8)), .put(Self.keyB, Array("revoked".utf8)), .put(Self.keyC, Array("valid".utf8)),
            ], version: 1, previousVersion: nil)
        store.write(update)
        #expect(update.rootHash == root)
        // One root node at (1, []) with leaves at nibbles 0, 2 and e.
        #expect(update.nodes.map(\.key.description).sorted() == ["1[0]", "1[2]", "1[]", "1[e]"])
        #expect(update.staleNodes.isEmpty)
    }

    @Test("the spec's proofs: A-1 present, B-2 present, D-4 absent beside B-2's leaf")
    func proofsMatchTheSpec() throws {
        var store = MemoryTreeStore()
        store.write(
            try SparseMerkleTree(reader: store).update(
                [
                    .put(Self.keyA, Array("valid".utf8)), .put(Self.keyB, Array("revoked".utf8)), .put(Self.keyC, Array("valid".utf8)),
                ], version: 1, previousVersion: nil))
        let tree = SparseMerkleTree(reader: store)
        let root = try tree.rootHash(at: 1)
        let proofA = try tree.proof(for: Self.keyA, at: 1).proof
        #expect(
            Hex.encode(proofA.canonicalBytes) == "03000000"
                + "b6cb9f7ea899b8411b038ba9fd37dadfdb7090a6d11cc3720c5427eb300f4b2f"
                + "2a974756b6fa2a7e19762a6257e1a5e02fcae47acc509f5d275c840449764b75"
                + "7c0e7fd9d6ef4de8877f469c26b690a9d773b1e2003585b399953ae3960b9f3c"
                + "01"
                + "0c683f2aca659886d2e77dda831df615bf1d83341d6f101609e810c50b95df6a"
                + "1ab6d736378e9c01bbe6128058a2f4cf5112270894010fb1fa9bf77bfba454a1")
        #expect(proofA.verifies(key: Self.keyA, value: Array("valid".utf8), root: root))
        let proofD = try tree.proof(for: Self.keyD, at: 1).proof
        #expect(proofD.siblings == [try Self.hex("27e69959edf2c7e65b57fdfd2d935631493436f7adc9ad5eb07537284ec24a40")])
        #expect(proofD.leaf?.key == Self.keyB.hash)
        #expect(proofD.verifies(key: Self.keyD, value: nil, root: root))
        #expect(try tree.proof(for: Self.keyB, at: 1).proof.siblings == proofD.siblings)
    }

    @Test("the fast hash functions equal Hash.tagged over the documented byte layouts")
    func hashersEqualTaggedHashes() {
        let key = Self.keyA.hash
        let value: [UInt8] = Array("valid".utf8)
        #expect(TreeHasher.emptyHash == Hash.tagged(.stateEmpty, []))
        #expect(TreeHasher.valueHash(value) == Hash.tagged(.stateValue, value))
        let valueHash = Hash.tagged(.stateValue, value)
        #expect(TreeHasher.leafHash(key: key, valueHash: valueHash) == Hash.tagged(.stateLeaf, key.bytes + valueHash.bytes))
        #expect(TreeHasher.nodeHash(left: key, right: valueHash) == Hash.tagged(.stateNode, key.bytes + valueHash.bytes))
        var encoder = CanonicalEncoder()
        encoder.write(bytes: Self.namespace)
        encoder.write(bytes: Array("A-1".utf8))
        #expect(Self.keyA.hash == Hash.tagged(.stateKey, encoder.bytes))
        #expect(StateKey(namespace: Array("ab".utf8), key: Array("c".utf8)) != StateKey(namespace: Array("a".utf8), key: Array("bc".utf8)))
    }
}
