/// What a transaction asks the ledger to do; the payload's format depends on it.
public enum TransactionKind: UInt8, Sendable, CaseIterable, Codable {
    /// Deploy contract code (payload: deploy request).
    case deploy = 1
    /// Call a contract method (payload: call request).
    case call = 2
    /// Propose or vote on a governance proposal.
    case governance = 3
    /// Account management by a department admin.
    case account = 4
    /// A department admin manages its own nodes: observers and endpoints (payload: `NodeAction`).
    case node = 5
}

extension TransactionKind: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(rawValue) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        guard let kind = TransactionKind(rawValue: tag) else { throw .unknownVariant(type: "TransactionKind", tag: UInt64(tag)) }
        self = kind
    }
}

/// The signed part of a transaction (DESIGN §4).
///
/// The chain id stops cross-chain replay, the per-sender sequential nonce stops replay within the chain,
/// and the expiry height bounds how long a signed transaction stays usable.
public struct TransactionBody: Hashable, Sendable {
    public var chainId: String
    public var sender: Address
    public var nonce: UInt64
    public var kind: TransactionKind
    public var payload: [UInt8]
    public var fuelLimit: UInt64
    /// The last height at which the transaction may be included.
    public var expiryHeight: UInt64

    public init(
        chainId: String, sender: Address, nonce: UInt64, kind: TransactionKind, payload: [UInt8], fuelLimit: UInt64, expiryHeight: UInt64
    ) {
        self.chainId = chainId
        self.sender = sender
        self.nonce = nonce
        self.kind = kind
        self.payload = payload
        self.fuelLimit = fuelLimit
        self.expiryHeight = expiryHeight
    }

    /// The transaction hash, which is also the digest the sender signs.
    ///
    /// The signature is not part of it: a transaction's identity never depends on which valid signature
    /// carried it, so explorers and the mempool see one hash per transaction.
    public var hash: Hash { Hash.tagged(.transaction, self) }
}

extension TransactionBody: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: chainId)
        encoder.write(sender)
        encoder.write(nonce)
        encoder.write(kind)
        encoder.write(bytes: payload)
        encoder.write(fuelLimit)
        encoder.write(expiryHeight)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        chainId = try decoder.readText(field: "transaction.chainId", limit: Limits.chainIdBytesMax)
        sender = try decoder.read()
        nonce = try decoder.readUInt64()
        kind = try decoder.read()
        payload = try decoder.readBytes(field: "transaction.payload", limit: Limits.transactionPayloadBytesMax)
        fuelLimit = try decoder.readUInt64()
        expiryHeight = try decoder.readUInt64()
    }
}

/// A signed transaction: the body and the sender's recoverable signature over `body.hash`.
///
/// Decoding checks form only; that the signature recovers to `body.sender` is checked by `Keys`
/// (`Transaction.verifySignature()`), because that needs elliptic-curve arithmetic.
public struct Transaction: Hashable, Sendable {
    /// The signed body; changing it (or any of its fields) recomputes `hash`.
    public var body: TransactionBody {
        didSet { hash = body.hash }
    }
    public var signature: RecoverableSignature

    public init(body: TransactionBody, signature: RecoverableSignature) {
        self.body = body
        self.signature = signature
        hash = body.hash
    }

    /// The body's hash, computed once when the body is set.
    ///
    /// Why kept: a node asked for it about six times per transaction (admission, the mempool, the block's
    /// structure check, the block store's index, removal after commit), each a canonical encoding and a
    /// SHA-256: 1.7 % of four validators' CPU (issue 18, deliver 6).
    public private(set) var hash: Hash

    /// What a block's transactions root commits to for this transaction: its hash and the exact signature.
    ///
    /// `hash` leaves the signature out, so a root over hashes alone let a certified block travel with any
    /// signature: a Byzantine peer could serve a lagging node a block with one signature altered, which then
    /// executed differently (a rejected receipt) and halted on the next state root (issue 13, defect 4).
    /// Committing to both makes the block hash cover every byte execution reads.
    public var signedHash: Hash { Self.signedHash(bodyHash: hash, signature: signature) }

    /// `signedHash` from a body hash already computed (the ledger hashes each body once per block).
    public static func signedHash(bodyHash: Hash, signature: RecoverableSignature) -> Hash {
        var hasher = TaggedHasher(.signedTransaction)
        hasher.update(bodyHash)
        hasher.update(signature.compact)
        hasher.update(byte: signature.recoveryId)
        return hasher.finalize()
    }

    /// The length of the canonical encoding, computed without encoding (size limits are checked often).
    public var encodedByteCount: Int {
        // chain id (u32 length + bytes), sender 20, nonce 8, kind 1, payload (u32 length + bytes), fuel 8,
        // expiry 8, signature 64 + recovery id 1.
        4 + body.chainId.utf8.count + Address.byteCount + 8 + 1 + 4 + body.payload.count + 8 + 8 + 65
    }
}

extension Transaction: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(body)
        encoder.write(signature)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let body: TransactionBody = try decoder.read()
        self.init(body: body, signature: try decoder.read())
    }

    /// Moves `decoder` past one encoded transaction without building it: no copies and no hash.
    ///
    /// Why: reading the k-th transaction of a stored block (`BlockStore.transaction`) decoded and hashed the
    /// whole block, 0.2 ms of a node's CPU for 400 transactions to answer one `tx_getByHash`. Lengths are checked
    /// against the same limits as `init(from:)`; text is not validated as UTF-8, so only skip what is then
    /// checked another way (the transaction read after the skipped ones must have the hash asked for).
    public static func skip(in decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        try decoder.skipBytes(field: "transaction.chainId", limit: Limits.chainIdBytesMax)
        try decoder.skip(count: Address.byteCount + 8)  // sender, nonce
        _ = try decoder.read(TransactionKind.self)
        try decoder.skipBytes(field: "transaction.payload", limit: Limits.transactionPayloadBytesMax)
        try decoder.skip(count: 8 + 8 + RecoverableSignature.encodedByteCount)  // fuel limit, expiry, signature
    }
}
