import ChainTypes
import StateTree
import Testing

/// Proofs verify for what the tree holds, and every tampered proof, value, key or root fails.
@Suite("State proofs")
struct StateProofTests {
    /// A tree of 64 keys, and keys that prove absence by an empty subtree and by another key's leaf.
    struct Fixture {
        let store: MemoryTreeStore
        let root: Hash
        let present: StateKey
        let presentValue: [UInt8]
        let absentAtEmpty: StateKey
        let absentAtLeaf: StateKey

        init() throws {
            var store = MemoryTreeStore()
            let keys = (0..<64).map { StateKey(namespace: Array("records".utf8), key: [UInt8($0)]) }
            let changes = keys.enumerated().map { StateChange.put($0.element, Array("licence-\($0.offset)".utf8)) }
            let update = try SparseMerkleTree(reader: store).update(changes, version: 1, previousVersion: nil)
            store.write(update)
            let tree = SparseMerkleTree(reader: store)
            var atEmpty: StateKey?
            var atLeaf: StateKey?
            for index in 0..<1000 where atEmpty == nil || atLeaf == nil {
                let candidate = StateKey(namespace: Array("absent".utf8), key: [UInt8(index % 256), UInt8(index / 256)])
                let proof = try tree.proof(for: candidate, at: 1).proof
                if proof.leaf == nil { atEmpty = atEmpty ?? candidate } else { atLeaf = atLeaf ?? candidate }
            }
            self.store = store
            self.root = update.rootHash
            self.present = keys[17]
            self.presentValue = Array("licence-17".utf8)
            self.absentAtEmpty = try #require(atEmpty)
            self.absentAtLeaf = try #require(atLeaf)
        }

        func proof(for key: StateKey) throws -> StateProof {
            try SparseMerkleTree(reader: store).proof(for: key, at: 1).proof
        }
    }

    static func flippingBit(_ bit: Int, of hash: Hash) -> Hash {
        var bytes = hash.bytes
        bytes[bit / 8] ^= 1 << UInt8(bit % 8)
        return Hash(bytes: bytes) ?? hash
    }

    @Test("inclusion and both kinds of exclusion proofs verify, and only for what they prove")
    func proofsVerify() throws {
        let fixture = try Fixture()
        let inclusion = try fixture.proof(for: fixture.present)
        #expect(inclusion.verifies(key: fixture.present, value: fixture.presentValue, root: fixture.root))
        #expect(!inclusion.verifies(key: fixture.present, value: nil, root: fixture.root))
        #expect(!inclusion.verifies(key: fixture.present, value: [], root: fixture.root))
        for absent in [fixture.absentAtEmpty, fixture.absentAtLeaf] {
            let exclusion = try fixture.proof(for: absent)
            #expect(exclusion.verifies(key: absent, value: nil, root: fixture.root))
            #expect(!exclusion.verifies(key: absent, value: fixture.presentValue, root: fixture.root))
            #expect(!exclusion.verifies(key: fixture.present, value: nil, root: fixture.root))
        }
        #expect(try fixture.proof(for: fixture.absentAtEmpty).leaf == nil)
        #expect(try fixture.proof(for: fixture.absentAtLeaf).leaf != nil)
    }

    @Test("an inclusion proof does not prove absence of its own key, and a leaf off the path proves nothing")
    func exclusionNeedsAnotherLeafOnThePath() throws {
        let fixture = try Fixture()
        let inclusion = try fixture.proof(for: fixture.present)
        #expect(!inclusion.verifies(key: fixture.present, value: nil, root: fixture.root))
        // A correct leaf elsewhere in the tree, presented with the absent key's siblings, is rejected.
        let exclusion = try fixture.proof(for: fixture.absentAtLeaf)
        let moved = StateProof(siblings: exclusion.siblings, leaf: inclusion.leaf)
        #expect(!moved.verifies(key: fixture.absentAtLeaf, value: nil, root: fixture.root))
    }

