import Foundation

/// The genesis document: everything a chain starts from (DESIGN §5), read from `Genesis/*.json`.
///
/// JSON is for people; the chain identifies the document by `hash`, the tagged SHA-256 of its canonical
/// encoding, so whitespace or key order in the file never changes the chain. `Genesis.load(json:)` names
/// the offending field in every error.
public struct Genesis: Codable, Hashable, Sendable {
    public var chainId: String
    /// Milliseconds since the Unix epoch; the parent timestamp of block 1.
    public var genesisTimeMs: UInt64
    public var protocolVersion: UInt32
    public var departments: [Department]
    public var validators: [GenesisValidator]
    public var accounts: [Account]
    public var consensus: ConsensusParameters
    public var governance: GovernanceParameters
    public var contracts: [GenesisContract]

    /// Assembles a document from its parts; nothing is checked until `validate()`.
    ///
    /// Tools such as `sbp network init` build a genesis in code and then run the same checks a loaded file gets.
    public init(
        chainId: String, genesisTimeMs: UInt64, protocolVersion: UInt32, departments: [Department], validators: [GenesisValidator],
        accounts: [Account], consensus: ConsensusParameters, governance: GovernanceParameters, contracts: [GenesisContract]
    ) {
        self.chainId = chainId
        self.genesisTimeMs = genesisTimeMs
        self.protocolVersion = protocolVersion
        self.departments = departments
        self.validators = validators
        self.accounts = accounts
        self.consensus = consensus
        self.governance = governance
        self.contracts = contracts
    }

    /// A bureau or department (B/D) that runs nodes and keeps records.
    public struct Department: Codable, Hashable, Sendable {
        /// Short identifier, e.g. `TD`.
        public var id: String
        public var name: String
        /// Compressed secp256k1 public keys (hex) of the department's admins; they vote on governance.
        public var adminKeys: [String]
        /// PEM certificate of the department's CA, which signs its nodes' TLS certificates.
        public var caCertificate: String

        public init(id: String, name: String, adminKeys: [String], caCertificate: String) {
            self.id = id
            self.name = name
            self.adminKeys = adminKeys
            self.caCertificate = caCertificate
        }
    }

    public struct GenesisValidator: Codable, Hashable, Sendable {
        public var name: String
        public var department: String
        /// Compressed secp256k1 consensus public key, hex.
        public var consensusPublicKey: String
        /// PEM TLS certificate of the validator's node, issued by its department's CA.
        public var tlsCertificate: String
        /// Where peers reach the node (`host:port`), written to chain state so every node dials it from
        /// there; nil or empty: none (issue 16, deliver 2). Omitted from JSON when nil.
        public var endpoints: [String]?

        public init(
            name: String, department: String, consensusPublicKey: String, tlsCertificate: String, endpoints: [String]? = nil
        ) {
            self.name = name
            self.department = department
            self.consensusPublicKey = consensusPublicKey
            self.tlsCertificate = tlsCertificate
            self.endpoints = endpoints
        }
    }

    public enum Role: String, Codable, Hashable, Sendable, CaseIterable {
        case admin, issuer, submitter, auditor
    }

    public struct Account: Codable, Hashable, Sendable {
        public var address: Address
        public var department: String
        public var roles: [Role]

        public init(address: Address, department: String, roles: [Role]) {
            self.address = address
            self.department = department
            self.roles = roles
        }
    }

