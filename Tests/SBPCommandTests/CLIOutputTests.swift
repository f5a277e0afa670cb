import ChainTypes
import Foundation
import Keys
import Testing

@testable import sbp

@Suite("sbp output: JSON values, receipts, proposals and decoded payloads")
struct CLIOutputTests {
    @Test(
        "u64 values are JSON numbers up to 2^53 - 1 and decimal strings above, and read back either way",
        arguments: [0, 1, JSON.exactIntegerMax, JSON.exactIntegerMax + 1, UInt64.max])
    func uint64(value: UInt64) throws {
        let json = JSON.uint64(value)
        #expect(json == (value <= JSON.exactIntegerMax ? .integer(Int64(value)) : .string(String(value))))
        let reparsed = try #require(JSON(parsing: Data(JSON.array([json]).rendered().utf8)))
        #expect(reparsed.array?.first?.uint64 == value)
    }

    @Test("JSON from a node keeps integers, booleans, null and nesting, and prints with sorted keys")
    func parseAndRender() throws {
        let text = #"{"b": [1, "x", null, true], "a": {"height": 9007199254740991, "fuel": "18446744073709551615"}, "c": -32005}"#
        let json = try #require(JSON(parsing: Data(text.utf8)))
        #expect(json["a"]?["height"]?.uint64 == JSON.exactIntegerMax)
        #expect(json["a"]?["fuel"]?.uint64 == UInt64.max)
        #expect(json["b"] == [1, "x", nil, true])
        #expect(json["c"] == .integer(-32005))
        #expect(
            json.rendered(pretty: false)
                == #"{"a":{"fuel":"18446744073709551615","height":9007199254740991},"b":[1,"x",null,true],"c":-32005}"#)
        #expect(JSON(parsing: Data("not json".utf8)) == nil)
    }

    static let receipt: JSON = [
        "transactionHash": "0xaa", "status": "success", "fuelUsed": 8658, "errorMessage": nil, "returnData": "0x", "height": 27, "index": 0,
        "blockHash": "0xbb",
        "events": [["contract": "0x37", "topic": "LicenceIssued", "data": "0x01"]],
    ]

