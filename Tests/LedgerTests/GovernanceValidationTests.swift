import ChainTypes
import Foundation
import Keys
import Ledger
import LedgerFixtures
import PeerNetwork
import Testing

/// Governance validated at the door (issue 14, defects 1 and 2): parameter proposals are range-checked
/// without trapping arithmetic at admission and again when they activate; certificates are parsed
/// completely and chained to their department's CA; a faulty primary's inclusion of a bad proposal fails
/// with a receipt while the block executes.
@Suite struct GovernanceValidationTests {
    let chain: FixtureChain
    let ledger: Ledger

    init() throws {
        (chain, ledger) = try makeLedger()
    }

    func admin(_ index: Int) -> PrivateKey { chain.admins[chain.departments[index]]! }

    func proposal(_ change: ProposalChange, by index: Int = 0) -> Transaction {
        chain.governance(.propose(change: change, activationHeight: 0, description: change.kindName), from: admin(index))
    }

    /// The admission check, as if the mempool held the sender's transactions before this one.
    func admission(_ transaction: Transaction) -> TransactionRejection? {
        let accountNonce = (try? ledger.view().account(transaction.body.sender)?.nonce) ?? 0
        let context = AdmissionContext(pendingFromSender: transaction.body.nonce - accountNonce)
        if case .failure(let rejection) = ledger.check(transaction, context: context) { return rejection }
        return nil
    }

    // MARK: Defect 1: consensus parameters

    @Test func defect1_aProposalWithCheckpointInterval2To63IsRefusedAndFailsWithAReceiptWhenForcedIntoABlock() throws {
        var parameters = chain.genesis.consensus
        parameters.checkpointInterval = 1 << 63
        let transaction = proposal(.setConsensusParameters(parameters))
        guard case .invalidProposal(let reason) = admission(transaction) else {
            Issue.record("expected the proposal to be refused at admission")
            return
        }
        #expect(reason.contains("checkpointInterval"))
        // A faulty primary includes it anyway: the block executes, the receipt says why.
        let executed = try chain.commit([transaction], on: ledger)
        #expect(executed.receipts[0].status == .reverted)
        #expect(executed.receipts[0].errorMessage.contains("consensus.checkpointInterval"))
        #expect(try ledger.view().parameters().consensus == chain.genesis.consensus)
        try chain.commit([], on: ledger)  // the chain continues
        #expect(ledger.height == 2)
    }

    @Test func defect1_aWatermarkWindowAboveWhatTheReplicaSupportsIsRefused() throws {
        var parameters = chain.genesis.consensus
        parameters.watermarkWindow = ParameterRanges.watermarkWindow.upperBound + 1
        guard case .invalidProposal(let reason) = admission(proposal(.setConsensusParameters(parameters))) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(reason.contains("watermarkWindow"))
    }

    /// Every field of the consensus parameters at 0, 1, 2^63 and 2^64−1 (the others as in genesis): the
    /// checks never trap, out-of-range values are refused at the door and reverted in a block, and the
    /// chain keeps committing.
    @Test(arguments: [UInt64(0), 1, 1 << 63, .max])
    func defect1_everyConsensusParameterAtAnExtremeIsCheckedWithoutTrapping(value: UInt64) throws {
        var transactions: [Transaction] = []
        for field in ConsensusField.allCases {
            var parameters = chain.genesis.consensus
            field.set(&parameters, value)
            let transaction = proposal(.setConsensusParameters(parameters))
            let inRange = (try? parameters.validate()) != nil
            #expect((admission(transaction) == nil) == inRange, "\(field) = \(value)")
            transactions.append(transaction)
        }
        let executed = try chain.commit(transactions, on: ledger)
        for (field, receipt) in zip(ConsensusField.allCases, executed.receipts) {
            var parameters = chain.genesis.consensus
            field.set(&parameters, value)
            let inRange = (try? parameters.validate()) != nil
            #expect((receipt.status == .success) == inRange, "\(field) = \(value): \(receipt.errorMessage)")
        }
        try chain.commit([], on: ledger)
    }