    @Test("flipping any bit of the value, a sibling, the leaf, the key or the root makes the proof fail")
    func tamperedPartsFail() throws {
        let fixture = try Fixture()
        let cases: [(StateKey, [UInt8]?)] = [
            (fixture.present, fixture.presentValue), (fixture.absentAtEmpty, nil), (fixture.absentAtLeaf, nil),
        ]
        for (key, value) in cases {
            let proof = try fixture.proof(for: key)
            #expect(proof.verifies(key: key, value: value, root: fixture.root))
            for bit in 0..<256 {
                #expect(!proof.verifies(key: key, value: value, root: Self.flippingBit(bit, of: fixture.root)))
            }
            try checkFlippedKeys(fixture, proof: proof, key: key, value: value)
            for index in proof.siblings.indices {
                for bit in stride(from: 0, to: 256, by: 5) {
                    var siblings = proof.siblings
                    siblings[index] = Self.flippingBit(bit, of: siblings[index])
                    #expect(!StateProof(siblings: siblings, leaf: proof.leaf).verifies(key: key, value: value, root: fixture.root))
                }
            }
            if let leaf = proof.leaf {
                for bit in 0..<256 {
                    let keyFlipped = StateProofLeaf(key: Self.flippingBit(bit, of: leaf.key), valueHash: leaf.valueHash)
                    let valueFlipped = StateProofLeaf(key: leaf.key, valueHash: Self.flippingBit(bit, of: leaf.valueHash))
                    #expect(!StateProof(siblings: proof.siblings, leaf: keyFlipped).verifies(key: key, value: value, root: fixture.root))
                    #expect(!StateProof(siblings: proof.siblings, leaf: valueFlipped).verifies(key: key, value: value, root: fixture.root))
                }
            }
            #expect(!StateProof(siblings: proof.siblings.dropLast(), leaf: proof.leaf).verifies(key: key, value: value, root: fixture.root))
            #expect(
                !StateProof(siblings: proof.siblings + [fixture.root], leaf: proof.leaf).verifies(
                    key: key, value: value, root: fixture.root))
            if let value {
                for bit in 0..<(value.count * 8) {
                    var tampered = value
                    tampered[bit / 8] ^= 1 << UInt8(bit % 8)
                    #expect(!proof.verifies(key: key, value: tampered, root: fixture.root))
                }
            }
        }
    }

    /// A flipped key bit on the proof's path makes it fail. Below the path's end, an absence proof
    /// still proves a true statement: every key through that empty subtree (or past that other leaf) is
    /// absent too, which the tree confirms; an inclusion proof names its key and fails.
    func checkFlippedKeys(_ fixture: Fixture, proof: StateProof, key: StateKey, value: [UInt8]?) throws {
        let bitIndexOfByteOrder = { (index: Int) in (index / 8) * 8 + 7 - index % 8 }
        for index in 0..<256 {
            let flipped = StateKey(hash: Self.flippingBit(bitIndexOfByteOrder(index), of: key.hash))
            #expect(flipped.commonPrefixBits(with: key) == index)
            let verifies = proof.verifies(key: flipped, value: value, root: fixture.root)
            if value != nil || index < proof.siblings.count || flipped.hash == proof.leaf?.key {
                #expect(!verifies, "key bit \(index)")
            } else {
                #expect(verifies, "key bit \(index)")
                #expect(try SparseMerkleTree(reader: fixture.store).value(for: flipped, at: 1) == nil)
            }
        }
    }

    @Test("flipping any bit of an encoded proof either fails to decode or fails to verify")
    func tamperedEncodingsFail() throws {
        let fixture = try Fixture()
        let cases: [(StateKey, [UInt8]?)] = [
            (fixture.present, fixture.presentValue), (fixture.absentAtEmpty, nil), (fixture.absentAtLeaf, nil),
        ]
        for (key, value) in cases {
            let proof = try fixture.proof(for: key)
            let bytes = proof.canonicalBytes
            #expect(try StateProof(canonicalBytes: bytes) == proof)
            for bit in 0..<(bytes.count * 8) {
                var tampered = bytes
                tampered[bit / 8] ^= 1 << UInt8(bit % 8)
                guard let decoded = try? StateProof(canonicalBytes: tampered) else { continue }
                #expect(!decoded.verifies(key: key, value: value, root: fixture.root), "bit \(bit)")
            }
        }
    }

    @Test("decoders reject malformed proofs with typed errors")
    func malformedProofsAreRejected() throws {
        let sibling = Hash.tagged(.stateNode, [1])
        var tooMany = CanonicalEncoder()
        tooMany.write(sequence: [Hash](repeating: sibling, count: StateTreeLimits.proofSiblingsMax + 1))
        tooMany.write(UInt8(0))
        #expect(
            throws: CanonicalDecodingError.lengthExceedsLimit(
                field: "proof siblings", length: StateTreeLimits.proofSiblingsMax + 1, limit: StateTreeLimits.proofSiblingsMax)
        ) { try StateProof(canonicalBytes: tooMany.bytes) }

        let valid = StateProof(siblings: [sibling], leaf: StateProofLeaf(key: sibling, valueHash: sibling)).canonicalBytes
        #expect(throws: CanonicalDecodingError.trailingBytes(count: 1)) { try StateProof(canonicalBytes: valid + [0]) }
        #expect(throws: CanonicalDecodingError.truncated(needed: 8, remaining: 7)) {
            try StateProof(canonicalBytes: Array(valid.dropLast()))
        }
        var badTag = valid
        badTag[4 + 32] = 2
        #expect(throws: CanonicalDecodingError.invalidOptionalTag(2)) { try StateProof(canonicalBytes: badTag) }

        let emptyLast = StateProof(siblings: [sibling, TreeHasher.emptyHash], leaf: nil).canonicalBytes
        #expect(throws: CanonicalDecodingError.invalidValue(field: "proof siblings", reason: "the last sibling is the empty hash")) {
            try StateProof(canonicalBytes: emptyLast)
        }
        var hugeCount = CanonicalEncoder()
        hugeCount.write(UInt32.max)
        #expect(throws: CanonicalDecodingError.self) { try StateProof(canonicalBytes: hugeCount.bytes) }
    }

    @Test("a proof with more siblings than key bits never verifies")
    func oversizedProofFails() {
        let key = StateKey(namespace: [], key: [1])
        let proof = StateProof(siblings: [Hash](repeating: Hash.tagged(.stateNode, [2]), count: 257), leaf: nil)
        #expect(!proof.verifies(key: key, value: nil, root: TreeHasher.emptyHash))
    }

    @Test("the empty tree proves every key absent with no siblings")
    func emptyTree() throws {
        var store = MemoryTreeStore()
        store.write(try SparseMerkleTree(reader: store).update([], version: 1, previousVersion: nil))
        let key = StateKey(namespace: [1], key: [2])
        let (value, proof) = try SparseMerkleTree(reader: store).proof(for: key, at: 1)
        #expect(value == nil)
        #expect(proof == StateProof(siblings: [], leaf: nil))
        #expect(proof.verifies(key: key, value: nil, root: TreeHasher.emptyHash))
        #expect(!proof.verifies(key: key, value: [], root: TreeHasher.emptyHash))
    }
}
