import ChainTypes

/// A contract storage value read after block `height` (`state_get`).
public struct StateValue: Hashable, Sendable {
    /// The height whose state was read.
    public var height: UInt64
    /// The value, or nil when the key has none.
    public var value: [UInt8]?

    public init(height: UInt64, value: [UInt8]?) {
        self.height = height
        self.value = value
    }
}

/// A storage value with everything a verifier needs to trust it without trusting the node (DESIGN §4):
/// the state-tree proof, the root it proves against, the header carrying that root and the header's
/// commit certificate (`state_getProof`).
///
/// The state root after block h is carried by the header of block h + 1, so `header` is that header and
/// `certificate` its commit certificate; both are nil while block h + 1 is not committed yet.
public struct StorageProofRecord: Hashable, Sendable {
    /// The leaf a proof's path ends at: enough to recompute its hash.
    public struct Leaf: Hashable, Sendable {
        /// The leaf's key hash: `stateKey` for a value, another key on the same path for an absence.
        public var key: Hash
        /// The tagged hash of the leaf's value.
        public var valueHash: Hash

        public init(key: Hash, valueHash: Hash) {
            self.key = key
            self.valueHash = valueHash
        }
    }

    public var contract: Address
    public var key: [UInt8]
    /// The state-tree key the proof is about: the tagged hash of the contract's namespace and `key`.
    public var stateKey: Hash
    /// The height whose state is proven.
    public var height: UInt64
    /// The value, or nil when the proof shows the key absent.
    public var value: [UInt8]?
    /// The proof's canonical encoding (`docs/protocol.md`, `StateProof`).
    public var proof: [UInt8]
    /// The proof's sibling hashes, root first.
    public var siblings: [Hash]
    /// The leaf where the proof's path ends: its key hash and value hash; nil when the path ends empty.
    public var leaf: Leaf?
    /// The state root after block `height`.
    public var stateRoot: Hash
    /// The header of block `height + 1`, which carries `stateRoot`.
    public var header: BlockHeader?
    /// The commit certificate of block `height + 1`.
    public var certificate: CommitCertificate?

    public init(
        contract: Address, key: [UInt8], stateKey: Hash, height: UInt64, value: [UInt8]?, proof: [UInt8], siblings: [Hash],
        leaf: Leaf?, stateRoot: Hash, header: BlockHeader?, certificate: CommitCertificate?
    ) {
        self.contract = contract
        self.key = key
        self.stateKey = stateKey
        self.height = height
        self.value = value
        self.proof = proof
        self.siblings = siblings
        self.leaf = leaf
        self.stateRoot = stateRoot
        self.header = header
        self.certificate = certificate
    }
}
