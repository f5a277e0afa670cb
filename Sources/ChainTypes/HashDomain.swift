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
        let tag = Array(domain.rawValue.utf8)
        return sha256(parts: [[UInt8(tag.count)], tag, data])
    }

    /// SHA-256 over the domain tag and the canonical encoding of `value`.
    public static func tagged<Value: CanonicalCodable>(_ domain: HashDomain, _ value: Value) -> Hash {
        tagged(domain, value.canonicalBytes)
    }
}
