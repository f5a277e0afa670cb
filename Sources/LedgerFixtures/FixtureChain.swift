import ChainTypes
import ContractVM
import Foundation
import Keys
import Ledger
import PeerNetwork
import Storage

/// A reproducible chain for tests, benchmarks and the two-process replay: fixed keys, the example
/// genesis with those keys, the standard contracts, and helpers that sign transactions and make blocks.
///
/// Keys derive from SHA-256 of a label, so two processes build byte-identical chains. Blocks carry real
/// commit certificates signed by the fixture validators, so a `BlockStore` accepts them and a verifier
/// could check them.
public final class FixtureChain: @unchecked Sendable {
    public let bundle: GenesisBundle
    public var genesis: Genesis { bundle.genesis }
    public var chainId: String { genesis.chainId }
    /// Department ids in genesis order.
    public let departments: [String]
    /// Per department: admin, issuer (issuer + submitter), submitter, auditor.
    public let admins: [String: PrivateKey]
    public let issuers: [String: PrivateKey]
    public let submitters: [String: PrivateKey]
    public let auditors: [String: PrivateKey]
    /// Consensus keys of validators the fixture can sign for (tests add rotated keys here).
    public var validatorKeys: [PrivateKey]
    /// Addresses of the standard contracts.
    public let licenceRegistry: Address
    public let certificateRegistry: Address
    public let licenceInterface: ContractInterface
    public let certificateInterface: ContractInterface
    /// The next nonce per sender, as the fixture has signed them.
    private var nonces: [Address: UInt64] = [:]

    /// The repository root (found from this file's path), where `Genesis/` lives.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A deterministic key from a label.
    public static func key(_ label: String) -> PrivateKey {
        // A SHA-256 output is a valid secp256k1 secret with overwhelming probability; labels are fixed.
        (try? PrivateKey(bytes: Hash.sha256(Array("sbp-fixture/\(label)".utf8)).bytes))!
    }

    /// Builds the fixture genesis: the example document's departments, certificates and contracts with
    /// fixture keys, and `blockFuelMax` raised so one block can hold thousands of contract calls.
    public init(governance: (numerator: UInt32, denominator: UInt32, lifetime: UInt64, departmentsMayDeploy: Bool) = (2, 3, 100, false))
        throws
    {
        let root = Self.repositoryRoot
        let examplePath = root.appendingPathComponent("Genesis/example.json")
        var document = try JSONSerialization.jsonObject(with: Data(contentsOf: examplePath)) as! [String: Any]
        var departmentsJSON = document["departments"] as! [[String: Any]]
        // Certificates in the profile of docs/peer-network.md, with CA keys tests can issue from.
        for index in departmentsJSON.indices {
            departmentsJSON[index]["caCertificate"] =
                FixtureCertificates.departmentCAs[departmentsJSON[index]["id"] as! String]!.certificate
        }
        var admins: [String: PrivateKey] = [:]
        var issuers: [String: PrivateKey] = [:]
        var submitters: [String: PrivateKey] = [:]
        var auditors: [String: PrivateKey] = [:]
        var accounts: [[String: Any]] = []
        var ids: [String] = []
        for index in departmentsJSON.indices {
            let id = departmentsJSON[index]["id"] as! String
            ids.append(id)
            let admin = Self.key("\(id)/admin")
            admins[id] = admin
            issuers[id] = Self.key("\(id)/issuer")
            submitters[id] = Self.key("\(id)/submitter")
            auditors[id] = Self.key("\(id)/auditor")
            departmentsJSON[index]["adminKeys"] = [Hex.encode(admin.publicKey.compressed)]
            accounts.append(["address": admin.address.description, "department": id, "roles": ["admin"]])
            accounts.append(["address": issuers[id]!.address.description, "department": id, "roles": ["issuer", "submitter"]])
            accounts.append(["address": submitters[id]!.address.description, "department": id, "roles": ["submitter"]])
            accounts.append(["address": auditors[id]!.address.description, "department": id, "roles": ["auditor"]])
        }
        document["departments"] = departmentsJSON
        document["accounts"] = accounts
        var validatorsJSON = document["validators"] as! [[String: Any]]
        var validatorKeys: [PrivateKey] = []
        for index in validatorsJSON.indices {
            let key = Self.key("validator/\(index)")
            validatorKeys.append(key)
            validatorsJSON[index]["consensusPublicKey"] = Hex.encode(key.publicKey.compressed)
            validatorsJSON[index]["tlsCertificate"] = FixtureCertificates.validatorCertificates[validatorsJSON[index]["name"] as! String]!
        }
        document["validators"] = validatorsJSON
        var consensus = document["consensus"] as! [String: Any]
        consensus["blockTransactionsMax"] = 10_000
        consensus["blockBytesMax"] = 16 * 1024 * 1024
        consensus["blockFuelMax"] = 1_000_000_000_000 as UInt64
        document["consensus"] = consensus
        document["governance"] = [
            "thresholdNumerator": governance.numerator, "thresholdDenominator": governance.denominator,
            "proposalLifetimeBlocks": governance.lifetime, "departmentsMayDeploy": governance.departmentsMayDeploy,
        ]
        let json = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        let genesis = try Genesis.load(json: Array(json))
        var code: [String: [UInt8]] = [:]
        for contract in genesis.contracts {
            code[contract.name] = Array(
                try Data(contentsOf: root.appendingPathComponent("Genesis").appendingPathComponent(contract.codeFile)))
        }
        bundle = try GenesisBundle(genesis: genesis, code: code)
        departments = ids
        self.admins = admins
        self.issuers = issuers
        self.submitters = submitters
        self.auditors = auditors
        self.validatorKeys = validatorKeys
        licenceRegistry = genesis.contracts.first { $0.name == "licence_registry" }!.address
        certificateRegistry = genesis.contracts.first { $0.name == "certificate_registry" }!.address
        let decoder = JSONDecoder()
        licenceInterface = try decoder.decode(
            ContractInterface.self, from: Data(contentsOf: root.appendingPathComponent("Genesis/contracts/licence_registry.interface.json"))
        )
        certificateInterface = try decoder.decode(
            ContractInterface.self,
            from: Data(contentsOf: root.appendingPathComponent("Genesis/contracts/certificate_registry.interface.json")))
    }

