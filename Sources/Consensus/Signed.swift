import ChainTypes

/// A consensus payload with its signer's index and signature.
///
/// PBFT §4 uses signed messages so that certificates and view-change proofs are transferable: any replica
/// can re-check a set of them. The index refers to the validator set in force at the payload's height.
public struct Signed<Payload: SignablePayload>: Hashable, Sendable {
    public var payload: Payload
    public var signer: UInt16
    public var signature: RecoverableSignature

    public init(payload: Payload, signer: UInt16, signature: RecoverableSignature) {
        self.payload = payload
        self.signer = signer
        self.signature = signature
    }
}

/// A payload that is signed over `⟨chain id, type, fields⟩` (PBFT-NOTES, notation).
public protocol SignablePayload: CanonicalCodable, Hashable {
    static var messageType: ConsensusMessageType { get }
}

/// A payload about one height, verified against the validator set in force at that height (rule 20).
///
/// VIEW-CHANGE and NEW-VIEW are not: they are checked against the receiver's current set, so that their
/// sender cannot pick the set (and with it a removed or rotated key) by naming a height.
public protocol HeightScopedPayload: SignablePayload {
    /// The height whose validator set verifies the signature.
    var height: UInt64 { get }
}

extension SignablePayload {
    /// The digest the signer signs: the tagged hash of chain id, message type and the payload's fields.
    public func signingDigest(chainId: String) -> Hash {
        var encoder = CanonicalEncoder()
        encoder.write(text: chainId)
        encoder.write(Self.messageType.rawValue)
        encode(to: &encoder)
        return Hash.tagged(.consensusMessage, encoder.bytes)
    }
}

extension Signed: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(payload)
        encoder.write(signer)
        encoder.write(signature)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        payload = try decoder.read()
        signer = try decoder.readUInt16()
        signature = try decoder.read()
    }
}

/// Signs and checks consensus digests; the one capability the pure core borrows from outside.
///
/// The node implements it with secp256k1 (`Keys`); the simulator with a cheap keyed hash so that thousands
/// of seeds run in minutes. Both are deterministic, so replicas stay pure functions of their inputs.
public protocol MessageAuthenticator: Sendable {
    /// Signs `digest` with this replica's consensus key.
    func sign(_ digest: Hash) -> RecoverableSignature
    /// Whether `signature` over `digest` was made by `validator`'s consensus key.
    func isValid(_ signature: RecoverableSignature, digest: Hash, by validator: Validator) -> Bool
}