    public struct ConsensusParameters: Codable, Hashable, Sendable {
        /// K: a checkpoint every K blocks (PBFT §4.3).
        public var checkpointInterval: UInt64
        /// L: heights a replica accepts above its low watermark; at least 2K.
        public var watermarkWindow: UInt64
        /// Logical ticks before a backup suspects the primary (doubled per failed view, up to the cap).
        public var viewChangeTimeoutTicks: UInt64
        public var viewChangeTimeoutTicksMax: UInt64
        /// Milliseconds one logical tick lasts on a real node.
        public var tickMs: UInt64
        public var blockTransactionsMax: UInt32
        public var blockBytesMax: UInt32
        public var blockFuelMax: UInt64
        /// How far ahead of a backup's clock a block timestamp may be (PBFT-NOTES rule 23).
        public var timestampDriftMsMax: UInt64
        /// The largest fuel limit one transaction may declare: well below `blockFuelMax`, so a sender
        /// declaring the most fuel cannot fill a block alone (issue 14, fair blocks). Optional in JSON:
        /// `blockFuelMax / ParameterRanges.transactionsAtFuelCapPerBlockMin` when absent.
        public var transactionFuelMax: UInt64
        /// Bytes one block may write to state, receipts and events (`docs/ledger.md` §5); keeps every block's
        /// store batch within the store's limits. Optional in JSON: `blockWriteBytesDefault` when absent.
        public var blockWriteBytesMax: UInt64

        /// The write budget of a genesis that does not name one: half the largest.
        public static let blockWriteBytesDefault: UInt64 = 8 * 1024 * 1024

        public init(
            checkpointInterval: UInt64, watermarkWindow: UInt64, viewChangeTimeoutTicks: UInt64, viewChangeTimeoutTicksMax: UInt64,
            tickMs: UInt64, blockTransactionsMax: UInt32, blockBytesMax: UInt32, blockFuelMax: UInt64, timestampDriftMsMax: UInt64,
            transactionFuelMax: UInt64? = nil, blockWriteBytesMax: UInt64 = blockWriteBytesDefault
        ) {
            self.checkpointInterval = checkpointInterval
            self.watermarkWindow = watermarkWindow
            self.viewChangeTimeoutTicks = viewChangeTimeoutTicks
            self.viewChangeTimeoutTicksMax = viewChangeTimeoutTicksMax
            self.tickMs = tickMs
            self.blockTransactionsMax = blockTransactionsMax
            self.blockBytesMax = blockBytesMax
            self.blockFuelMax = blockFuelMax
            self.timestampDriftMsMax = timestampDriftMsMax
            self.transactionFuelMax = transactionFuelMax ?? Self.transactionFuelDefault(blockFuelMax: blockFuelMax)
            self.blockWriteBytesMax = blockWriteBytesMax
        }

        /// The per-transaction fuel cap of parameters that do not name one.
        public static func transactionFuelDefault(blockFuelMax: UInt64) -> UInt64 {
            max(1, blockFuelMax / ParameterRanges.transactionsAtFuelCapPerBlockMin)
        }

        enum CodingKeys: String, CodingKey {
            case checkpointInterval, watermarkWindow, viewChangeTimeoutTicks, viewChangeTimeoutTicksMax, tickMs, blockTransactionsMax
            case blockBytesMax, blockFuelMax, timestampDriftMsMax, transactionFuelMax, blockWriteBytesMax
        }

