import ChainTypes
import Testing

@testable import Keys

@Suite("Transaction signatures")
struct TransactionSigningTests {
    static func body(sender: Address, nonce: UInt64 = 7) -> TransactionBody {
        TransactionBody(
            chainId: "sbp-test", sender: sender, nonce: nonce, kind: .call, payload: [1, 2, 3],
            fuelLimit: 10_000, expiryHeight: 100)
    }

    @Test("a transaction signed by its sender verifies", arguments: 0..<4)
    func signedBySender(seed: Int) throws {
        let key = testKey(seed)
        let transaction = try Transaction(signing: Self.body(sender: key.address), with: key)
        try transaction.verifySignature()
        #expect(transaction.signature == key.sign(transaction.body.hash))
    }

    @Test("signing for another sender is refused")
    func signingForAnotherSender() {
        let key = testKey(0)
        let other = testKey(1).address
        #expect(throws: TransactionSignatureError.senderMismatch(sender: other, signer: key.address)) {
            try Transaction(signing: Self.body(sender: other), with: key)
        }
    }

    @Test("a signature by a key other than the sender's fails verification")
    func wrongSender() {
        let sender = testKey(0)
        let forger = testKey(1)
        let body = Self.body(sender: sender.address)
        let forged = Transaction(body: body, signature: forger.sign(body.hash))
        #expect(throws: TransactionSignatureError.senderMismatch(sender: sender.address, signer: forger.address)) {
            try forged.verifySignature()
        }
    }

    @Test("changing the body after signing breaks the signature")
    func tamperedBody() throws {
        let key = testKey(2)
        var transaction = try Transaction(signing: Self.body(sender: key.address), with: key)
        transaction.body.nonce += 1
        #expect(throws: TransactionSignatureError.self) { try transaction.verifySignature() }
    }

    @Test("a signed transaction survives the canonical encoding round trip")
    func encodingRoundTrip() throws {
        let key = testKey(3)
        let transaction = try Transaction(signing: Self.body(sender: key.address), with: key)
        let decoded = try Transaction(canonicalBytes: transaction.canonicalBytes)
        try decoded.verifySignature()
    }
}
