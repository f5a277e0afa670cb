import ChainTypes
import ContractVM
import Foundation
import Keys
import Ledger
import LedgerFixtures
import StateTree
import Storage
import StorageRocksDB
import Testing

@Suite struct GenesisLoadingTests {
    @Test func theExampleGenesisLoadsWithItsContracts() throws {
        let path = FixtureChain.repositoryRoot.appendingPathComponent("Genesis/example.json").path
        let bundle = try GenesisBundle.load(path: path)
        #expect(bundle.genesis.contracts.map(\.name) == ["licence_registry", "certificate_registry"])
        let ledger = try Ledger(store: MemoryKeyValueStore(), genesis: bundle)
        let view = try ledger.view()
        #expect(view.height == 0)
        #expect(try view.departments().map(\.id) == ["TD", "IMMD", "EPD", "DH"])
        #expect(try view.validators().count == 4)
        #expect(try view.contract(bundle.genesis.contracts[0].address)?.isStandard == true)
        #expect(try view.epochs().validators(at: 1) == (try bundle.genesis.validatorSet()))
    }

    @Test func aContractWhoseCodeDoesNotMatchItsHashNamesTheField() throws {
        let chain = try FixtureChain()
        var code = chain.bundle.code
        code["licence_registry"]![100] ^= 1
        #expect(throws: GenesisError(field: "contracts[0].codeHash", reason: "does not match SHA-256 of contracts/licence_registry.wasm")) {
            try GenesisBundle(genesis: chain.genesis, code: code)
        }
    }

    @Test func aStoreOfAnotherChainIsRefused() throws {
        let chain = try FixtureChain()
        let store = MemoryKeyValueStore()
        _ = try Ledger(store: store, genesis: chain.bundle)
        var other = chain.genesis
        other.chainId = "another-chain"
        let otherBundle = try GenesisBundle(genesis: other, code: chain.bundle.code)
        #expect(throws: LedgerError.genesisMismatch(stored: chain.genesis.hash, expected: other.hash)) {
            try Ledger(store: store, genesis: otherBundle)
        }
    }
}

@Suite struct ExecutionTests {
    @Test func aLicenceLifecycleLeavesReceiptsIndexesAndHistory() throws {
        let (chain, ledger) = try makeLedger()
        let issuer = chain.issuers["TD"]!
        let issue = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        let first = try chain.commit([issue], on: ledger)
        #expect(first.receipts.map(\.status) == [.success])
        let suspend = try chain.licenceCall("suspend", ["L-1", "audit"], from: issuer)
        let second = try chain.commit([suspend], on: ledger)
        #expect(second.receipts.map(\.status) == [.success])

        let view = try ledger.view()
        #expect(view.height == 2)
        let (receipt, location) = try #require(try view.receipt(issue.hash))
        #expect(receipt.status == .success && location == TransactionLocation(height: 1, index: 0))
        #expect(try view.transaction(suspend.hash)?.location == TransactionLocation(height: 2, index: 0))
        #expect(try view.transactions(sender: issuer.address, after: nil, limit: 10).map(\.hash) == [issue.hash, suspend.hash])
        let page = try view.transactions(sender: issuer.address, after: TransactionLocation(height: 1, index: 0), limit: 10)
        #expect(page.map(\.hash) == [suspend.hash])
        let events = try view.events(contract: chain.licenceRegistry, limit: 10)
        #expect(events.map(\.event.event.topic) == ["LicenceIssued", "LicenceSuspended"])
        #expect(try view.events(contract: chain.licenceRegistry, fromHeight: 2, limit: 10).map(\.position.height) == [2])
        let history = try view.recordHistory(contract: chain.licenceRegistry, id: "L-1")
        #expect(history.map(\.event.transactionHash) == [issue.hash, suspend.hash])
        #expect(try view.recordHistory(contract: chain.licenceRegistry, id: "L-").isEmpty)

        let verify = try ABICodec(interface: chain.licenceInterface).encodeCall(
            method: "verify", arguments: ["L-1", holder("alice").hex, "2000"])
        let outcome = try view.query(contract: chain.licenceRegistry, input: verify)
        #expect(outcome.status == .success)
        let result = try ABICodec(interface: chain.licenceInterface).decodeResult(method: "verify", bytes: outcome.returnData)
        #expect(result.first?.value == .u8(2))  // "suspended" in the interface's outcome values
        // At height 1 the licence was still valid: queries read the tree at a past version.
        let past = try view.query(contract: chain.licenceRegistry, input: verify, at: 1)
        let pastResult = try ABICodec(interface: chain.licenceInterface).decodeResult(method: "verify", bytes: past.returnData)
        #expect(pastResult.first?.value == .u8(0))  // "valid"
    }