        /// Reads the parameters; the two budgets added by issue 14 may be absent (older genesis files).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let blockFuelMax = try container.decode(UInt64.self, forKey: .blockFuelMax)
            self.init(
                checkpointInterval: try container.decode(UInt64.self, forKey: .checkpointInterval),
                watermarkWindow: try container.decode(UInt64.self, forKey: .watermarkWindow),
                viewChangeTimeoutTicks: try container.decode(UInt64.self, forKey: .viewChangeTimeoutTicks),
                viewChangeTimeoutTicksMax: try container.decode(UInt64.self, forKey: .viewChangeTimeoutTicksMax),
                tickMs: try container.decode(UInt64.self, forKey: .tickMs),
                blockTransactionsMax: try container.decode(UInt32.self, forKey: .blockTransactionsMax),
                blockBytesMax: try container.decode(UInt32.self, forKey: .blockBytesMax), blockFuelMax: blockFuelMax,
                timestampDriftMsMax: try container.decode(UInt64.self, forKey: .timestampDriftMsMax),
                transactionFuelMax: try container.decodeIfPresent(UInt64.self, forKey: .transactionFuelMax),
                blockWriteBytesMax: try container.decodeIfPresent(UInt64.self, forKey: .blockWriteBytesMax) ?? Self.blockWriteBytesDefault)
        }
    }

    public struct GovernanceParameters: Codable, Hashable, Sendable {
        /// A proposal passes with at least numerator/denominator of departments voting yes.
        public var thresholdNumerator: UInt32
        public var thresholdDenominator: UInt32
        /// Blocks after which an undecided proposal expires.
        public var proposalLifetimeBlocks: UInt64
        /// Whether departments may deploy their own (non-standard) contracts without a proposal.
        public var departmentsMayDeploy: Bool

        public init(thresholdNumerator: UInt32, thresholdDenominator: UInt32, proposalLifetimeBlocks: UInt64, departmentsMayDeploy: Bool) {
            self.thresholdNumerator = thresholdNumerator
            self.thresholdDenominator = thresholdDenominator
            self.proposalLifetimeBlocks = proposalLifetimeBlocks
            self.departmentsMayDeploy = departmentsMayDeploy
        }
    }

    public struct GenesisContract: Codable, Hashable, Sendable {
        public var name: String
        public var address: Address
        /// Path of the WebAssembly module, relative to the genesis file.
        public var codeFile: String
        /// SHA-256 of the module's bytes, so a changed file is caught.
        public var codeHash: Hash

        public init(name: String, address: Address, codeFile: String, codeHash: Hash) {
            self.name = name
            self.address = address
            self.codeFile = codeFile
            self.codeHash = codeHash
        }
    }
}

/// Why a genesis document cannot start a chain; `field` is a path such as `validators[2].consensusPublicKey`.
public struct GenesisError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "genesis: \(field): \(reason)" }
}

