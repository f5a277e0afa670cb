import ChainTypes
import Keys
import Ledger
import LedgerFixtures
import RPCServer
import Testing

@testable import Node

/// Issue 14, deliver 8: the ledger's and the mempool's reasons reach `tx_send`'s error unchanged, with
/// their values; before, a nonce gap surfaced as `nonceTooHigh` and several reasons as `notPermitted`.
extension NodeRPCBackendTests {
    /// A refusal `tx_send` must answer with exactly `expected`, after `setup` has been sent and accepted.
    struct RefusalCase: CustomTestStringConvertible, Sendable {
        let name: String
        let build:
            @Sendable (FixtureChain, Genesis.ConsensusParameters) throws -> (
                setup: [Transaction], refused: Transaction, expected: TransactionRejection
            )
        var testDescription: String { name }
    }

    static let refusals: [RefusalCase] = [
        RefusalCase(name: "nonceGap") { chain, _ in
            let issuer = chain.issuers["TD"]!
            let next = chain.nextNonce(issuer.address)
            let far = try chain.call(
                chain.licenceRegistry, interface: chain.licenceInterface, method: "get", ["L-1"], from: issuer, nonce: next + 1_000)
            return ([], far, .nonceGap(expected: next, received: next + 1_000))
        },
        RefusalCase(name: "nonceTaken") { chain, _ in
            let issuer = chain.issuers["TD"]!
            let future = chain.nextNonce(issuer.address) + 2
            let first = try chain.call(
                chain.licenceRegistry, interface: chain.licenceInterface, method: "get", ["L-1"], from: issuer, nonce: future)
            let rival = try chain.call(
                chain.licenceRegistry, interface: chain.licenceInterface, method: "get", ["L-2"], from: issuer, nonce: future)
            return ([first], rival, .nonceTaken(sender: issuer.address, nonce: future))
        },
        RefusalCase(name: "roleNotAllowed") { chain, _ in
            let call = try chain.licenceCall("get", ["L-1"], from: chain.auditors["TD"]!)
            return ([], call, .roleNotAllowed(kind: .call, required: [.admin, .issuer, .submitter]))
        },
        RefusalCase(name: "transactionFuelTooHigh") { chain, consensus in
            let call = try chain.licenceCall("get", ["L-1"], from: chain.issuers["TD"]!, fuelLimit: consensus.transactionFuelMax + 1)
            return (
                [], call,
                .transactionFuelTooHigh(fuelLimit: consensus.transactionFuelMax + 1, transactionFuelMax: consensus.transactionFuelMax)
            )
        },
        RefusalCase(name: "fuelLimitTooHigh") { chain, consensus in
            let call = try chain.licenceCall("get", ["L-1"], from: chain.issuers["TD"]!, fuelLimit: consensus.blockFuelMax + 1)
            return ([], call, .fuelLimitTooHigh(fuelLimit: consensus.blockFuelMax + 1, blockFuelMax: consensus.blockFuelMax))
        },
        RefusalCase(name: "unknownSender") { chain, _ in
            let stranger = FixtureChain.key("stranger")
            let call = try chain.call(chain.licenceRegistry, interface: chain.licenceInterface, method: "get", ["L-1"], from: stranger)
            return ([], call, .unknownSender(stranger.address))
        },
        RefusalCase(name: "expired") { chain, _ in
            let issuer = chain.issuers["TD"]!
            let payload = CallPayload(contract: chain.licenceRegistry, input: []).canonicalBytes
            let call = chain.transaction(from: issuer, kind: .call, payload: payload, expiryHeight: 2)
            return ([], call, .expired(expiryHeight: 2, height: 6))
        },
    ]

    @Test("deliver 8: tx_send answers each refusal with its own reason and values in data", arguments: refusals)
    func deliver8_eachRefusalKeepsItsReasonAndValues(_ refusal: RefusalCase) async throws {
        let consensus = try ledger.view().parameters().consensus
        let (setup, refused, expected) = try refusal.build(chain, consensus)
        for transaction in setup { _ = try await call("tx_send", Self.params(transaction)) }
        let body = #"{"jsonrpc": "2.0", "method": "tx_send", "params": \#(Self.params(refused)), "id": 1}"#
        let response = try JSONParser.parse(try #require(await engine.respond(to: Array(body.utf8))))
        let error = try #require(response["error"], "\(refusal.name) was accepted")
        #expect(error["code"] == .number(RPCErrorCode.transactionRejected.rawValue))
        #expect(error["data"] == expected.data)
        #expect(error["message"] == .string("Transaction rejected: \(expected)"))
    }

    @Test("deliver 8: a nonce gap over RPC is nonceGap with the expected and received nonce, not nonceTooHigh")
    func deliver8_nonceGapOverRPCIsNonceGapNotNonceTooHigh() async throws {
        let issuer = chain.issuers["TD"]!
        let next = chain.nextNonce(issuer.address)
        let far = try chain.call(
            chain.licenceRegistry, interface: chain.licenceInterface, method: "get", ["L-1"], from: issuer, nonce: next + 65)
        let body = #"{"jsonrpc": "2.0", "method": "tx_send", "params": \#(Self.params(far)), "id": 1}"#
        let response = try JSONParser.parse(try #require(await engine.respond(to: Array(body.utf8))))
        let data = try #require(response["error"]?["data"])
        #expect(data["reason"] == .string("nonceGap"))
        #expect(data["expected"] == .number(next) && data["received"] == .number(next + 65))
    }

    static func params(_ transaction: Transaction) -> String { #"["\#(RPCJSON.bytes(transaction.canonicalBytes).text ?? "")"]"# }
}
