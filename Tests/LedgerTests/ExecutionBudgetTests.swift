import ChainTypes
import ContractVM
import Keys
import Ledger
import LedgerFixtures
import StateTree
import Storage
import Testing
import WAT

/// Execution budgets (issue 14, defect 3): deploys, account actions and governance cost fuel; each block's
/// state writes, events and return data are charged against `blockWriteBytesMax`; a transaction that
/// would exceed it fails with a receipt and the block still executes and finalizes.
@Suite struct ExecutionBudgetTests {
    let chain: FixtureChain
    let ledger: Ledger
    let deployer: PrivateKey

    init() throws {
        (chain, ledger) = try makeLedger(try FixtureChain(governance: (2, 3, 100, true)))
        deployer = chain.admins["TD"]!
    }

    /// A contract whose `call` writes `count` values of `valueBytes` bytes under distinct 4-byte keys.
    static func writer(count: Int, valueBytes: Int) throws -> [UInt8] {
        try wat2wasm(HostileContracts.storageBomb(count: count, valueBytes: valueBytes))
    }

    func deploy(_ code: [UInt8], name: String = "writer") throws -> Address {
        let nonce = chain.nextNonce(deployer.address)
        let transaction = chain.transaction(
            from: deployer, kind: .deploy, payload: DeployPayload(name: name, code: code).canonicalBytes, fuelLimit: 10_000_000)
        let receipt = try chain.commit([transaction], on: ledger).receipts[0]
        #expect(receipt.status == .success, "\(receipt.errorMessage)")
        return Address.contract(deployer: deployer.address, nonce: nonce)
    }

    func call(_ contract: Address, from key: PrivateKey) -> Transaction {
        chain.transaction(
            from: key, kind: .call, payload: CallPayload(contract: contract, input: []).canonicalBytes, fuelLimit: 400_000_000)
    }

    var callers: [PrivateKey] { chain.departments.map { chain.issuers[$0]! } }

    @Test func defect3_aContractWriting1024Times16KiBPerCallFailsWithAReceiptAndTheChainContinues() throws {
        let bomb = try deploy(try Self.writer(count: 1024, valueBytes: ContractLimits.storageValueBytesMax))
        // Four calls: 64 MiB of values, beyond the store's batch; each alone is beyond any block's budget.
        let executed = try chain.commit(callers.map { call(bomb, from: $0) }, on: ledger)
        for receipt in executed.receipts {
            #expect(receipt.status == .reverted)
            #expect(receipt.errorMessage.contains("more than a block may write"), "\(receipt.errorMessage)")
            #expect(receipt.fuelUsed > 0, "the work done is paid for")
        }
        #expect(executed.writeBytes < StorageLimits.batchBytesMax)
        #expect(try ledger.view().storageValue(contract: bomb, key: [0, 0, 0, 0]) == nil, "nothing of a failed call is kept")
        try chain.commit([], on: ledger)
        #expect(try ledger.view().account(callers[0].address)?.nonce == 1, "the failed call used its nonce")
    }

    @Test func aCallBeyondWhatIsLeftOfTheBlockBudgetFailsAndTheNextBlockTakesIt() throws {
        // 2 MiB of values per call; the fixture's budget (8 MiB) holds three such calls, not four.
        let writer = try deploy(try Self.writer(count: 128, valueBytes: ContractLimits.storageValueBytesMax))
        let executed = try chain.commit(callers.map { call(writer, from: $0) }, on: ledger)
        #expect(executed.receipts.map(\.status) == [.success, .success, .success, .reverted])
        #expect(executed.receipts[3].errorMessage.contains("send it again"), "\(executed.receipts[3].errorMessage)")
        #expect(executed.writeBytes < StorageLimits.batchBytesMax)
        let again = try chain.commit([call(writer, from: callers[3])], on: ledger)
        #expect(again.receipts[0].status == .success)
    }

    @Test func theChargeCoversWhatTheBlockReallyWrites() throws {
        // Many small values: the tree nodes and flat copies per write are what the overhead charge is for.
        let writer = try deploy(try Self.writer(count: 1024, valueBytes: 16))
        let executed = try chain.commit(callers.map { call(writer, from: $0) }, on: ledger)
        #expect(executed.receipts.allSatisfy { $0.status == .success })
        let charged = UInt64(callers.count * 1024) * (UInt64(Hash.byteCount) + 16 + LedgerLimits.stateWriteOverheadBytes)
        let fixed = UInt64(executed.receipts.count) * LedgerLimits.transactionFixedBytesMax
        #expect(UInt64(executed.writeBytes) <= charged + fixed, "written \(executed.writeBytes), charged \(charged) + \(fixed)")
    }