    @Test func theHeaderMustCarryTheLocalStateRoot() throws {
        let (chain, ledger) = try makeLedger()
        var block = try chain.block(on: ledger, transactions: [])
        block.header.stateRoot = Hash.sha256([1])
        #expect(throws: LedgerError.stateRootMismatch(height: 1, header: Hash.sha256([1]), local: ledger.latestRoots.stateRoot)) {
            try ledger.execute(block)
        }
        let wrongHeight = try chain.block(on: ledger, transactions: [])
        try chain.commit([], on: ledger)
        #expect(throws: LedgerError.unexpectedHeight(expected: 2, received: 1)) { try ledger.execute(wrongHeight) }
    }

    @Test func stateProofsVerifyAgainstTheRootTheNextHeaderCarries() throws {
        let (chain, ledger) = try makeLedger()
        try chain.commit([try chain.licenceCall("issue", issueArguments("L-1"), from: chain.issuers["TD"]!)], on: ledger)
        try chain.commit([], on: ledger)
        let view = try ledger.view()
        let header = try #require(try view.block(at: 2)?.header)
        // The licence registry stores a licence under "L" + id (Contracts/licence_registry.c).
        let key = Array("L".utf8) + Array("L-1".utf8)
        let (value, proof, root) = try view.storageProof(contract: chain.licenceRegistry, key: key, at: 1)
        let stored = try view.storageValue(contract: chain.licenceRegistry, key: key, at: 1)
        #expect(value != nil && value == stored)
        #expect(root == header.stateRoot)
        let stateKey = StateKey(namespace: chain.licenceRegistry.bytes, key: key)
        #expect(StateProof.verify(proof: proof, key: stateKey, value: value, root: root))
        #expect(!StateProof.verify(proof: proof, key: stateKey, value: [1, 2, 3], root: root))
        let (absent, absentProof, _) = try view.storageProof(contract: chain.licenceRegistry, key: Array("Lnone".utf8), at: 1)
        #expect(absent == nil)
        #expect(
            StateProof.verify(
                proof: absentProof, key: StateKey(namespace: chain.licenceRegistry.bytes, key: Array("Lnone".utf8)), value: nil, root: root)
        )
    }

    @Test func departmentsDeployOnlyWhenParametersAllow() throws {
        let code = try Data(contentsOf: FixtureChain.repositoryRoot.appendingPathComponent("Genesis/contracts/certificate_registry.wasm"))
        let closed = try makeLedger()
        let admin = closed.0.admins["TD"]!
        let refused = try closed.0.commit(
            [closed.0.transaction(from: admin, kind: .deploy, payload: DeployPayload(name: "mine", code: Array(code)).canonicalBytes)],
            on: closed.1)
        #expect(refused.receipts[0].status == .reverted)
        #expect(refused.receipts[0].errorMessage.contains("may not deploy"))

        let (chain, ledger) = try makeLedger(try FixtureChain(governance: (2, 3, 100, true)))
        let deployAdmin = chain.admins["TD"]!
        let deploy = chain.transaction(
            from: deployAdmin, kind: .deploy, payload: DeployPayload(name: "mine", code: Array(code)).canonicalBytes)
        let executed = try chain.commit([deploy], on: ledger)
        #expect(executed.receipts[0].status == .success)
        let address = Address.contract(deployer: deployAdmin.address, nonce: 0)
        #expect(executed.receipts[0].returnData == address.bytes)
        let record = try #require(try ledger.view().contract(address))
        #expect(record.department == "TD" && !record.isStandard)
        let issue = try chain.call(
            address, interface: chain.certificateInterface, method: "issue", ["C-1", holder("doc").hex, "degree", Hash.zero.hex],
            from: chain.issuers["TD"]!)
        #expect(try chain.commit([issue], on: ledger).receipts[0].status == .success)

        let bad = chain.transaction(
            from: deployAdmin, kind: .deploy, payload: DeployPayload(name: "bad", code: [0, 97, 115, 109]).canonicalBytes)
        let badReceipt = try chain.commit([bad], on: ledger).receipts[0]
        #expect(badReceipt.status == .reverted && badReceipt.errorMessage.hasPrefix("invalid contract"))
    }

    @Test func accountManagementStaysWithinTheAdminsDepartment() throws {
        let (chain, ledger) = try makeLedger()
        let admin = chain.admins["TD"]!
        let newcomer = FixtureChain.key("newcomer")
        let receipts = try chain.commit(
            [
                chain.account(.add(address: newcomer.address, roles: [.submitter]), from: admin),
                chain.account(.setRoles(address: newcomer.address, roles: [.issuer, .submitter]), from: admin),
                chain.account(.suspend(address: chain.issuers["IMMD"]!.address), from: admin),
                chain.account(.add(address: newcomer.address, roles: [.submitter]), from: admin),
            ], on: ledger
        ).receipts
        #expect(receipts.map(\.status) == [.success, .success, .reverted, .reverted])
        #expect(receipts[2].errorMessage.contains("belongs to department IMMD"))
        #expect(receipts[3].errorMessage.contains("already registered"))
        let account = try #require(try ledger.view().account(newcomer.address))
        #expect(account.department == "TD" && account.roles == [.issuer, .submitter] && account.nonce == 0)
        let issue = try chain.licenceCall("issue", issueArguments("L-9"), from: newcomer)
        #expect(try chain.commit([issue], on: ledger).receipts[0].status == .success)
    }

    @Test func noTransactionMayAskForTheWholeBlocksFuel() throws {
        let (chain, ledger) = try makeLedger()
        let limit = chain.genesis.consensus.blockFuelMax
        let issuer = chain.issuers["TD"]!
        // A faulty primary includes a call declaring the whole block's fuel: the per-transaction cap refuses it.
        let first = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        let greedy = try chain.licenceCall("issue", issueArguments("L-2"), from: chain.issuers["IMMD"]!, fuelLimit: limit)
        let executed = try chain.commit([first, greedy], on: ledger)
        #expect(executed.receipts[0].status == .success && executed.receipts[0].fuelUsed > 0)
        #expect(executed.receipts[1].status == .rejected)
        #expect(executed.receipts[1].errorMessage.contains("per-transaction fuel limit"))
    }

    @Test func aCrossDepartmentLicenceNeedsACertificateFromAnotherDepartment() throws {
        let (chain, ledger) = try makeLedger()
        let td = chain.issuers["TD"]!
        let dh = chain.issuers["DH"]!
        let document = holder("medical")
        let requirement = try chain.commit(
            [
                try chain.licenceCall(
                    "requireCertificate", ["commercial", chain.certificateRegistry.description, "medical"], from: chain.admins["TD"]!)
            ],
            on: ledger)
        #expect(requirement.receipts[0].status == .success)
        let withoutCertificate = try chain.commit(
            [try chain.licenceCall("issue", ["L-C", "commercial", document.hex, "1000", "4000000000000", "none"], from: td)], on: ledger)
        #expect(withoutCertificate.receipts[0].status == .reverted)
        #expect(withoutCertificate.receipts[0].errorMessage == "certificate required")
        try chain.commit([try chain.certificateCall("issue", ["C-1", document.hex, "medical", Hash.zero.hex], from: dh)], on: ledger)
        let withCertificate = try chain.commit(
            [try chain.licenceCall("issue", ["L-C", "commercial", document.hex, "1000", "4000000000000", "none"], from: td)], on: ledger)
        #expect(withCertificate.receipts[0].status == .success, "\(withCertificate.receipts[0].errorMessage)")
    }
}

