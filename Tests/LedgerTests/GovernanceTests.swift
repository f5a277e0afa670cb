import ChainTypes
import Keys
import Ledger
import LedgerFixtures
import Testing

/// Governance paths: pass, fail by threshold, expire, activation at the right height, and the validator
/// set handed to consensus two heights ahead (DESIGN §5, PBFT-NOTES rule 20).
@Suite struct GovernanceTests {
    let chain: FixtureChain
    let ledger: Ledger

    init() throws {
        (chain, ledger) = try makeLedger()
    }

    func admin(_ index: Int) -> PrivateKey { chain.admins[chain.departments[index]]! }

    func propose(_ change: ProposalChange, activationHeight: UInt64 = 0, by index: Int = 0) throws -> ExecutedBlock {
        try chain.commit(
            [
                chain.governance(
                    .propose(change: change, activationHeight: activationHeight, description: change.kindName), from: admin(index))
            ],
            on: ledger)
    }

    func vote(_ id: UInt64, _ approve: Bool, by indexes: [Int]) throws -> ExecutedBlock {
        try chain.commit(indexes.map { chain.governance(.vote(proposal: id, approve: approve), from: admin($0)) }, on: ledger)
    }

    @Test func aProposalPassesWithTwoThirdsOfDepartmentsAndActivatesAtOnceWhenItsHeightHasPassed() throws {
        let created = try propose(.setProtocolVersion(2))
        #expect(created.receipts[0].status == .success)
        #expect(created.receipts[0].returnData == UInt64(1).canonicalBytes)
        #expect(try ledger.view().proposal(1)?.status == .open)
        _ = try vote(1, true, by: [1])  // 2 of 4: below 2/3
        #expect(try ledger.view().proposal(1)?.status == .open)
        let passing = try vote(1, true, by: [2])  // 3 of 4 ≥ 2/3
        #expect(passing.receipts[0].events.map(\.topic) == ["ProposalVotedYes", "ProposalActivated"])
        let view = try ledger.view()
        #expect(try view.proposal(1)?.status == .activated)
        #expect(try view.parameters().protocolVersion == 2)
        #expect(try view.proposals(status: .activated).map(\.id) == [1])
        #expect(try view.proposalHistory(1).count == 4)
    }

    @Test func aProposalFailsWhenTheThresholdCanNoLongerBeReached() throws {
        _ = try propose(.setProtocolVersion(2))
        _ = try vote(1, false, by: [1])
        #expect(try ledger.view().proposal(1)?.status == .open)
        let rejecting = try vote(1, false, by: [2])
        #expect(rejecting.receipts[0].events.map(\.topic) == ["ProposalVotedNo", "ProposalRejected"])
        #expect(try ledger.view().proposal(1)?.status == .rejected)
        #expect(try ledger.view().parameters().protocolVersion == 1)
        let late = try vote(1, true, by: [3])
        #expect(late.receipts[0].status == .reverted)
        #expect(late.receipts[0].errorMessage == "proposal 1 is rejected, not open")
    }

    @Test func aDepartmentVotesOnce() throws {
        _ = try propose(.setProtocolVersion(2))
        let again = try vote(1, true, by: [0])
        #expect(again.receipts[0].errorMessage == "department TD already voted on proposal 1")
        #expect(try vote(9, true, by: [1]).receipts[0].errorMessage == "unknown proposal 9")
    }

    @Test func aProposalExpiresAfterItsLifetime() throws {
        let (chain, ledger) = try makeLedger(try FixtureChain(governance: (2, 3, 3, false)))
        let admins = chain.departments.map { chain.admins[$0]! }
        try chain.commit(
            [chain.governance(.propose(change: .setProtocolVersion(2), activationHeight: 0, description: "v2"), from: admins[0])],
            on: ledger)
        for _ in 0..<3 { try chain.commit([], on: ledger) }
        #expect(try ledger.view().proposal(1)?.status == .open)  // expires after height 1 + 3
        try chain.commit([], on: ledger)
        #expect(try ledger.view().proposal(1)?.status == .expired)
        let late = try chain.commit([chain.governance(.vote(proposal: 1, approve: true), from: admins[1])], on: ledger)
        #expect(late.receipts[0].errorMessage == "proposal 1 is expired, not open")
    }

