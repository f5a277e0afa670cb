import ChainTypes
import Ledger
import LedgerFixtures
import Testing

/// DESIGN §1.3: a fixed sequence of blocks gives the same state roots, receipts roots and receipts on every
/// build. Execution changes made only for speed (issue 18: state keys, receipt hashing, the contract VM's
/// host calls and memory reset) must leave every byte of it as it was.
@Suite struct PinnedExecutionTests {
    /// SHA-256 over each block's state root, receipts root and canonical receipts. Update it only on purpose,
    /// in a commit that says which result changed and why.
    static let pinnedDigest = "81c8fccac8b86f4d278758034fd7046e0898ab488abebb5cbeda6bbc0164e035"

    @Test func aFixedSequenceOfBlocksGivesPinnedRootsAndReceipts() throws {
        let (chain, ledger) = try makeLedger()
        let td = chain.issuers["TD"]!
        let immd = chain.issuers["IMMD"]!
        let admin = chain.admins["TD"]!
        let newcomer = FixtureChain.key("pinned/newcomer")
        var blocks: [[Transaction]] = []
        blocks.append([
            try chain.licenceCall("issue", issueArguments("L-1"), from: td),
            try chain.licenceCall("issue", issueArguments("L-2", holder: "bob"), from: immd),
            try chain.licenceCall("issue", issueArguments("L-1"), from: td),  // reverts: already issued
            try chain.licenceCall("suspend", ["L-404", "audit"], from: td),  // reverts: unknown licence
            try chain.licenceCall("issue", issueArguments("L-3"), from: immd, fuelLimit: 5_000),  // out of fuel
            try chain.call(
                Address(bytes: [UInt8](repeating: 7, count: 20))!, interface: chain.licenceInterface, method: "get", ["L-1"], from: immd),
            chain.transaction(from: td, kind: .call, payload: [1, 2, 3]),  // rejected: malformed payload
            chain.account(.add(address: newcomer.address, roles: [.issuer]), from: admin),
        ])
        chain.setNonce(chain.nextNonce(td.address) - 1, for: td.address)
        blocks.append([
            try chain.licenceCall("suspend", ["L-1", "audit"], from: td),
            try chain.licenceCall("issue", issueArguments("L-4", holder: "carol"), from: newcomer),
            try chain.certificateCall("issue", ["C-1", holder("doc").hex, "degree", Hash.zero.hex], from: td),
            try chain.licenceCall("verify", ["L-2", holder("bob").hex, "2000"], from: immd),
            try chain.licenceCall("reinstate", ["L-1"], from: td),
        ])
        let statuses: [[ReceiptStatus]] = [
            [.success, .success, .reverted, .reverted, .outOfFuel, .trapped, .rejected, .success],
            [.success, .success, .success, .success, .success],
        ]
        var digest: [UInt8] = []
        for (transactions, expected) in zip(blocks, statuses) {
            let executed = try chain.commit(transactions, on: ledger)
            #expect(executed.receipts.map(\.status) == expected, "\(executed.receipts.map(\.errorMessage))")
            digest += executed.stateRoot.bytes + executed.receiptsRoot.bytes
            #expect(executed.receiptsRoot == MerkleRoot.of(executed.receipts.map(\.hash)))
            for receipt in executed.receipts { digest += receipt.canonicalBytes }
        }
        #expect(Hash.sha256(digest).hex == Self.pinnedDigest, "digest \(Hash.sha256(digest).hex)")
    }
}