@Suite struct LedgerRobustnessTests {
    @Test func aReplayedTransactionKeepsPointingAtTheInclusionThatCounted() throws {
        let (chain, ledger) = try makeLedger()
        let issue = try chain.licenceCall("issue", issueArguments("L-1"), from: chain.issuers["TD"]!)
        try chain.commit([issue], on: ledger)
        let replayed = try chain.commit([issue, issue], on: ledger)
        #expect(replayed.receipts.map(\.status) == [.rejected, .rejected])
        let (receipt, location) = try #require(try ledger.view().receipt(issue.hash))
        #expect(receipt.status == .success)
        #expect(location == TransactionLocation(height: 1, index: 0))
    }

    @Test func aContractChosenErrorMessageIsCutSoItsReceiptStaysReadable() throws {
        let (chain, ledger) = try makeLedger(try FixtureChain(governance: (2, 3, 100, true)))
        // A module importing a 2,000-byte function name from `sbp`: refused, and the refusal quotes the name.
        let name = [UInt8](repeating: UInt8(ascii: "a"), count: 2_000)
        var importEntry: [UInt8] = [3] + Array("sbp".utf8)
        importEntry += leb128(UInt32(name.count)) + name + [0x00, 0x00]
        let importSection = [UInt8(1)] + importEntry
        let module: [UInt8] =
            [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00] + [0x01, 0x04, 0x01, 0x60, 0x00, 0x00] + [0x02]
            + leb128(UInt32(importSection.count)) + importSection
        let deploy = chain.transaction(
            from: chain.admins["TD"]!, kind: .deploy, payload: DeployPayload(name: "long", code: module).canonicalBytes)
        let executed = try chain.commit([deploy], on: ledger)
        #expect(executed.receipts[0].status == .reverted)
        #expect(executed.receipts[0].errorMessage.utf8.count <= Limits.errorMessageBytesMax)
        #expect(try ledger.view().receipt(deploy.hash)?.receipt == executed.receipts[0])
    }

    func leb128(_ value: UInt32) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value != 0 { byte |= 0x80 }
            bytes.append(byte)
        } while value != 0
        return bytes
    }
}