    @Test("a receipt prints its status, block, fuel, the command's extras and its events")
    func receiptText() {
        let lines = ReceiptReport.textLines(Self.receipt, extras: ["proposalId": 4, "result": [:]])
        #expect(
            lines == [
                "success in block 27 (transaction index 0), fuel used 8658", "  transaction 0xaa", "  proposalId: 4",
                "  event LicenceIssued from 0x37",
            ])
        let reverted = Self.receipt.adding(["status": "reverted", "errorMessage": "duplicate id", "events": []])
        #expect(
            ReceiptReport.textLines(reverted, extras: [:]) == [
                "reverted in block 27 (transaction index 0), fuel used 8658", "  transaction 0xaa", "  error: duplicate id",
            ])
    }

    @Test(
        "a governance receipt names the proposal id and what the transaction decided",
        arguments: [
            (["ProposalCreated"], "open"), (["ProposalVotedYes", "ProposalPassed"], "passed"),
            (["ProposalVotedYes", "ProposalActivated"], "activated"), (["ProposalVotedNo", "ProposalRejected"], "rejected"),
            (["ProposalVotedYes", "ProposalFailed"], "failed"),
        ])
    func governanceOutcome(topics: [String], status: String) throws {
        let transaction = try Self.transaction(kind: .governance, payload: GovernanceAction.vote(proposal: 7, approve: true).canonicalBytes)
        let receipt = Self.receipt.adding([
            "returnData": .hex(UInt64(7).canonicalBytes), "events": .array(topics.map { ["contract": "0x00", "topic": .string($0)] }),
        ])
        #expect(GovernanceOutcome.extras(transaction, receipt) == ["proposalId": 7, "proposalStatus": .string(status)])
        #expect(GovernanceOutcome.extras(transaction, receipt.adding(["status": "reverted", "returnData": "0x"])) == [:])
    }

    @Test("a proposal lists its status, change, department, votes and heights")
    func proposalText() {
        let proposal: JSON = [
            "id": 3, "status": "open", "department": "IMMD", "description": "add a validator", "change": ["kind": "addValidator"],
            "votes": [["department": "IMMD", "approve": true], ["department": "TD", "approve": false]], "createdHeight": 3,
            "expiresHeight": 1003, "activationHeight": 0, "statusHeight": 3, "failure": nil,
        ]
        #expect(
            GovernanceList.textLines(proposal) == [
                "#3 open addValidator by IMMD: add a validator", "  votes     yes [IMMD] no [TD]",
                "  heights   created 3, expires 1003, activation 0, status since 3",
            ])
    }

    static let key: PrivateKey = {
        guard let key = try? PrivateKey(bytes: Hash.sha256(Array("sbp cli test key".utf8)).bytes) else {
            preconditionFailure("a valid scalar")
        }
        return key
    }()

    static func transaction(kind: TransactionKind, payload: [UInt8], nonce: UInt64 = 5) throws -> Transaction {
        let body = TransactionBody(
            chainId: "sbp-test", sender: key.address, nonce: nonce, kind: kind, payload: payload, fuelLimit: 1000, expiryHeight: 50)
        return try Transaction(signing: body, with: key)
    }

    @Test("tx get decodes every kind of payload, and says why when one does not decode")
    func payloads() throws {
        let other = try #require(Address(hex: "0x" + String(repeating: "12", count: 20)))
        let deploy = PayloadSummary.decode(
            kind: .deploy, payload: DeployPayload(name: "permits", code: [0, 97, 115, 109]).canonicalBytes, sender: Self.key.address,
            nonce: 5)
        #expect(deploy["name"] == "permits" && deploy["codeBytes"] == 4)
        #expect(deploy["contractAddress"]?.string == Address.contract(deployer: Self.key.address, nonce: 5).description)
        var input = CanonicalEncoder()
        input.write(text: "issue")
        let call = PayloadSummary.decode(
            kind: .call, payload: CallPayload(contract: other, input: input.bytes).canonicalBytes, sender: Self.key.address, nonce: 0)
        #expect(call == ["contract": .string(other.description), "method": "issue"])
        let account = PayloadSummary.decode(
            kind: .account, payload: AccountAction.add(address: other, roles: [.issuer, .submitter]).canonicalBytes, sender: other, nonce: 0
        )
        #expect(account == ["action": "add", "address": .string(other.description), "roles": ["issuer", "submitter"]])
        let propose = GovernanceAction.propose(change: .removeValidator(name: "dh-1"), activationHeight: 9, description: "retire dh-1")
        let governance = PayloadSummary.decode(kind: .governance, payload: propose.canonicalBytes, sender: other, nonce: 0)
        #expect(governance["change"] == ["kind": "removeValidator", "name": "dh-1"] && governance["activationHeight"] == 9)
        let broken = PayloadSummary.decode(kind: .account, payload: [9], sender: other, nonce: 0)
        #expect(broken["error"]?.string?.hasPrefix("the payload does not decode as kind account") == true)
    }

    @Test("tx send decodes hex and checks the signature before anything reaches a node")
    func transactionDecoding() throws {
        let transaction = try Self.transaction(kind: .call, payload: [1, 2, 3])
        let hex = "0x" + Hex.encode(transaction.canonicalBytes)
        #expect(try TxSend.decode(hex + "\n") == transaction)
        #expect(throws: CommandError.self) { try TxSend.decode("zz") }
        #expect(throws: CommandError.self) { try TxSend.decode(String(hex.dropLast(10))) }
        var forged = transaction
        forged.body.nonce += 1
        let error = #expect(throws: CommandError.self) { try TxSend.decode(Hex.encode(forged.canonicalBytes)) }
        #expect(error?.description.contains("signature does not verify") == true)
    }

    @Test("proposed parameters keep the values in force except the ones given, read from the node's JSON")
    func parameterOverrides() throws {
        let current: JSON = [
            "checkpointInterval": 64, "watermarkWindow": 256, "viewChangeTimeoutTicks": 20, "viewChangeTimeoutTicksMax": 640, "tickMs": 100,
            "blockTransactionsMax": 2000, "blockBytesMax": 4_194_304, "blockFuelMax": "10000000000000000000", "timestampDriftMsMax": 5000,
            "transactionFuelMax": "1250000000000000000", "blockWriteBytesMax": 8_388_608,
        ]
        let parsed = try ConsensusParameterOverrides.parse(current)
        #expect(parsed.blockFuelMax == 10_000_000_000_000_000_000)
        #expect(ConsensusParameterOverrides.json(parsed) == current)
        let overrides = try ConsensusParameterOverrides.parse(["--tick-ms", "120", "--block-transactions-max", "500"])
        let changed = overrides.applied(to: parsed)
        #expect(changed.tickMs == 120 && changed.blockTransactionsMax == 500 && changed.checkpointInterval == 64)
        #expect(throws: RPCClientError.self) { try ConsensusParameterOverrides.parse(current.adding(["tickMs": "x"])) }
    }
}
