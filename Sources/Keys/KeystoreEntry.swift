import ChainTypes

/// The public facts about a stored key: its name, address and public key (readable without a password).
public struct KeystoreEntry: Hashable, Sendable {
    public var name: String
    public var address: Address
    public var publicKey: PublicKey

    public init(name: String, address: Address, publicKey: PublicKey) {
        self.name = name
        self.address = address
        self.publicKey = publicKey
    }
}