    // MARK: Certificates

    /// A node certificate for `name` issued by `department`'s fixture CA (or `issuer`), valid over the
    /// given window (by default the fixture CA's own).
    public func nodeCertificatePEM(
        name: String, department: String, issuer: IssuedCertificate? = nil, notValidBefore: Date = FixtureChain.certificatesValidFrom,
        notValidAfter: Date = FixtureChain.certificatesValidUntil
    ) throws -> String {
        let issuer = try issuer ?? departmentCA(department)
        return try PeerCertificates.makeNodeCertificate(
            nodeName: name, department: department, issuer: issuer, notValidBefore: notValidBefore, notValidAfter: notValidAfter
        ).certificatePEM
    }

    /// The fixture CA of a genesis department, with its private key.
    public func departmentCA(_ department: String) throws -> IssuedCertificate {
        guard let ca = FixtureCertificates.departmentCAs[department] else { throw FixtureError.unknownDepartment(department) }
        return try IssuedCertificate(certificatePEM: ca.certificate, privateKeyPEM: ca.privateKey)
    }

    /// The validity window of the fixture certificates, which covers the fixture chain's block times.
    public static let certificatesValidFrom = Date(timeIntervalSince1970: 1_793_491_200)  // 2026-11-01
    public static let certificatesValidUntil = Date(timeIntervalSince1970: 2_109_110_400)  // 2036-11-01

    public enum FixtureError: Error {
        case unknownDepartment(String)
        case noValidatorSet(height: UInt64)
    }

    // MARK: Transactions

    /// The nonce the fixture will give `sender`'s next transaction.
    public func nextNonce(_ sender: Address) -> UInt64 { nonces[sender, default: 0] }

    /// Sets the next nonce of `sender` (after a rejected transaction that did not consume one).
    public func setNonce(_ nonce: UInt64, for sender: Address) { nonces[sender] = nonce }

    /// Signs a transaction from `key` with its next nonce (or `nonce`).
    public func transaction(
        from key: PrivateKey, kind: TransactionKind, payload: [UInt8], nonce: UInt64? = nil, fuelLimit: UInt64 = 5_000_000,
        expiryHeight: UInt64 = 1_000_000, chainId: String? = nil
    ) -> Transaction {
        let nonce = nonce ?? nonces[key.address, default: 0]
        nonces[key.address] = max(nonces[key.address, default: 0], nonce + 1)
        let body = TransactionBody(
            chainId: chainId ?? self.chainId, sender: key.address, nonce: nonce, kind: kind, payload: payload, fuelLimit: fuelLimit,
            expiryHeight: expiryHeight)
        return try! Transaction(signing: body, with: key)
    }