extension Genesis {
    /// Parses and validates a genesis document.
    public static func load(json: [UInt8]) throws(GenesisError) -> Genesis {
        let genesis: Genesis
        do {
            genesis = try JSONDecoder().decode(Genesis.self, from: Data(json))
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw GenesisError(unreadable: Data(json))
            }
            throw GenesisError(decodingError: error)
        } catch {
            throw GenesisError(field: "$", reason: "\(error)")
        }
        try genesis.validate()
        return genesis
    }

    /// Checks every rule a JSON schema cannot express: sizes, references, uniqueness, parameter relations.
    public func validate() throws(GenesisError) {
        try Self.checkIdentifier(chainId, field: "chainId", limit: Limits.chainIdBytesMax)
        guard protocolVersion >= 1 else { throw GenesisError(field: "protocolVersion", reason: "must be at least 1") }
        guard !departments.isEmpty else { throw GenesisError(field: "departments", reason: "at least one department is required") }
        guard departments.count <= Limits.genesisDepartmentsMax else {
            throw GenesisError(field: "departments", reason: "at most \(Limits.genesisDepartmentsMax) departments")
        }
        var departmentIds = Set<String>()
        for (index, department) in departments.enumerated() {
            let path = "departments[\(index)]"
            try Self.checkIdentifier(department.id, field: path + ".id", limit: Limits.identifierBytesMax)
            guard departmentIds.insert(department.id).inserted else {
                throw GenesisError(field: path + ".id", reason: "duplicate department id \"\(department.id)\"")
            }
            try Self.checkName(department.name, field: path + ".name")
            guard !department.adminKeys.isEmpty else {
                throw GenesisError(field: path + ".adminKeys", reason: "at least one admin key is required")
            }
            for (keyIndex, key) in department.adminKeys.enumerated() {
                _ = try Self.publicKey(key, field: "\(path).adminKeys[\(keyIndex)]")
            }
            try Self.checkCertificatePEM(department.caCertificate, field: path + ".caCertificate")
        }
        _ = try validatorSet()
        for (index, validator) in validators.enumerated() {
            let path = "validators[\(index)]"
            guard departmentIds.contains(validator.department) else {
                throw GenesisError(field: path + ".department", reason: "unknown department \"\(validator.department)\"")
            }
            try Self.checkCertificatePEM(validator.tlsCertificate, field: path + ".tlsCertificate")
            if let problem = NodeEndpoints.problem(list: validator.endpoints ?? []) {
                throw GenesisError(field: path + ".endpoints", reason: problem)
            }
        }
        guard accounts.count <= Limits.genesisAccountsMax else {
            throw GenesisError(field: "accounts", reason: "at most \(Limits.genesisAccountsMax) accounts")
        }
        var addresses = Set<Address>()
        for (index, account) in accounts.enumerated() {
            let path = "accounts[\(index)]"
            guard addresses.insert(account.address).inserted else {
                throw GenesisError(field: path + ".address", reason: "duplicate account \(account.address)")
            }
            guard departmentIds.contains(account.department) else {
                throw GenesisError(field: path + ".department", reason: "unknown department \"\(account.department)\"")
            }
            guard !account.roles.isEmpty, Set(account.roles).count == account.roles.count else {
                throw GenesisError(field: path + ".roles", reason: "roles must be non-empty and without duplicates")
            }
        }
        try consensus.validate()
        try governance.validate()
        var contractNames = Set<String>()
        for (index, contract) in contracts.enumerated() {
            try Self.checkIdentifier(contract.name, field: "contracts[\(index)].name", limit: Limits.identifierBytesMax)
            guard contractNames.insert(contract.name).inserted else {
                throw GenesisError(field: "contracts[\(index)].name", reason: "duplicate contract \"\(contract.name)\"")
            }
        }
    }

    /// The validator set at height 1, in document order.
    public func validatorSet() throws(GenesisError) -> ValidatorSet {
        var members: [Validator] = []
        for (index, validator) in validators.enumerated() {
            let path = "validators[\(index)]"
            try Self.checkIdentifier(validator.name, field: path + ".name", limit: Limits.identifierBytesMax)
            let key = try Self.publicKey(validator.consensusPublicKey, field: path + ".consensusPublicKey")
            do {
                members.append(try Validator(name: validator.name, department: validator.department, publicKey: key))
            } catch {
                throw GenesisError(field: path, reason: error.description)
            }
        }
        do {
            return try ValidatorSet(members)
        } catch {
            throw GenesisError(field: "validators", reason: error.description)
        }
    }

    /// Identifies the chain: the tagged SHA-256 of the canonical encoding of every field.
    public var hash: Hash {
        var encoder = CanonicalEncoder(reservingCapacity: 4096)
        encodeCanonical(to: &encoder)
        return Hash.tagged(.genesis, encoder.bytes)
    }

    func encodeCanonical(to encoder: inout CanonicalEncoder) {
        encoder.write(text: chainId)
        encoder.write(genesisTimeMs)
        encoder.write(protocolVersion)
        encoder.write(UInt32(departments.count))
        for department in departments {
            encoder.write(text: department.id)
            encoder.write(text: department.name)
            encoder.write(UInt32(department.adminKeys.count))
            for key in department.adminKeys { encoder.write(bytes: Hex.decode(key) ?? []) }
            encoder.write(text: department.caCertificate)
        }
        encoder.write(UInt32(validators.count))
        for validator in validators {
            encoder.write(text: validator.name)
            encoder.write(text: validator.department)
            encoder.write(bytes: Hex.decode(validator.consensusPublicKey) ?? [])
            encoder.write(text: validator.tlsCertificate)
        }
        encoder.write(UInt32(accounts.count))
        for account in accounts {
            encoder.write(account.address)
            encoder.write(text: account.department)
            encoder.write(UInt32(account.roles.count))
            for role in account.roles { encoder.write(text: role.rawValue) }
        }
        consensus.encodeCanonical(to: &encoder)
        governance.encodeCanonical(to: &encoder)
        encoder.write(UInt32(contracts.count))
        for contract in contracts {
            encoder.write(text: contract.name)
            encoder.write(contract.address)
            encoder.write(text: contract.codeFile)
            encoder.write(contract.codeHash)
        }
        // Endpoints came later (issue 16): a document without any keeps the hash it always had.
        if validators.contains(where: { !($0.endpoints ?? []).isEmpty }) {
            for validator in validators { NodeEndpoints.write(validator.endpoints ?? [], to: &encoder) }
        }
    }

    static func publicKey(_ text: String, field: String) throws(GenesisError) -> [UInt8] {
        guard let bytes = Hex.decode(text), bytes.count == Validator.publicKeyByteCount, bytes[0] == 0x02 || bytes[0] == 0x03 else {
            throw GenesisError(field: field, reason: "expected a compressed secp256k1 public key (66 hex digits starting 02 or 03)")
        }
        return bytes
    }

    static func checkIdentifier(_ value: String, field: String, limit: Int) throws(GenesisError) {
        let allowed = value.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".")
        }
        guard !value.isEmpty, value.utf8.count <= limit, allowed else {
            throw GenesisError(field: field, reason: "must be 1...\(limit) characters of A-Z a-z 0-9 - _ .")
        }
    }

    static func checkName(_ value: String, field: String) throws(GenesisError) {
        guard !value.isEmpty, value.utf8.count <= Limits.nameBytesMax else {
            throw GenesisError(field: field, reason: "must be 1...\(Limits.nameBytesMax) bytes")
        }
    }

    static func checkCertificatePEM(_ pem: String, field: String) throws(GenesisError) {
        let trimmed = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count <= Limits.certificatePEMBytesMax,
            trimmed.hasPrefix("-----BEGIN CERTIFICATE-----"), trimmed.hasSuffix("-----END CERTIFICATE-----")
        else {
            throw GenesisError(field: field, reason: "expected one PEM certificate (-----BEGIN CERTIFICATE----- ...)")
        }
    }
}

