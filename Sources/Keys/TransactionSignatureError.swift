import ChainTypes

/// Why a transaction's signature does not prove that `body.sender` signed it.
public enum TransactionSignatureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No public key can be recovered from the signature over the body hash.
    case recoveryFailed(transaction: Hash)
    /// The signature is valid but made by a key whose address is not the sender.
    case senderMismatch(sender: Address, signer: Address)

    public var description: String {
        switch self {
        case .recoveryFailed(let transaction): "transaction \(transaction): no signer can be recovered from the signature"
        case .senderMismatch(let sender, let signer): "transaction signed by \(signer), but its sender is \(sender)"
        }
    }
}
