import ChainTypes
import Keys
import Ledger
import LedgerFixtures
import Testing

/// Each admission error of the mempool check, and the same checks failing a faulty primary's inclusions.
@Suite struct AdmissionTests {
    let chain: FixtureChain
    let ledger: Ledger

    init() throws {
        (chain, ledger) = try makeLedger()
    }

    var issuer: PrivateKey { chain.issuers["TD"]! }

    func check(_ transaction: Transaction, pending: UInt64 = 0) -> TransactionRejection? {
        rejection(of: transaction, context: AdmissionContext(pendingFromSender: pending))
    }

    func rejection(of transaction: Transaction, context: AdmissionContext) -> TransactionRejection? {
        if case .failure(let rejection) = ledger.check(transaction, context: context) { return rejection }
        return nil
    }

    @Test func aWellFormedCallIsAdmitted() throws {
        #expect(check(try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)) == nil)
    }

    @Test func wrongChainIsRejected() {
        let transaction = chain.transaction(
            from: issuer, kind: .call, payload: CallPayload(contract: chain.licenceRegistry, input: []).canonicalBytes, chainId: "other")
        #expect(check(transaction) == .wrongChain(expected: chain.chainId, received: "other"))
    }

    @Test func aForgedSignatureIsRejected() throws {
        var transaction = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        transaction.body.nonce = 7  // the signature no longer covers the body
        guard case .invalidSignature(let reason) = check(transaction) else {
            Issue.record("expected a bad signature")
            return
        }
        #expect(reason.contains("sender"))
    }

    @Test func replayedAndGappedNoncesAreRejected() throws {
        let first = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        try chain.commit([first], on: ledger)
        #expect(check(first) == .nonceTooLow(expected: 1, received: 0))
        let gap = chain.transaction(
            from: issuer, kind: .call, payload: CallPayload(contract: chain.licenceRegistry, input: []).canonicalBytes, nonce: 5)
        #expect(check(gap) == .nonceGap(expected: 1, received: 5))
        // The mempool already holds nonces 1...4 of this sender: 5 is next.
        #expect(check(gap, pending: 4) == nil)
    }

    @Test func aMempoolThatHasNotYetDroppedACommittedTransactionExpectsTheNonceAfterIt() throws {
        // The mempool holds nonces 0 and 1; the block with nonce 0 is finalized before the mempool drops it.
        let first = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        try chain.commit([first], on: ledger)
        let second = try chain.licenceCall("issue", issueArguments("L-2"), from: issuer)
        let third = try chain.licenceCall("issue", issueArguments("L-3"), from: issuer)
        let context = AdmissionContext(pendingFromSender: 2, firstPendingNonce: 0)
        #expect(context.expectedNonce(accountNonce: 1) == 2)
        #expect(rejection(of: third, context: context) == nil)
        #expect(rejection(of: second, context: context) == .nonceTooLow(expected: 2, received: 1))
        // Without the first pending nonce the count is added to the account's nonce, as before.
        #expect(rejection(of: third, context: AdmissionContext(pendingFromSender: 2)) == .nonceTooLow(expected: 3, received: 2))
        // Pending transactions that the account's nonce has overtaken do not move the expected nonce.
        #expect(AdmissionContext(pendingFromSender: 1, firstPendingNonce: 0).expectedNonce(accountNonce: 3) == 3)
        #expect(AdmissionContext(pendingFromSender: 0, firstPendingNonce: nil).expectedNonce(accountNonce: 3) == 3)
    }

    @Test func expiredTransactionsAreRejected() throws {
        try chain.commit([], on: ledger)
        try chain.commit([], on: ledger)
        let transaction = chain.transaction(
            from: issuer, kind: .call, payload: CallPayload(contract: chain.licenceRegistry, input: []).canonicalBytes, expiryHeight: 2)
        #expect(check(transaction) == .expired(expiryHeight: 2, height: 3))
    }

    @Test func unknownSendersAreRejected() {
        let stranger = FixtureChain.key("stranger")
        let transaction = chain.transaction(
            from: stranger, kind: .call, payload: CallPayload(contract: chain.licenceRegistry, input: []).canonicalBytes)
        #expect(check(transaction) == .unknownSender(stranger.address))
    }