    /// A contract call with arguments given as text (`ABICodec.encodeCall(method:arguments:)`).
    public func call(
        _ contract: Address, interface: ContractInterface, method: String, _ arguments: [String], from key: PrivateKey,
        fuelLimit: UInt64 = 5_000_000, nonce: UInt64? = nil
    ) throws -> Transaction {
        let input = try ABICodec(interface: interface).encodeCall(method: method, arguments: arguments)
        return transaction(
            from: key, kind: .call, payload: CallPayload(contract: contract, input: input).canonicalBytes, nonce: nonce,
            fuelLimit: fuelLimit)
    }

    public func licenceCall(_ method: String, _ arguments: [String], from key: PrivateKey, fuelLimit: UInt64 = 5_000_000) throws
        -> Transaction
    {
        try call(licenceRegistry, interface: licenceInterface, method: method, arguments, from: key, fuelLimit: fuelLimit)
    }

    public func certificateCall(_ method: String, _ arguments: [String], from key: PrivateKey) throws -> Transaction {
        try call(certificateRegistry, interface: certificateInterface, method: method, arguments, from: key)
    }

    public func governance(_ action: GovernanceAction, from key: PrivateKey) -> Transaction {
        transaction(from: key, kind: .governance, payload: action.canonicalBytes)
    }

    public func account(_ action: AccountAction, from key: PrivateKey) -> Transaction {
        transaction(from: key, kind: .account, payload: action.canonicalBytes)
    }

    // MARK: Blocks

    /// The next block on `ledger` holding `transactions`, proposed by validator 0 in view 0.
    public func block(on ledger: Ledger, transactions: [Transaction], timestampMs: UInt64? = nil) throws -> Block {
        let view = try ledger.view()
        let height = view.height + 1
        let parent = try view.block(at: view.height)
        let roots = ledger.latestRoots
        let validators = try Self.validators(at: height, after: view)
        let header = BlockHeader(
            chainId: chainId, height: height, view: 0,
            timestampMs: timestampMs ?? (parent?.header.timestampMs ?? genesis.genesisTimeMs) + 1000,
            parentHash: parent?.hash ?? .zero, proposer: validatorKeys[0].address,
            transactionsRoot: Block.transactionsRoot(of: transactions),
            lastCommitHash: Block.lastCommitHash(of: try view.certificate(at: view.height)),
            previousReceiptsRoot: roots.receiptsRoot, stateRoot: roots.stateRoot, validatorsHash: validators.hash)
        return Block(header: header, transactions: transactions, lastCommit: try view.certificate(at: view.height))
    }

    /// The validator set deciding `height` (the next or the one after), as consensus knows it after
    /// `view`'s height: a set already announced for it, else the set in force (PBFT-NOTES rule 20). The
    /// state's epochs alone still give the old set at an activation height.
    public static func validators(at height: UInt64, after view: LedgerView) throws -> ValidatorSet {
        if let announced = try view.announcedValidatorSets().last(where: { $0.firstHeight <= height }) { return announced.validators }
        guard let validators = try view.epochs().validators(at: height) else { throw FixtureError.noValidatorSet(height: height) }
        return validators
    }

    /// A commit certificate for `block`, signed by a quorum of the fixture validators.
    public func certificate(for block: Block, validators: ValidatorSet) throws -> CommitCertificate {
        let digest = CommitVote.signingDigest(chainId: chainId, view: block.header.view, height: block.height, blockHash: block.hash)
        var votes: [CommitVote] = []
        for (index, member) in validators.validators.enumerated() where votes.count < validators.quorum {
            guard let key = validatorKeys.first(where: { $0.address == member.address }) else { continue }
            votes.append(CommitVote(validatorIndex: UInt16(index), signature: key.sign(digest)))
        }
        return try CommitCertificate(height: block.height, view: block.header.view, blockHash: block.hash, votes: votes)
    }

    /// Makes, executes and finalizes the next block; returns its receipts.
    @discardableResult
    public func commit(_ transactions: [Transaction], on ledger: Ledger) throws -> ExecutedBlock {
        let block = try block(on: ledger, transactions: transactions)
        let executed = try ledger.execute(block)
        let validators = try Self.validators(at: block.height, after: ledger.view())
        try ledger.finalize(executed, certificate: try certificate(for: block, validators: validators))
        return executed
    }
}
