import ChainTypes
import Keys

/// Realistic signed call transactions for the benchmarks: a contract call with a 200-byte payload.
///
/// The payload is shaped like a call request (contract address, method name, encoded arguments) so
/// that encoding and hashing see the field mix a real block carries, not one long byte string.
enum CallTransaction {
    static let chainId = "sbp-bench"
    /// The payload size in bytes.
    static let payloadByteCount = 200

    /// A call from `sender` with `nonce`, signed by `sender`.
    static func signed(by sender: PrivateKey, nonce: UInt64) throws(TransactionSignatureError) -> Transaction {
        let body = TransactionBody(
            chainId: chainId, sender: sender.address, nonce: nonce, kind: .call,
            payload: payload(nonce: nonce), fuelLimit: 1_000_000, expiryHeight: 1_000_000)
        return try Transaction(signing: body, with: sender)
    }

    /// Contract address ‖ method name ‖ arguments, canonically encoded, exactly `payloadByteCount` bytes.
    static func payload(nonce: UInt64) -> [UInt8] {
        var encoder = CanonicalEncoder()
        encoder.write(Address(publicKeyDigest: Hash.sha256(Array("bench-contract".utf8))))
        encoder.write(text: "transfer")
        let header = encoder.bytes.count + 4  // the arguments' u32 length prefix
        var arguments = [UInt8](repeating: 0, count: payloadByteCount - header)
        for index in arguments.indices { arguments[index] = UInt8(truncatingIfNeeded: index &* 31 &+ Int(nonce)) }
        encoder.write(bytes: arguments)
        precondition(encoder.bytes.count == payloadByteCount, "call payload is \(encoder.bytes.count) bytes")
        return encoder.bytes
    }
}
