import ChainTypes
import Keys
import Ledger
import LedgerFixtures
import Storage
import Testing

/// The department-account index behind `membership_listAccounts` (issue 17, deliver 2): every account is
/// listed under its department from the block that creates it, with its current roles and suspension.
@Suite("Department accounts")
struct DepartmentAccountsTests {
    /// Every account genesis gives `department`: its admin keys' accounts and the listed accounts.
    static func genesisAccounts(of department: String, in chain: FixtureChain) throws -> Set<Address> {
        var addresses = Set(chain.genesis.accounts.filter { $0.department == department }.map(\.address))
        let admins = try #require(chain.genesis.departments.first { $0.id == department }).adminKeys
        for key in admins {
            addresses.insert(try PublicKey(bytes: try #require(Hex.decode(key))).address)
        }
        return addresses
    }

    @Test("genesis accounts are listed under their departments, in address order", arguments: ["TD", "IMMD", "EPD", "DH"])
    func genesisAccountsAreListed(department: String) throws {
        let (chain, ledger) = try makeLedger()
        let listed = try ledger.view().accounts(of: department, after: nil, limit: 100)
        #expect(Set(listed.map(\.address)) == (try Self.genesisAccounts(of: department, in: chain)))
        #expect(listed.map(\.address) == listed.map(\.address).sorted())
        #expect(listed.allSatisfy { $0.record.department == department })
    }

    @Test("an added account is listed from its block, and roles and suspension are current")
    func accountChangesAreListed() throws {
        let (chain, ledger) = try makeLedger()
        let (admin, otherAdmin) = (try #require(chain.admins["TD"]), try #require(chain.admins["IMMD"]))
        let newcomer = FixtureChain.key("listed/newcomer")
        let immdNewcomer = FixtureChain.key("listed/immd-newcomer")
        let issuer = try #require(chain.issuers["TD"])
        let receipts = try chain.commit(
            [
                chain.account(.add(address: newcomer.address, roles: [.submitter]), from: admin),
                chain.account(.setRoles(address: newcomer.address, roles: [.issuer, .auditor]), from: admin),
                chain.account(.suspend(address: issuer.address), from: admin),
                chain.account(.add(address: immdNewcomer.address, roles: [.auditor]), from: otherAdmin),
                // Reverted: the account belongs to TD; nothing moves to IMMD.
                chain.account(.add(address: newcomer.address, roles: [.submitter]), from: otherAdmin),
            ], on: ledger
        ).receipts
        #expect(receipts.map(\.status) == [.success, .success, .success, .success, .reverted])
        let view = try ledger.view()
        let td = try view.accounts(of: "TD", after: nil, limit: 100)
        let listedNewcomer = try #require(td.first { $0.address == newcomer.address })
        #expect(listedNewcomer.record.roles == [.issuer, .auditor].sorted { $0.tag < $1.tag })
        #expect(td.first { $0.address == issuer.address }?.record.suspended == true)
        #expect(td.count == (try Self.genesisAccounts(of: "TD", in: chain)).count + 1)
        let immd = try view.accounts(of: "IMMD", after: nil, limit: 100)
        #expect(immd.contains { $0.address == immdNewcomer.address })
        #expect(!immd.contains { $0.address == newcomer.address })
        // Reinstated: the listing follows.
        try chain.commit([chain.account(.reinstate(address: issuer.address), from: admin)], on: ledger)
        #expect(
            try ledger.view().accounts(of: "TD", after: nil, limit: 100).first { $0.address == issuer.address }?.record.suspended == false)
    }

    @Test("pages of the listing resume after the last address and together are the whole list")
    func pagesResume() throws {
        let (chain, ledger) = try makeLedger()
        let admin = try #require(chain.admins["TD"])
        let added = (0..<5).map { FixtureChain.key("listed/page-\($0)") }
        try chain.commit(added.map { chain.account(.add(address: $0.address, roles: [.submitter]), from: admin) }, on: ledger)
        let view = try ledger.view()
        let whole = try view.accounts(of: "TD", after: nil, limit: 100).map(\.address)
        var paged: [Address] = []
        var after: Address?
        while true {
            let page = try view.accounts(of: "TD", after: after, limit: 2)
            paged += page.map(\.address)
            guard page.count == 2, let last = page.last else { break }
            after = last.address
        }
        #expect(paged == whole)
        #expect(Set(added.map(\.address)).isSubset(of: Set(whole)))
        // A department id that is a prefix of another lists nothing of the other's.
        #expect(try view.accounts(of: "T", after: nil, limit: 100).isEmpty)
    }
}