    @Test func defect3_thousandsOfDeploysNoLongerHalt() throws {
        let code = try wat2wasm("(module (memory (export \"memory\") 1) (func (export \"call\")))")
        var deployed = 0
        var refused = 0
        let perBlock = 100
        while deployed + refused < 3_300 {  // the issue's figure: past 64 KiB of addresses without the bound
            let transactions = (0..<perBlock).map { _ in
                chain.transaction(
                    from: deployer, kind: .deploy, payload: DeployPayload(name: "tiny", code: code).canonicalBytes, fuelLimit: 1_000_000)
            }
            let executed = try chain.commit(transactions, on: ledger)
            for receipt in executed.receipts {
                if receipt.status == .success {
                    deployed += 1
                } else {
                    #expect(receipt.errorMessage.contains("most contracts") || receipt.errorMessage.contains("send it again"))
                    if receipt.errorMessage.contains("most contracts") { refused += 1 }
                }
            }
        }
        #expect(deployed == LedgerLimits.contractsMax - chain.genesis.contracts.count)
        #expect(refused >= 5)
        #expect(try ledger.view().contracts().count == LedgerLimits.contractsMax)
    }

    @Test func deploysAccountActionsAndGovernanceCostFuel() throws {
        let code = try wat2wasm("(module (memory (export \"memory\") 1) (func (export \"call\")))")
        let deploy = chain.transaction(
            from: deployer, kind: .deploy, payload: DeployPayload(name: "tiny", code: code).canonicalBytes, fuelLimit: 1_000_000)
        let account = chain.account(.add(address: FixtureChain.key("new").address, roles: [.submitter]), from: deployer)
        let governance = chain.governance(.propose(change: .setProtocolVersion(2), activationHeight: 0, description: ""), from: deployer)
        let executed = try chain.commit([deploy, account, governance], on: ledger)
        #expect(executed.receipts.map(\.status) == [.success, .success, .success])
        let expected = [deploy, account, governance].map { LedgerFuel.intrinsic(kind: $0.body.kind, payloadBytes: $0.body.payload.count) }
        #expect(executed.receipts.map(\.fuelUsed) == expected)
        #expect(expected.allSatisfy { $0 > 0 })
        // A fuel limit below the cost is refused at the door (and rejected in a block).
        let cheap = chain.transaction(
            from: deployer, kind: .deploy, payload: DeployPayload(name: "tiny", code: code).canonicalBytes, fuelLimit: 1)
        if case .failure(let rejection) = ledger.check(cheap, context: AdmissionContext()) {
            #expect(rejection == .fuelLimitTooLow(fuelLimit: 1, required: expected[0]))
        } else {
            Issue.record("expected a refusal")
        }
    }

    /// Limits that must fit together (STYLE "limits that fit together"): one block's whole batch within the
    /// store's, each list within a state value, and the writes one budget allows within a tree update.
    @Test func theWriteBudgetFitsTheStoreAndTheStateTree() {
        let blockBytes = UInt64(Limits.blockBytesMax)
        let fixed = UInt64(Limits.blockTransactionsMax) * LedgerLimits.transactionFixedBytesMax
        #expect(blockBytes + fixed + ParameterRanges.blockWriteBytes.upperBound <= UInt64(StorageLimits.batchBytesMax))
        #expect(LedgerLimits.listBytesMax <= StateTreeLimits.valueBytesMax)
        #expect(LedgerLimits.contractsMax * Address.byteCount + 4 <= LedgerLimits.listBytesMax)
        #expect(LedgerLimits.openProposalsMax * 8 + 64 <= StateTreeLimits.valueBytesMax)
        let writesMax = ParameterRanges.blockWriteBytes.upperBound / LedgerLimits.stateWriteOverheadBytes
        #expect(writesMax + UInt64(Limits.blockTransactionsMax) <= UInt64(StateTreeLimits.batchChangesMax))
        // A largest deploy (code chunks, record, a full contract list) fits the smallest budget.
        let deployCharge =
            UInt64(Limits.transactionPayloadBytesMax + LedgerLimits.listBytesMax + 1024) + 16 * LedgerLimits.stateWriteOverheadBytes
        #expect(deployCharge <= ParameterRanges.blockWriteBytes.lowerBound)
        // A largest contract value fits a state value, so a write never fails the tree update.
        #expect(ContractLimits.storageValueBytesMax <= StateTreeLimits.valueBytesMax)
        #expect(Genesis.ConsensusParameters.blockWriteBytesDefault <= ParameterRanges.blockWriteBytes.upperBound)
    }
}
