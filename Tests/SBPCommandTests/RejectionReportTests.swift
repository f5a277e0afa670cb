import ChainTypes
import Foundation
import RPCServer
import Testing

@testable import sbp

/// Issue 14, deliver 8: one rejection type from the ledger to the CLI. The node's `tx_send` error carries
/// the rejection's code and values (`TransactionRejection.data`); the CLI reads the same rejection back and
/// prints its code and sentence. `NodeTests.RejectionOverRPCTests` drives real refusals from the ledger
/// and the mempool to that error.
@Suite("Rejections: every reason from the node's error data to the CLI's message")
struct RejectionReportTests {
    /// A rejection of `reason` with values a real refusal could carry, including integers above 2^53 that
    /// JSON carries as decimal strings; the switch makes a new reason fail to compile until it has one.
    static func example(_ reason: TransactionRejection.Reason) -> TransactionRejection {
        let sender = Address(hex: "0x00112233445566778899aabbccddeeff00112233")!
        return switch reason {
        case .tooLarge: .tooLarge(bytes: 263_169, limit: 263_168)
        case .wrongChain: .wrongChain(expected: "sbp-devnet", received: "sbp-other")
        case .malformedPayload: .malformedPayload("call payload: 3 trailing bytes")
        case .invalidSignature: .invalidSignature("the signature recovers to another address")
        case .fuelLimitTooHigh: .fuelLimitTooHigh(fuelLimit: .max, blockFuelMax: 10_000_000_000)
        case .transactionFuelTooHigh: .transactionFuelTooHigh(fuelLimit: 5_000_000_000, transactionFuelMax: 2_500_000_000)
        case .fuelLimitTooLow: .fuelLimitTooLow(fuelLimit: 1, required: 21_000)
        case .expired: .expired(expiryHeight: 9, height: 12)
        case .unknownSender: .unknownSender(sender)
        case .senderSuspended: .senderSuspended(sender)
        case .departmentRemoved: .departmentRemoved("TD")
        case .roleNotAllowed: .roleNotAllowed(kind: .governance, required: [.admin])
        case .nonceTooLow: .nonceTooLow(expected: 7, received: 3)
        case .nonceGap: .nonceGap(expected: 7, received: .max)
        case .blockFuelExhausted: .blockFuelExhausted(fuelLimit: 900, remaining: 12)
        case .invalidProposal: .invalidProposal("checkpointInterval 0 is below 1")
        case .duplicate: .duplicate(Hash.sha256([1, 2, 3]))
        case .nonceTaken: .nonceTaken(sender: sender, nonce: 1 << 60)
        case .mempoolFull: .mempoolFull(limit: 10_000)
        case .mempoolBytesFull: .mempoolBytesFull(transactionBytes: 4_000, pendingBytes: 67_108_000, limit: 67_108_864)
        case .mempoolSenderFull: .mempoolSenderFull(sender: sender, limit: 64)
        case .mempoolFutureFull: .mempoolFutureFull(limit: 2_500)
        case .unavailable: .unavailable("the node has halted")
        }
    }

    @Test(
        "deliver 8: every reason keeps its code and values from the node's error data to the CLI's message",
        arguments: TransactionRejection.Reason.allCases)
    func everyReasonReachesTheCLI(_ reason: TransactionRejection.Reason) throws {
        let rejection = Self.example(reason)
        #expect(rejection.reason == reason)
        // What the node writes for tx_send, and what the CLI parses from the wire.
        let error = RPCError(.transactionRejected, message: rejection.message, data: rejection.data)
        let wire = try #require(JSON(parsing: Data(error.json.serialized())))
        guard case .integer(let code)? = wire["code"] else { throw CLIRejectionFailure.noCode }
        let failure = RPCClientError.failed(
            method: "tx_send", code: Int(code), message: wire["message"]?.string ?? "", data: wire["data"])
        #expect(failure.rejection == rejection)
        #expect(failure.description == "tx_send: transaction rejected (\(reason.rawValue)): \(rejection) (code -32000)")
        for case (let name, .integer(let value)) in rejection.details {
            #expect(failure.description.contains(String(value)), "\(reason): \(name) \(value) is missing from the CLI's message")
        }
    }

    @Test("deliver 8: error data the CLI cannot read as a rejection falls back to the node's message")
    func unreadableDataFallsBack() {
        let unknown = RPCClientError.failed(
            method: "tx_send", code: -32000, message: "Transaction rejected: something new", data: .object(["reason": .string("newReason")])
        )
        #expect(unknown.rejection == nil)
        #expect(unknown.description == "tx_send: Transaction rejected: something new (code -32000)")
        let missingValue = RPCClientError.failed(
            method: "tx_send", code: -32000, message: "m", data: .object(["reason": .string("nonceGap"), "expected": .integer(1)]))
        #expect(missingValue.rejection == nil)
    }

    enum CLIRejectionFailure: Error { case noCode }
}
