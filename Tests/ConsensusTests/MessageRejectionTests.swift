import Testing

@testable import Consensus

@Suite("Message rejections")
struct MessageRejectionTests {
    static let all: [MessageRejection] = [
        .wrongView(received: 2, current: 1), .outsideWatermarks(height: 9, low: 1, high: 5), .notFromPrimary(signer: 1),
        .unknownSigner(7), .invalidSignature(signer: 2), .invalidBlock(height: 3, reason: "r"),
        .invalidViewChange(signer: 1, reason: "r"), .invalidNewView(signer: 1, reason: "r"),
        .invalidStateTransfer(height: 4, reason: "r"), .invalidParameters(height: 5, reason: "r"), .unsolicitedBlocks(count: 2),
        .viewTooFarAhead(received: 90, current: 1), .bufferFull(signer: 3),
        .integerOutOfRange(IntegerRange(field: "view", value: 9, max: 8)),
    ]

    @Test("a rejection's kind is its case name, the description without the values", arguments: all)
    func kindIsTheCaseName(_ rejection: MessageRejection) {
        let description = "\(rejection)"
        let caseName = description.prefix { $0 != "(" }
        #expect(rejection.kind == String(caseName))
    }
}