    @Test func suspendedSendersAreRejected() throws {
        try chain.commit([chain.account(.suspend(address: issuer.address), from: chain.admins["TD"]!)], on: ledger)
        #expect(check(try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)) == .senderSuspended(issuer.address))
    }

    @Test func rolesAreCheckedPerKind() throws {
        let auditor = chain.auditors["TD"]!
        #expect(
            check(try chain.licenceCall("get", ["L-1"], from: auditor))
                == .roleNotAllowed(kind: .call, required: [.admin, .issuer, .submitter]))
        let proposal = chain.governance(.propose(change: .setProtocolVersion(2), activationHeight: 0, description: "v2"), from: issuer)
        #expect(check(proposal) == .roleNotAllowed(kind: .governance, required: [.admin]))
        let account = chain.account(.add(address: FixtureChain.key("x").address, roles: [.submitter]), from: issuer)
        #expect(check(account) == .roleNotAllowed(kind: .account, required: [.admin]))
    }

    @Test func fuelLimitAboveTheBlockLimitIsRejected() throws {
        let limit = chain.genesis.consensus.blockFuelMax
        let transaction = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer, fuelLimit: limit + 1)
        #expect(check(transaction) == .fuelLimitTooHigh(fuelLimit: limit + 1, blockFuelMax: limit))
    }

    @Test func oversizedAndMalformedPayloadsAreRejected() {
        let big = chain.transaction(from: issuer, kind: .call, payload: [UInt8](repeating: 1, count: Limits.transactionBytesMax + 1))
        #expect(check(big) == .tooLarge(bytes: big.canonicalBytes.count, limit: Limits.transactionBytesMax))
        let garbage = chain.transaction(from: issuer, kind: .governance, payload: [0xFF])
        guard case .malformedPayload(let reason) = check(garbage) else {
            Issue.record("expected a malformed payload")
            return
        }
        #expect(reason.contains("governance"))
    }

    @Test func aRemovedDepartmentsAccountsAreRejected() throws {
        let admins = chain.departments.map { chain.admins[$0]! }
        try chain.commit(
            [chain.governance(.propose(change: .removeDepartment(id: "DH"), activationHeight: 0, description: "merge"), from: admins[0])],
            on: ledger)
        try chain.commit(
            [
                chain.governance(.vote(proposal: 1, approve: true), from: admins[1]),
                chain.governance(.vote(proposal: 1, approve: true), from: admins[2]),
            ], on: ledger)
        try chain.commit([], on: ledger)
        try chain.commit([], on: ledger)
        #expect(try ledger.view().proposal(1)?.status == .activated)
        #expect(check(try chain.licenceCall("issue", issueArguments("L-1"), from: chain.issuers["DH"]!)) == .departmentRemoved("DH"))
    }

    @Test func aFaultyPrimarysBadTransactionsGetRejectedReceiptsAndTheBlockStillExecutes() throws {
        let good = try chain.licenceCall("issue", issueArguments("L-1"), from: issuer)
        let replay = good
        let stranger = chain.transaction(
            from: FixtureChain.key("stranger"), kind: .call, payload: CallPayload(contract: chain.licenceRegistry, input: []).canonicalBytes
        )
        var forged = try chain.licenceCall("issue", issueArguments("L-2"), from: issuer)
        forged.body.payload = CallPayload(contract: chain.licenceRegistry, input: [1]).canonicalBytes
        let auditorCall = try chain.licenceCall("get", ["L-1"], from: chain.auditors["TD"]!)
        let executed = try chain.commit([good, replay, stranger, forged, auditorCall], on: ledger)
        #expect(executed.receipts.map(\.status) == [.success, .rejected, .rejected, .rejected, .rejected])
        #expect(executed.receipts[1].errorMessage == TransactionRejection.nonceTooLow(expected: 1, received: 0).description)
        #expect(executed.receipts[2].errorMessage.contains("not a registered account"))
        #expect(executed.receipts[3].errorMessage.hasPrefix("bad signature"))
        #expect(executed.receipts[4].errorMessage.contains("need one of the roles"))
        #expect(try ledger.view().account(issuer.address)?.nonce == 1)
        #expect(ledger.height == 1)
    }
}