    @Test func aPassedChangeActivatesAtItsActivationHeight() throws {
        _ = try propose(.setProtocolVersion(3), activationHeight: 6)
        _ = try vote(1, true, by: [1, 2])  // passes at height 2
        #expect(try ledger.view().proposal(1)?.status == .passed)
        for height in 3...5 {
            try chain.commit([], on: ledger)
            #expect(try ledger.view().parameters().protocolVersion == 1, "height \(height)")
        }
        try chain.commit([], on: ledger)  // height 6
        #expect(try ledger.view().parameters().protocolVersion == 3)
        #expect(try ledger.view().proposal(1)?.status == .activated)
    }

    @Test func aValidatorSetChangeReachesConsensusTwoHeightsBeforeItsActivation() throws {
        let newKey = FixtureChain.key("validator/new")
        let pem = try chain.nodeCertificatePEM(name: "td-2", department: "TD")
        _ = try propose(
            .addValidator(name: "td-2", department: "TD", consensusKey: newKey.publicKey.compressed, tlsCertificate: pem),
            activationHeight: 5)
        let passing = try vote(1, true, by: [1, 2])  // height 2
        #expect(passing.validatorSetChange == nil)
        let third = try chain.commit([], on: ledger)  // height 3: announces the set of height 5
        let change = try #require(third.validatorSetChange)
        #expect(change.activationHeight == 5)
        #expect(change.validators.count == 5)
        #expect(change.validators.validators.last?.publicKey == newKey.publicKey.compressed)
        #expect(try ledger.view().validators().count == 4)
        let fourth = try chain.commit([], on: ledger)
        #expect(fourth.validatorSetChange == nil)
        try chain.commit([], on: ledger)  // height 5
        let view = try ledger.view()
        #expect(try view.validators().count == 5)
        #expect(try view.epochs().validators(at: 4)?.count == 4)
        #expect(try view.epochs().validators(at: 5) == change.validators)
        #expect(try view.proposal(1)?.status == .activated)
    }

    @Test func aValidatorChangeNeverActivatesSoonerThanTwoBlocksAfterPassing() throws {
        let newKey = FixtureChain.key("validator/rotated")
        let pem = chain.genesis.validators[1].tlsCertificate
        _ = try propose(
            .rotateValidator(name: chain.genesis.validators[1].name, consensusKey: newKey.publicKey.compressed, tlsCertificate: pem))
        let passing = try vote(1, true, by: [1, 2])  // height 2: activation moved to 4
        #expect(passing.validatorSetChange?.activationHeight == 4)
        #expect(try ledger.view().proposal(1)?.activationHeight == 4)
        chain.validatorKeys.append(newKey)
        try chain.commit([], on: ledger)
        try chain.commit([], on: ledger)
        #expect(try ledger.view().validators()[1].consensusKey == newKey.publicKey.compressed)
    }

    @Test func certificateRevocationIsRecorded() throws {
        let digest = Hash.sha256(Array("node certificate".utf8))
        _ = try propose(.revokeCertificate(certificateDigest: digest))
        _ = try vote(1, true, by: [1, 2])
        #expect(try ledger.view().revokedCertificates() == [digest])
    }

    @Test func departmentsCanBeAddedAndTheirAdminsVote() throws {
        let admin = FixtureChain.key("NEW/admin")
        let pem = chain.genesis.departments[0].caCertificate
        _ = try propose(.addDepartment(id: "NEW", name: "New Department", adminKeys: [admin.publicKey.compressed], caCertificate: pem))
        _ = try vote(1, true, by: [1, 2])  // passes at height 2; roster changes activate two blocks later
        #expect(try ledger.view().department("NEW") == nil)
        try chain.commit([], on: ledger)
        try chain.commit([], on: ledger)
        let view = try ledger.view()
        #expect(try view.departments().map(\.id) == ["TD", "IMMD", "EPD", "DH", "NEW"])
        #expect(try view.account(admin.address)?.roles == [.admin])
        // Its admin account is listed under it (membership_listAccounts' index), and under no other.
        #expect(try view.accounts(of: "NEW", after: nil, limit: 10).map(\.address) == [admin.address])
        #expect(try !view.accounts(of: "TD", after: nil, limit: 100).contains { $0.address == admin.address })
        // Five departments now: 2/3 needs four yes votes.
        _ = try propose(.setProtocolVersion(2))
        _ = try vote(2, true, by: [1, 2])
        #expect(try ledger.view().proposal(2)?.status == .open)
        try chain.commit([chain.governance(.vote(proposal: 2, approve: true), from: admin)], on: ledger)
        #expect(try ledger.view().proposal(2)?.status == .activated)
    }