extension Genesis.ConsensusParameters {
    /// Checks every parameter against its range in `ParameterRanges`, then the relations between them
    /// (also applied to governance changes, when admitted and again when activated).
    ///
    /// Ranges are checked before relations, and relations are written without multiplication, so no value
    /// a proposal carries can make the check itself trap (issue 14, defect 1).
    public func validate() throws(GenesisError) {
        try Self.check(checkpointInterval, in: ParameterRanges.checkpointInterval, "checkpointInterval")
        try Self.check(watermarkWindow, in: ParameterRanges.watermarkWindow, "watermarkWindow")
        try Self.check(viewChangeTimeoutTicks, in: ParameterRanges.viewChangeTimeoutTicks, "viewChangeTimeoutTicks")
        try Self.check(viewChangeTimeoutTicksMax, in: ParameterRanges.viewChangeTimeoutTicks, "viewChangeTimeoutTicksMax")
        try Self.check(tickMs, in: ParameterRanges.tickMs, "tickMs")
        try Self.check(blockTransactionsMax, in: ParameterRanges.blockTransactions, "blockTransactionsMax")
        try Self.check(blockBytesMax, in: ParameterRanges.blockBytes, "blockBytesMax")
        try Self.check(blockFuelMax, in: ParameterRanges.blockFuel, "blockFuelMax")
        try Self.check(timestampDriftMsMax, in: ParameterRanges.timestampDriftMs, "timestampDriftMsMax")
        try Self.check(transactionFuelMax, in: ParameterRanges.transactionFuel, "transactionFuelMax")
        try Self.check(blockWriteBytesMax, in: ParameterRanges.blockWriteBytes, "blockWriteBytesMax")
        // Relations, each side already within its range.
        guard watermarkWindow / 2 >= checkpointInterval else {
            throw GenesisError(field: "consensus.watermarkWindow", reason: "must be at least 2 × checkpointInterval (PBFT §4.3)")
        }
        guard viewChangeTimeoutTicksMax >= viewChangeTimeoutTicks else {
            throw GenesisError(field: "consensus.viewChangeTimeoutTicksMax", reason: "must be at least viewChangeTimeoutTicks")
        }
        guard transactionFuelMax <= blockFuelMax / ParameterRanges.transactionsAtFuelCapPerBlockMin else {
            throw GenesisError(
                field: "consensus.transactionFuelMax",
                reason: "must be at most blockFuelMax / \(ParameterRanges.transactionsAtFuelCapPerBlockMin), so a block holds that many "
                    + "transactions at the cap")
        }
    }

