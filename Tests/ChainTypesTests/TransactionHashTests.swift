import ChainTypes
import Testing

/// `Transaction.hash` is kept, not recomputed on each read: it must follow every change of the body.
@Suite("Transaction hash kept with its body")
struct TransactionHashTests {
    @Test("the kept hash equals the body's hash after building, decoding, and changing any body field")
    func keptHashFollowsTheBody() throws {
        var transaction = Fixtures.transaction()
        #expect(transaction.hash == transaction.body.hash)
        let decoded = try Transaction(canonicalBytes: transaction.canonicalBytes)
        #expect(decoded.hash == transaction.hash && decoded == transaction)

        let original = transaction.hash
        transaction.body.nonce += 1
        #expect(transaction.hash == transaction.body.hash && transaction.hash != original)
        transaction.body.payload.append(0x21)
        #expect(transaction.hash == transaction.body.hash)
        transaction.body = Fixtures.transaction().body
        #expect(transaction.hash == original)
        transaction.signature = Fixtures.signature(9)
        #expect(transaction.hash == original, "the signature is not part of the hash")
    }
}