    @Test(arguments: [UInt64(0), 1, .max])
    func defect1_everyGovernanceParameterAtAnExtremeIsCheckedWithoutTrapping(value: UInt64) throws {
        let fields: [(String, (inout Genesis.GovernanceParameters) -> Void)] = [
            ("thresholdNumerator", { $0.thresholdNumerator = UInt32(truncatingIfNeeded: value) }),
            ("thresholdDenominator", { $0.thresholdDenominator = UInt32(truncatingIfNeeded: value) }),
            ("proposalLifetimeBlocks", { $0.proposalLifetimeBlocks = value }),
        ]
        for (name, set) in fields {
            var parameters = chain.genesis.governance
            set(&parameters)
            let inRange = (try? parameters.validate()) != nil
            let transaction = proposal(.setGovernanceParameters(parameters))
            #expect((admission(transaction) == nil) == inRange, "\(name) = \(value)")
            let receipt = try chain.commit([transaction], on: ledger).receipts[0]
            #expect((receipt.status == .success) == inRange, "\(name) = \(value): \(receipt.errorMessage)")
        }
    }

    @Test func defect1_aParameterChangeIsCheckedAgainWhenItActivates() throws {
        // Valid when proposed; at activation the checks run again (the same ranges), so it activates.
        var parameters = chain.genesis.consensus
        parameters.checkpointInterval = 32
        _ = try chain.commit([proposal(.setConsensusParameters(parameters))], on: ledger)
        _ = try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admin($0)) }, on: ledger)
        #expect(try ledger.view().proposal(1)?.status == .activated)
        #expect(try ledger.view().parameters().consensus.checkpointInterval == 32)
    }

    @Test func defect1_genesisWithAnOutOfRangeParameterIsRefusedWithTheField() throws {
        var genesis = chain.genesis
        genesis.consensus.viewChangeTimeoutTicksMax = .max
        #expect(throws: GenesisError.self) { try genesis.validate() }
        genesis = chain.genesis
        genesis.consensus.timestampDriftMsMax = .max
        do {
            try genesis.validate()
            Issue.record("expected a refusal")
        } catch {
            #expect(error.field == "consensus.timestampDriftMsMax")
        }
    }

    // MARK: Defect 2: certificates

    func addValidator(_ pem: String, name: String = "td-2", department: String = "TD") -> Transaction {
        proposal(
            .addValidator(
                name: name, department: department, consensusKey: FixtureChain.key("validator/\(name)").publicKey.compressed,
                tlsCertificate: pem))
    }

    func expectRefused(_ transaction: Transaction, containing text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard case .invalidProposal(let reason) = admission(transaction) else {
            Issue.record("expected a refusal at admission", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains(text), "\(reason)", sourceLocation: sourceLocation)
        let receipt = try chain.commit([transaction], on: ledger).receipts[0]
        #expect(receipt.status == .reverted, sourceLocation: sourceLocation)
        #expect(receipt.errorMessage.contains(text), "\(receipt.errorMessage)", sourceLocation: sourceLocation)
    }

    @Test func defect2_aTruncatedCertificateIsRefused() throws {
        let pem = try chain.nodeCertificatePEM(name: "td-2", department: "TD")
        var lines = pem.split(separator: "\n").map(String.init)
        lines.remove(at: lines.count / 2)  // one base64 line fewer: still PEM-shaped, no longer a certificate
        try expectRefused(addValidator(lines.joined(separator: "\n")), containing: "does not parse")
        // Cut short inside the base64 as well.
        try expectRefused(addValidator(String(pem.prefix(120)) + "\n-----END CERTIFICATE-----"), containing: "does not parse")
    }

    @Test func defect2_aCertificateFromAnotherDepartmentsCAIsRefused() throws {
        let pem = try chain.nodeCertificatePEM(name: "td-2", department: "TD", issuer: try chain.departmentCA("IMMD"))
        try expectRefused(addValidator(pem), containing: "not signed by department TD's CA")
        let stranger = try PeerCertificates.makeDepartmentCA(
            department: "TD", notValidBefore: FixtureChain.certificatesValidFrom, notValidAfter: FixtureChain.certificatesValidUntil)
        let forged = try chain.nodeCertificatePEM(name: "td-2", department: "TD", issuer: stranger)
        try expectRefused(addValidator(forged), containing: "not signed by department TD's CA")
    }

    @Test func defect2_anExpiredCertificateIsRefused() throws {
        let genesisTime = Date(timeIntervalSince1970: Double(chain.genesis.genesisTimeMs / 1000))
        let pem = try chain.nodeCertificatePEM(
            name: "td-2", department: "TD", notValidBefore: FixtureChain.certificatesValidFrom,
            notValidAfter: genesisTime.addingTimeInterval(-60))
        try expectRefused(addValidator(pem), containing: "expired")
    }

    @Test func defect2_aCertificateOutsideTheNodeProfileIsRefused() throws {
        // The name in the certificate must be the validator's.
        try expectRefused(addValidator(try chain.nodeCertificatePEM(name: "td-9", department: "TD")), containing: "node name td-2")
        // A CA certificate is not a node certificate.
        try expectRefused(addValidator(try chain.departmentCA("TD").certificatePEM), containing: "node certificate must not be")
        // Another validator's certificate.
        try expectRefused(addValidator(chain.genesis.validators[0].tlsCertificate), containing: "belongs to another validator")
    }

    @Test func defect2_aWellFormedValidatorCertificateIsAdmittedAndActivates() throws {
        let transaction = addValidator(try chain.nodeCertificatePEM(name: "td-2", department: "TD"))
        #expect(admission(transaction) == nil)
        _ = try chain.commit([transaction], on: ledger)
        _ = try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admin($0)) }, on: ledger)
        try chain.commit([], on: ledger)
        try chain.commit([], on: ledger)
        #expect(try ledger.view().validators().map(\.name).contains("td-2"))
    }

    @Test func defect2_aDepartmentCAMustBeACompleteSelfSignedCA() throws {
        let newAdmin = FixtureChain.key("NEW/admin").publicKey.compressed
        func add(_ pem: String) -> Transaction {
            proposal(.addDepartment(id: "NEW", name: "New Department", adminKeys: [newAdmin], caCertificate: pem))
        }
        let ca = try PeerCertificates.makeDepartmentCA(
            department: "NEW", notValidBefore: FixtureChain.certificatesValidFrom, notValidAfter: FixtureChain.certificatesValidUntil)
        let pem = try ca.certificatePEM
        try expectRefused(add(String(pem.dropLast(40)) + "\n-----END CERTIFICATE-----"), containing: "does not parse")
        try expectRefused(add(try chain.nodeCertificatePEM(name: "td-2", department: "TD")), containing: "self-signed")
        #expect(admission(add(pem)) == nil)
    }

    @Test func defect2_aValidatorCannotJoinADepartmentRemovedBeforeItActivates() throws {
        // Both pass at height 3 and activate at 5: the department goes first, so the validator's activation
        // fails instead of registering a certificate no CA on chain vouches for.
        let pem = try chain.nodeCertificatePEM(name: "dh-2", department: "DH")
        let transactions = [
            chain.governance(.propose(change: .removeDepartment(id: "DH"), activationHeight: 5, description: ""), from: admin(0)),
            chain.governance(
                .propose(
                    change: .addValidator(
                        name: "dh-2", department: "DH", consensusKey: FixtureChain.key("validator/dh-2").publicKey.compressed,
                        tlsCertificate: pem), activationHeight: 5, description: ""), from: admin(1)),
        ]
        _ = try chain.commit(transactions, on: ledger)
        _ = try chain.commit(
            [chain.governance(.vote(proposal: 1, approve: true), from: admin(1))]
                + [1, 2].map { chain.governance(.vote(proposal: $0, approve: true), from: admin(2)) }
                + [chain.governance(.vote(proposal: 2, approve: true), from: admin(0))], on: ledger)
        for _ in 0..<3 { try chain.commit([], on: ledger) }
        #expect(try ledger.view().proposal(2)?.status == .failed)
        #expect(try !ledger.view().validators().contains { $0.name == "dh-2" })
    }
}