    static func check<Value: FixedWidthInteger>(_ value: Value, in range: ClosedRange<Value>, _ name: String) throws(GenesisError) {
        guard range.contains(value) else {
            throw GenesisError(field: "consensus." + name, reason: "must be \(range.lowerBound)...\(range.upperBound), not \(value)")
        }
    }

    func encodeCanonical(to encoder: inout CanonicalEncoder) {
        encoder.write(checkpointInterval)
        encoder.write(watermarkWindow)
        encoder.write(viewChangeTimeoutTicks)
        encoder.write(viewChangeTimeoutTicksMax)
        encoder.write(tickMs)
        encoder.write(blockTransactionsMax)
        encoder.write(blockBytesMax)
        encoder.write(blockFuelMax)
        encoder.write(timestampDriftMsMax)
        encoder.write(transactionFuelMax)
        encoder.write(blockWriteBytesMax)
    }
}

extension Genesis.GovernanceParameters {
    /// Checks the threshold and lifetime (also applied to governance changes of these parameters).
    public func validate() throws(GenesisError) {
        for (value, name) in [(thresholdNumerator, "thresholdNumerator"), (thresholdDenominator, "thresholdDenominator")] {
            guard ParameterRanges.thresholdTerm.contains(value) else {
                throw GenesisError(
                    field: "governance." + name,
                    reason:
                        "must be \(ParameterRanges.thresholdTerm.lowerBound)...\(ParameterRanges.thresholdTerm.upperBound), not \(value)")
            }
        }
        guard thresholdNumerator <= thresholdDenominator else {
            throw GenesisError(field: "governance.thresholdNumerator", reason: "need 1 ≤ numerator ≤ denominator")
        }
        guard ParameterRanges.proposalLifetimeBlocks.contains(proposalLifetimeBlocks) else {
            throw GenesisError(field: "governance.proposalLifetimeBlocks", reason: "must be 1...2^40, not \(proposalLifetimeBlocks)")
        }
    }

    func encodeCanonical(to encoder: inout CanonicalEncoder) {
        encoder.write(thresholdNumerator)
        encoder.write(thresholdDenominator)
        encoder.write(proposalLifetimeBlocks)
        encoder.write(departmentsMayDeploy)
    }
}

extension GenesisError {
    /// Names what `JSONDecoder` refused without a path: malformed JSON, or a number its field cannot hold.
    init(unreadable json: Data) {
        if let (field, reason) = JSONNumberDiagnosis.locate(in: json) {
            self.init(field: field, reason: reason)
        } else {
            self.init(
                field: "$",
                reason: "a number does not fit its field (protocolVersion, blockTransactionsMax, blockBytesMax and the "
                    + "governance thresholds are 32-bit; every other number is 64-bit)")
        }
    }

    /// Turns a JSON decoding error into a field path and a reason.
    init(decodingError: DecodingError) {
        func path(_ codingPath: [any CodingKey]) -> String {
            var result = ""
            for key in codingPath {
                if let index = key.intValue { result += "[\(index)]" } else { result += (result.isEmpty ? "" : ".") + key.stringValue }
            }
            return result.isEmpty ? "$" : result
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            self.init(field: parent == "$" ? key.stringValue : parent + "." + key.stringValue, reason: "missing")
        case .typeMismatch(let type, let context):
            self.init(field: path(context.codingPath), reason: "expected \(type)")
        case .valueNotFound(let type, let context):
            self.init(field: path(context.codingPath), reason: "expected \(type), found null")
        case .dataCorrupted(let context):
            self.init(field: path(context.codingPath), reason: context.debugDescription)
        @unknown default:
            self.init(field: "$", reason: "\(decodingError)")
        }
    }
}
