import ChainTypes
import ContractVM
import Foundation
import Keys
import NetworkSetup
import Node
import Synchronization

/// A genesis account of the test network with its key and the next nonce, tracked locally.
///
/// Nonces are handed out in order as transactions are signed; a test that signs a transaction sends it
/// until some node accepts it, so the account's nonces on chain stay consecutive.
final class Account: Sendable {
    let name: String
    let key: PrivateKey
    let chainId: String
    private let nextNonce = Mutex<UInt64>(0)

    static let fuelLimit: UInt64 = 5_000_000
    static let expiryHeight: UInt64 = 1_000_000

    init(name: String, key: PrivateKey, chainId: String) {
        self.name = name
        self.key = key
        self.chainId = chainId
    }

    var address: Address { key.address }

    /// Signs a transaction with the account's next nonce.
    func sign(kind: TransactionKind, payload: [UInt8], fuelLimit: UInt64 = Account.fuelLimit) throws -> Transaction {
        let nonce = nextNonce.withLock { nonce in
            defer { nonce += 1 }
            return nonce
        }
        let body = TransactionBody(
            chainId: chainId, sender: address, nonce: nonce, kind: kind, payload: payload, fuelLimit: fuelLimit,
            expiryHeight: Self.expiryHeight)
        return try Transaction(signing: body, with: key)
    }

    /// Takes back the nonce of the transaction signed last, which every node refused (a refusal uses no
    /// nonce), so that the next transaction does not leave a gap.
    func takeBackLastNonce() {
        nextNonce.withLock { $0 -= 1 }
    }

    func governance(_ action: GovernanceAction) throws -> Transaction {
        try sign(kind: .governance, payload: action.canonicalBytes)
    }
}

/// The licence registry of the test network: its address and interface, to sign `issue` calls.
struct LicenceRegistry: Sendable {
    let address: Address
    let codec: ABICodec

    /// Reads the registry's address from the manifest and its interface from the network's `contracts/`.
    init(manifest: NetworkManifest, directory: String) throws {
        guard let contract = manifest.contracts.first(where: { $0.name == "licence_registry" }) else {
            throw MissingContract(name: "licence_registry")
        }
        let interfacePath = (directory as NSString).appendingPathComponent(
            (contract.codeFile as NSString).deletingPathExtension + StandardContracts.interfaceSuffix)
        let interface = try JSONDecoder().decode(ContractInterface.self, from: Data(contentsOf: URL(fileURLWithPath: interfacePath)))
        address = contract.address
        codec = ABICodec(interface: interface)
    }

    /// `issue(id, licenceType, holderDigest, validFrom, validUntil, conditions)` signed by `issuer`.
    func issue(_ id: String, by issuer: Account) throws -> Transaction {
        let holder = Hash.sha256(Array("integration-test/holder/\(id)".utf8))
        let input = try codec.encodeCall(method: "issue", arguments: [id, "driving", holder.hex, "1000", "4000000000000", "none"])
        return try issuer.sign(kind: .call, payload: CallPayload(contract: address, input: input).canonicalBytes)
    }

    struct MissingContract: Error {
        let name: String
    }
}
