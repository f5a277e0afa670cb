/// A validator: a department's node that votes in consensus with one secp256k1 consensus key.
public struct Validator: Hashable, Sendable {
    public static let publicKeyByteCount = 33

    public var name: String
    public var department: String
    /// The compressed (33-byte) consensus public key. `Keys` checks that it is a point on the curve.
    public var publicKey: [UInt8]

    public init(name: String, department: String, publicKey: [UInt8]) throws(CanonicalDecodingError) {
        guard publicKey.count == Self.publicKeyByteCount, publicKey[0] == 0x02 || publicKey[0] == 0x03 else {
            throw .invalidValue(field: "validator.publicKey", reason: "expected a 33-byte compressed secp256k1 key")
        }
        self.name = name
        self.department = department
        self.publicKey = publicKey
    }

    /// The address of the consensus key: the last 20 bytes of its SHA-256.
    public var address: Address { Address(publicKeyDigest: Hash.sha256(publicKey)) }
}

extension Validator: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(text: name)
        encoder.write(text: department)
        encoder.write(fixed: publicKey)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let name = try decoder.readText(field: "validator.name", limit: Limits.identifierBytesMax)
        let department = try decoder.readText(field: "validator.department", limit: Limits.identifierBytesMax)
        let publicKey = try decoder.readFixed(count: Self.publicKeyByteCount)
        try self.init(name: name, department: department, publicKey: publicKey)
    }
}

/// The ordered validators of one epoch, and the quorum arithmetic over them.
///
/// Order matters: the primary of view v is `validators[v mod n]` (PBFT-NOTES rule 1). Keys are unique, so
/// a quorum of distinct indices is a quorum of distinct keys.
public struct ValidatorSet: Hashable, Sendable {
    public let validators: [Validator]
    /// `validators[i].address`, computed once: `index(of:)` runs for every consensus message a replica
    /// checks, and hashing each key there cost a seventh of a simulator run's time.
    private let addresses: [Address]

    public init(_ validators: [Validator]) throws(CanonicalDecodingError) {
        guard !validators.isEmpty else {
            throw .invalidValue(field: "validators", reason: "a validator set needs at least one validator")
        }
        guard validators.count <= Limits.validatorsMax else {
            throw .lengthExceedsLimit(field: "validators", length: validators.count, limit: Limits.validatorsMax)
        }
        guard Set(validators.map(\.publicKey)).count == validators.count else {
            throw .invalidValue(field: "validators", reason: "duplicate consensus key")
        }
        guard Set(validators.map(\.name)).count == validators.count else {
            throw .invalidValue(field: "validators", reason: "duplicate validator name")
        }
        self.validators = validators
        self.addresses = validators.map(\.address)
    }

    /// n, the number of validators.
    public var count: Int { validators.count }

    /// f = ⌊(n−1)/3⌋, the faults tolerated.
    public var faultsTolerated: Int { (count - 1) / 3 }

    /// q = ⌈(n+f+1)/2⌉ votes; 2f+1 when n = 3f+1 (PBFT-NOTES, notation). Any two quorums share at least
    /// f+1 validators, hence one honest one.
    public var quorum: Int { (count + faultsTolerated + 2) / 2 }

    /// f+1 votes: enough to include at least one honest validator (used to join a higher view, rule 16).
    public var weakQuorum: Int { faultsTolerated + 1 }

    /// The primary of `view` (PBFT §4.1, rule 1).
    public func primary(for view: UInt64) -> Int { Int(view % UInt64(count)) }

    /// The index of the validator with this consensus-key address, if it is one.
    public func index(of address: Address) -> Int? { addresses.firstIndex(of: address) }

    public var hash: Hash { Hash.tagged(.validatorSet, self) }
}

extension ValidatorSet: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(sequence: validators) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        try self.init(decoder.readSequence(field: "validators", limit: Limits.validatorsMax))
    }
}
