import ChainTypes
import StateTree

/// A self-contained proof that a contract's storage held a value at a height (DESIGN §4 record proofs).
///
/// Anyone with the chain's genesis document can check it offline: the genesis validator set certifies,
/// through commit certificates, each announcement of the next validator set (`transitions`), and the set in
/// force at `header` certifies that header, whose state root the `proof` binds the record to. Every field
/// is checked, so changing any byte of the encoding makes verification fail.
public struct EvidenceBundle: Hashable, Sendable {
    public static let formatVersion: UInt8 = 1

    public var chainId: String
    public var genesisHash: Hash
    /// Validator-set changes from genesis up to `header`, in activation order.
    public var transitions: [EpochTransition]
    public var contract: Address
    /// The contract's storage key (for the licence registry: `"L"` + licence id).
    public var key: [UInt8]
    /// The stored value, or nil when the evidence proves the key absent.
    public var value: [UInt8]?
    /// The state is the one after block `height`; `header` is block `height + 1`, which carries its root.
    public var height: UInt64
    public var proof: StateProof
    public var header: BlockHeader
    public var certificate: CommitCertificate

    public init(
        chainId: String, genesisHash: Hash, transitions: [EpochTransition], contract: Address, key: [UInt8], value: [UInt8]?,
        height: UInt64, proof: StateProof, header: BlockHeader, certificate: CommitCertificate
    ) {
        self.chainId = chainId
        self.genesisHash = genesisHash
        self.transitions = transitions
        self.contract = contract
        self.key = key
        self.value = value
        self.height = height
        self.proof = proof
        self.header = header
        self.certificate = certificate
    }
}

/// One change of validator set, certified by the set before it.
///
/// The ledger records the set it announces to consensus in its state at the end of block A−2
/// (`sbp.announced`/A); the header of block A−1 carries that state's root and is certified by the old set.
public struct EpochTransition: Hashable, Sendable {
    /// The first height the new set decides.
    public var activationHeight: UInt64
    public var validators: ValidatorSet
    /// Block `activationHeight − 1`: its state root is the state after `activationHeight − 2`.
    public var announcingHeader: BlockHeader
    public var announcingCertificate: CommitCertificate
    /// Proof of the announced set against `announcingHeader.stateRoot`.
    public var proof: StateProof

    public init(
        activationHeight: UInt64, validators: ValidatorSet, announcingHeader: BlockHeader, announcingCertificate: CommitCertificate,
        proof: StateProof
    ) {
        self.activationHeight = activationHeight
        self.validators = validators
        self.announcingHeader = announcingHeader
        self.announcingCertificate = announcingCertificate
        self.proof = proof
    }
}

extension EpochTransition: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(activationHeight)
        encoder.write(validators)
        encoder.write(announcingHeader)
        encoder.write(announcingCertificate)
        encoder.write(proof)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        activationHeight = try decoder.readUInt64()
        validators = try decoder.read()
        announcingHeader = try decoder.read()
        announcingCertificate = try decoder.read()
        proof = try decoder.read()
    }
}

extension EvidenceBundle: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(Self.formatVersion)
        encoder.write(text: chainId)
        encoder.write(genesisHash)
        encoder.write(sequence: transitions)
        encoder.write(contract)
        encoder.write(bytes: key)
        switch value {
        case .none: encoder.write(UInt8(0))
        case .some(let bytes):
            encoder.write(UInt8(1))
            encoder.write(bytes: bytes)
        }
        encoder.write(height)
        encoder.write(proof)
        encoder.write(header)
        encoder.write(certificate)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let version = try decoder.readUInt8()
        guard version == Self.formatVersion else { throw .unknownVariant(type: "EvidenceBundle version", tag: UInt64(version)) }
        chainId = try decoder.readText(field: "evidence.chainId", limit: Limits.chainIdBytesMax)
        genesisHash = try decoder.read()
        transitions = try decoder.readSequence(field: "evidence.transitions", limit: EvidenceLimits.transitionsMax)
        contract = try decoder.read()
        key = try decoder.readBytes(field: "evidence.key", limit: EvidenceLimits.keyBytesMax)
        switch try decoder.readUInt8() {
        case 0: value = nil
        case 1: value = try decoder.readBytes(field: "evidence.value", limit: EvidenceLimits.valueBytesMax)
        case let tag: throw .invalidOptionalTag(tag)
        }
        height = try decoder.readUInt64()
        proof = try decoder.read()
        header = try decoder.read()
        certificate = try decoder.read()
    }
}