    @Test func theSetReportedToConsensusIsTheSetActivatedEvenWhenAChangeFails() throws {
        // Both pass at height 3 and activate at 5: the department goes first, so adding its validator fails.
        let key = FixtureChain.key("validator/dh-2")
        let pem = try chain.nodeCertificatePEM(name: "dh-2", department: "DH")
        _ = try propose(.removeDepartment(id: "DH"), activationHeight: 5)
        _ = try propose(
            .addValidator(name: "dh-2", department: "DH", consensusKey: key.publicKey.compressed, tlsCertificate: pem), activationHeight: 5)
        let votes = [UInt64(1), 2].flatMap { id in [1, 2].map { chain.governance(.vote(proposal: id, approve: true), from: admin($0)) } }
        let announcing = try chain.commit(votes, on: ledger)  // height 3: both pass and the set of height 5 is announced
        let change = try #require(announcing.validatorSetChange)
        #expect(change.activationHeight == 5)
        try chain.commit([], on: ledger)
        #expect(change.validators.validators.map(\.name) == ["td-1", "immd-1", "epd-1"])
        try chain.commit([], on: ledger)
        let view = try ledger.view()
        #expect(try view.validators().map(\.name) == ["td-1", "immd-1", "epd-1"])
        #expect(try view.epochs().validators(at: 5) == change.validators)
        #expect(try view.proposal(2)?.status == .failed)
        #expect(try view.proposal(2)?.failure == "unknown department DH")
    }

    @Test func aRestartedNodeLearnsTheAnnouncedSetFromState() throws {
        let key = FixtureChain.key("validator/new")
        let pem = try chain.nodeCertificatePEM(name: "td-2", department: "TD")
        _ = try propose(
            .addValidator(name: "td-2", department: "TD", consensusKey: key.publicKey.compressed, tlsCertificate: pem), activationHeight: 5)
        _ = try vote(1, true, by: [1, 2])
        let announcing = try chain.commit([], on: ledger)  // height 3 announces height 5
        let change = try #require(announcing.validatorSetChange)
        #expect(try ledger.view().announcedValidatorSets() == [.init(firstHeight: 5, validators: change.validators)])
        try chain.commit([], on: ledger)  // height 4: still announced
        #expect(try ledger.view().announcedValidatorSets() == [.init(firstHeight: 5, validators: change.validators)])
        try chain.commit([], on: ledger)  // height 5: in force, nothing pending
        #expect(try ledger.view().announcedValidatorSets().isEmpty)
    }

    @Test func aHugeProposalLifetimeIsRefusedNotOverflowed() throws {
        var parameters = chain.genesis.governance
        parameters.proposalLifetimeBlocks = .max
        let receipt = try propose(.setGovernanceParameters(parameters)).receipts[0]
        #expect(receipt.status == .reverted)
        #expect(receipt.errorMessage.contains("proposalLifetimeBlocks"))
    }

    @Test func invalidProposalsAreRevertedWithTheirReason() throws {
        let receipts = [
            try propose(.removeValidator(name: "nobody")),
            try propose(.addDepartment(id: "TD", name: "Again", adminKeys: [admin(0).publicKey.compressed], caCertificate: "x")),
            try propose(.setProtocolVersion(1)),
        ].map { $0.receipts[0] }
        #expect(
            receipts.map(\.errorMessage) == [
                "unknown validator nobody", "department TD already exists", "protocol version 1 is not above the current 1",
            ])
    }
}
