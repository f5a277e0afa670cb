/// Domain tags for every hash the protocol computes over canonical bytes.
///
/// The tag is hashed in front of the data (`u8` length, tag bytes, data), so a byte string that happens to
/// decode as two types (a transaction body and a consensus message, say) still has two unrelated hashes,
/// and a key that signs one kind of digest can never be tricked into signing another.
public enum HashDomain: String, Sendable, CaseIterable {
    case transaction = "sbp/transaction"
    /// A transaction hash with the exact signature that carried it: the leaves of a block's transactions root.
    case signedTransaction = "sbp/signed-transaction"
    case blockHeader = "sbp/block-header"
    case consensusMessage = "sbp/consensus-message"
    case commitCertificate = "sbp/commit-certificate"
    case validatorSet = "sbp/validator-set"
    case receipt = "sbp/receipt"
    case genesis = "sbp/genesis"
    case merkleEmpty = "sbp/merkle-empty"
    case merkleLeaf = "sbp/merkle-leaf"
    case merkleNode = "sbp/merkle-node"
    /// The state tree (`docs/state-tree.md`): key hashes, value hashes, leaves, internal nodes, empty subtrees.
    case stateKey = "sbp/state-key"
    case stateValue = "sbp/state-value"
    case stateLeaf = "sbp/state-leaf"
    case stateNode = "sbp/state-node"
    case stateEmpty = "sbp/state-empty"
    /// Addresses of deployed contracts (`Address.contract(deployer:nonce:)`).
    case contractAddress = "sbp/contract-address"
}

extension Hash {
    /// SHA-256 over the domain tag and `data` (`docs/protocol.md` §Hashing).
    public static func tagged(_ domain: HashDomain, _ data: [UInt8]) -> Hash {
        var hasher = TaggedHasher(domain)
        hasher.update(data)
        return hasher.finalize()
    }

    /// SHA-256 over the domain tag and the canonical encoding of `value`.
    public static func tagged<Value: CanonicalCodable>(_ domain: HashDomain, _ value: Value) -> Hash {
        tagged(domain, value.canonicalBytes)
    }
}

/// SHA-256 over a domain tag and data fed in pieces: the digest `Hash.tagged(domain, pieces)` gives for the
/// pieces concatenated, without building the concatenation.
///
/// Why: every transaction hashes state keys, receipts and Merkle nodes, and building the tag, the parts and
/// the joined bytes as arrays cost more allocations than the hash itself (issue 18). The bytes hashed are
/// exactly those of `Hash.tagged`, so no digest changes.
public struct TaggedHasher: Sendable {
    private var hasher: SHA256State

    /// Starts the hash with `domain`'s tag: its length as one byte, then its UTF-8 bytes.
    public init(_ domain: HashDomain) {
        var hasher = SHA256State()
        var tag = domain.rawValue
        tag.withUTF8 { utf8 in
            // Tags are constants of at most 22 bytes, so the length fits one byte.
            var length = UInt8(truncatingIfNeeded: utf8.count)
            withUnsafeBytes(of: &length) { hasher.update($0) }
            hasher.update(UnsafeRawBufferPointer(utf8))
        }
        self.hasher = hasher
    }

    /// Appends `bytes` as they are.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { hasher.update($0) }
    }

    /// Appends one byte.
    public mutating func update(byte: UInt8) {
        var byte = byte
        withUnsafeBytes(of: &byte) { hasher.update($0) }
    }

    /// Appends `bytes` as the canonical encoding writes a byte string (`CanonicalEncoder.write(bytes:)`):
    /// a little-endian `u32` length, then the bytes.
    public mutating func update(lengthPrefixed bytes: [UInt8]) {
        precondition(bytes.count <= Int(UInt32.max), "byte string too long to encode")
        var length = UInt32(bytes.count).littleEndian
        withUnsafeBytes(of: &length) { hasher.update($0) }
        update(bytes)
    }

    /// Appends the 32 bytes of `hash` (`Hash.bytes`).
    public mutating func update(_ hash: Hash) {
        var words = (hash.w0.bigEndian, hash.w1.bigEndian, hash.w2.bigEndian, hash.w3.bigEndian)
        withUnsafeBytes(of: &words) { hasher.update($0) }
    }

    /// The digest of everything appended.
    public func finalize() -> Hash {
        hasher.finalize()
    }
}
