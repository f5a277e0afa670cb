import ChainTypes
import Keys
import Ledger
import LedgerFixtures
import Storage
import Testing

/// The chain protocol version governance activates decides whether a build may execute a block (ADR 0016):
/// a build that does not execute the version stops before the block instead of computing its own root.
@Suite struct ProtocolVersionTests {
    let chain: FixtureChain
    /// A build that executes versions 1 and 2: it runs the chain through the activation.
    let upgraded: Ledger

    init() throws {
        (chain, upgraded) = try makeLedger(protocolVersions: 1...2)
    }

    func admin(_ index: Int) -> PrivateKey { chain.admins[chain.departments[index]]! }

    /// Version 2 proposed at 1 for activation at `activationHeight` (0: as soon as it passes), passed at 2.
    func passVersion2(activationHeight: UInt64) throws {
        try chain.commit(
            [
                chain.governance(
                    .propose(change: .setProtocolVersion(2), activationHeight: activationHeight, description: "v2"), from: admin(0))
            ],
            on: upgraded)
        try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admin($0)) }, on: upgraded)
    }

    /// Replays `upgraded`'s blocks on `ledger` up to `height`, with their certificates.
    func replay(on ledger: Ledger, through height: UInt64) throws {
        let view = try upgraded.view()
        for next in (ledger.height + 1)...height {
            let block = try #require(try view.block(at: next))
            let certificate = try #require(try view.certificate(at: next))
            try ledger.finalize(try ledger.execute(block), certificate: certificate)
        }
    }

    @Test func aBuildThatDoesNotExecuteTheActivatedVersionStopsBeforeTheBlockInsteadOfDiverging() throws {
        try passVersion2(activationHeight: 5)
        for _ in 3...6 { try chain.commit([], on: upgraded) }
        #expect(try upgraded.view().parameters().protocolVersion == 2)

        let (_, current) = try makeLedger(chain)  // this build: ChainProtocol.executable, version 1 only
        try replay(on: current, through: 4)
        let roots4 = try #require(try upgraded.view().roots(at: 4))
        #expect(current.latestRoots == roots4)
        let block5 = try #require(try upgraded.view().block(at: 5))
        #expect(throws: LedgerError.unsupportedProtocolVersion(height: 5, version: 2, executable: 1...1)) {
            try current.execute(block5)
        }
        // Nothing was written: the ledger stays at 4 with 4's roots, and the refusal repeats (a restarted node halts again).
        #expect(try current.height == 4 && current.view().height == 4)
        #expect(current.latestRoots == roots4)
        #expect(throws: LedgerError.unsupportedProtocolVersion(height: 5, version: 2, executable: 1...1)) {
            try current.execute(block5)
        }
    }

    @Test func aVersionActivatedDuringABlockAppliesFromTheNextBlock() throws {
        try passVersion2(activationHeight: 0)  // activates inside block 2, by the passing vote
        #expect(try upgraded.view().parameters().protocolVersion == 2)
        try chain.commit([], on: upgraded)
        let (_, current) = try makeLedger(chain)
        try replay(on: current, through: 2)  // block 2 began under version 1
        #expect(throws: LedgerError.unsupportedProtocolVersion(height: 3, version: 2, executable: 1...1)) {
            try replay(on: current, through: 3)
        }
    }

    @Test func aNodeRefusesToAdmitAProposalForAVersionItsBuildDoesNotExecute() throws {
        let (_, current) = try makeLedger(chain)
        let proposal = chain.governance(.propose(change: .setProtocolVersion(2), activationHeight: 0, description: "v2"), from: admin(0))
        guard case .failure(.invalidProposal(let reason)) = current.check(proposal, context: AdmissionContext()) else {
            Issue.record("a proposal for an unexecutable version was admitted")
            return
        }
        #expect(reason.contains("does not execute chain protocol version 2") && reason.contains("1…1"))
        // A build that executes it admits the same proposal.
        guard case .success = upgraded.check(proposal, context: AdmissionContext()) else {
            Issue.record("a build executing version 2 refused the proposal")
            return
        }
    }
}
