import ChainTypes
import Keys

/// Canonical encoding and decoding of one signed call transaction.
///
/// The nonce changes every round (the signature then no longer matches, which decoding does not check),
/// so the optimizer cannot hoist the encoding out of the loop, and the decoded nonce is summed so it
/// cannot drop the decoding.
enum EncodingBenchmark {
    static func run(seconds: Double) throws -> [Figure] {
        var transaction = try CallTransaction.signed(by: PrivateKey(), nonce: 1)
        var decodedNonces: UInt64 = 0
        let rate = measure(seconds: seconds) {
            transaction.body.nonce &+= 1
            do {
                let decoded = try Transaction(canonicalBytes: transaction.canonicalBytes)
                decodedNonces &+= decoded.body.nonce
            } catch {
                preconditionFailure("a transaction's own canonical bytes do not decode: \(error)")
            }
        }
        precondition(decodedNonces > 0)
        let bytes = transaction.canonicalBytes.count
        return [Figure(id: "transaction_encode_decode", name: "transaction encode+decode (\(bytes) bytes)", value: rate, unit: "tx/s")]
    }
}
