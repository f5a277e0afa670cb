/// An event a contract emitted while executing a transaction.
public struct Event: Hashable, Sendable {
    /// The emitting contract.
    public var contract: Address
    /// A short name filters match on (for example `LicenceIssued`).
    public var topic: String
    public var data: [UInt8]

    public init(contract: Address, topic: String, data: [UInt8]) {
        self.contract = contract
        self.topic = topic
        self.data = data
    }
}

extension Event: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(contract)
        encoder.write(text: topic)
        encoder.write(bytes: data)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        contract = try decoder.read()
        topic = try decoder.readText(field: "event.topic", limit: Limits.eventTopicBytesMax)
        data = try decoder.readBytes(field: "event.data", limit: Limits.eventDataBytesMax)
    }
}

/// How a transaction ended. Every committed transaction has a receipt, including failed ones.
public enum ReceiptStatus: UInt8, Sendable, CaseIterable, Codable {
    case success = 0
    /// An admission check failed at execution (a faulty primary's inclusion: nonce, permission, expiry,
    /// signature, ...; PBFT-NOTES rule 24). Nothing changed and no nonce was used.
    case rejected = 1
    /// The contract reverted with a message.
    case reverted = 2
    /// Execution used the whole fuel limit.
    case outOfFuel = 3
    /// The contract trapped (bad memory access, unreachable, call depth).
    case trapped = 4
}

extension ReceiptStatus: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) { encoder.write(rawValue) }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        let tag = try decoder.readUInt8()
        guard let status = ReceiptStatus(rawValue: tag) else { throw .unknownVariant(type: "ReceiptStatus", tag: UInt64(tag)) }
        self = status
    }
}

/// The outcome of executing one transaction.
public struct Receipt: Hashable, Sendable {
    public var transactionHash: Hash
    public var status: ReceiptStatus
    public var fuelUsed: UInt64
    /// Empty on success; a readable reason otherwise.
    public var errorMessage: String
    public var events: [Event]
    public var returnData: [UInt8]

    public init(transactionHash: Hash, status: ReceiptStatus, fuelUsed: UInt64, errorMessage: String, events: [Event], returnData: [UInt8])
    {
        self.transactionHash = transactionHash
        self.status = status
        self.fuelUsed = fuelUsed
        self.errorMessage = errorMessage
        self.events = events
        self.returnData = returnData
    }

    public var hash: Hash { Hash.tagged(.receipt, self) }
}

extension Receipt: CanonicalCodable {
    public func encode(to encoder: inout CanonicalEncoder) {
        encoder.write(transactionHash)
        encoder.write(status)
        encoder.write(fuelUsed)
        encoder.write(text: errorMessage)
        encoder.write(sequence: events)
        encoder.write(bytes: returnData)
    }

    public init(from decoder: inout CanonicalDecoder) throws(CanonicalDecodingError) {
        transactionHash = try decoder.read()
        status = try decoder.read()
        fuelUsed = try decoder.readUInt64()
        errorMessage = try decoder.readText(field: "receipt.errorMessage", limit: Limits.errorMessageBytesMax)
        events = try decoder.readSequence(field: "receipt.events", limit: Limits.eventsPerReceiptMax)
        returnData = try decoder.readBytes(field: "receipt.returnData", limit: Limits.returnDataBytesMax)
    }
}
