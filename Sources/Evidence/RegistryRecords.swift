import ChainTypes

/// A licence as the licence registry stores it under `"L" ‖ id` (`Contracts/licence_registry.c`,
/// `docs/evidence.md` §6), decoded so a verifier can check a holder offline.
public struct LicenceRecord: Hashable, Sendable {
    /// The registry's storage key prefix for licences.
    public static let keyPrefix = UInt8(ascii: "L")

    public enum Status: UInt8, Sendable {
        case active = 0
        case suspended = 1
        case revoked = 2
    }

    /// What the registry's `verify(id, holderDigest, atTime)` answers (its `u8` outcome codes).
    public enum Outcome: UInt8, Sendable, CustomStringConvertible {
        case valid = 0
        case expired = 1
        case suspended = 2
        case revoked = 3
        case unknown = 4
        case holderMismatch = 5
        case notYetValid = 6

        public var description: String {
            switch self {
            case .valid: "valid"
            case .expired: "expired"
            case .suspended: "suspended"
            case .revoked: "revoked"
            case .unknown: "unknown"
            case .holderMismatch: "holderMismatch"
            case .notYetValid: "notYetValid"
            }
        }
    }

    public var id: [UInt8]
    public var department: [UInt8]
    public var licenceType: [UInt8]
    public var holderDigest: Hash
    /// The validity window `[validFrom, validUntil)` in the unit the issuing department uses.
    public var validFrom: UInt64
    public var validUntil: UInt64
    public var conditions: [UInt8]
    public var status: Status
    public var reason: [UInt8]
    /// The height it was issued at.
    public var issuedHeight: UInt64
    public var historyCount: UInt32
    /// The issue block's timestamp (ms), which records stored since ADR 0023 carry after `historyCount`
    /// (their history entry 0 is the record's own); nil in a record stored before.
    public var issuedTimeMs: UInt64?

    /// Decodes a stored licence; the field limits are the contract's (`ID_MAX`, `TEXT_MAX`, …).
    public init(bytes: [UInt8]) throws(CanonicalDecodingError) {
        var decoder = CanonicalDecoder(bytes)
        id = try decoder.readBytes(field: "licence.id", limit: RegistryLimits.idBytesMax)
        department = try decoder.readBytes(field: "licence.department", limit: RegistryLimits.departmentBytesMax)
        licenceType = try decoder.readBytes(field: "licence.licenceType", limit: RegistryLimits.textBytesMax)
        holderDigest = try decoder.read()
        validFrom = try decoder.readUInt64()
        validUntil = try decoder.readUInt64()
        conditions = try decoder.readBytes(field: "licence.conditions", limit: RegistryLimits.conditionsBytesMax)
        let tag = try decoder.readUInt8()
        guard let status = Status(rawValue: tag) else { throw .unknownVariant(type: "licence status", tag: UInt64(tag)) }
        self.status = status
        reason = try decoder.readBytes(field: "licence.reason", limit: RegistryLimits.textBytesMax)
        issuedHeight = try decoder.readUInt64()
        historyCount = try decoder.readUInt32()
        issuedTimeMs = decoder.remaining > 0 ? try decoder.readUInt64() : nil
        try decoder.finish()
    }

    /// The registry's `get` result for a stored licence (the record without the issue time that records
    /// stored since ADR 0023 end with, which `get` does not return), and that issue time; nil when `stored`
    /// is not a licence. One decoding gives both, for readers that print the one beside the other.
    public static func getResult(ofStored stored: [UInt8]) -> (result: [UInt8], issuedTimeMs: UInt64?)? {
        guard let record = try? LicenceRecord(bytes: stored) else { return nil }
        guard let issuedTimeMs = record.issuedTimeMs else { return (stored, nil) }
        return (Array(stored.dropLast(MemoryLayout<UInt64>.size)), issuedTimeMs)
    }

    /// The registry's `verify` answer for this record: revoked, then suspended, then the holder, then the
    /// time window (`validFrom ≤ at < validUntil`), exactly in the contract's order.
    public func outcome(holderDigest candidate: Hash, at time: UInt64) -> Outcome {
        switch status {
        case .revoked: return .revoked
        case .suspended: return .suspended
        case .active: break
        }
        if candidate != holderDigest { return .holderMismatch }
        if time < validFrom { return .notYetValid }
        if time >= validUntil { return .expired }
        return .valid
    }
}

/// A certificate as the certificate registry stores it under `"C" ‖ id` (`Contracts/certificate_registry.c`).
public struct CertificateRecord: Hashable, Sendable {
    /// The registry's storage key prefix for certificates.
    public static let keyPrefix = UInt8(ascii: "C")

    public var id: [UInt8]
    public var department: [UInt8]
    public var documentDigest: Hash
    public var certificateType: [UInt8]
    public var metadataDigest: Hash
    public var issuedHeight: UInt64
    public var issuedTimeMs: UInt64
    /// 0 valid, 1 revoked.
    public var revoked: Bool
    public var reason: [UInt8]

    public init(bytes: [UInt8]) throws(CanonicalDecodingError) {
        var decoder = CanonicalDecoder(bytes)
        id = try decoder.readBytes(field: "certificate.id", limit: RegistryLimits.idBytesMax)
        department = try decoder.readBytes(field: "certificate.department", limit: RegistryLimits.departmentBytesMax)
        documentDigest = try decoder.read()
        certificateType = try decoder.readBytes(field: "certificate.certificateType", limit: RegistryLimits.textBytesMax)
        metadataDigest = try decoder.read()
        issuedHeight = try decoder.readUInt64()
        issuedTimeMs = try decoder.readUInt64()
        switch try decoder.readUInt8() {
        case 0: revoked = false
        case 1: revoked = true
        case let tag: throw .unknownVariant(type: "certificate status", tag: UInt64(tag))
        }
        reason = try decoder.readBytes(field: "certificate.reason", limit: RegistryLimits.textBytesMax)
        try decoder.finish()
    }
}
