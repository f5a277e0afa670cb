import ArgumentParser
import ChainTypes
import ContractVM
import Foundation
import Keys
import NetworkSetup
import Node

/// Signs `licence.issue` calls for the network benchmark's issuers ahead of time, each issuer's in nonce
/// order, continuing where the previous batch stopped so that one run can load the network in phases.
///
/// Signing is kept out of every measured interval: a client that signs while it submits would measure its
/// own signing rate, not the network's.
struct LicenceSigner {
    let keys: [PrivateKey]
    /// The department of each key, in the order of `keys`.
    let departments: [String]
    private let chainId: String
    private let contract: Address
    private let codec: ABICodec
    /// The nonce each issuer's next transaction takes.
    private(set) var nextNonce: [UInt64]
    /// The licence number the next transaction issues (ids `BENCH-n` are unique across batches).
    private var nextNumber = 0

    /// The issuers of `manifest` (every account with the issuer role) and its licence registry's interface.
    init(manifest: NetworkManifest, directory: String) throws {
        let issuers = manifest.departments.flatMap { department in
            department.accounts.filter { $0.roles.contains(.issuer) }.map { (department.id, $0) }
        }
        keys = try issuers.map { _, account in try KeyFile.readPlaintext(directory + "/" + account.keyFile) }
        departments = issuers.map(\.0)
        guard !keys.isEmpty else { throw ValidationError("the network has no issuer account") }
        guard let registry = manifest.contracts.first(where: { $0.name == "licence_registry" }) else {
            throw ValidationError("the network has no licence_registry")
        }
        let interfacePath =
            directory + "/" + (registry.codeFile as NSString).deletingPathExtension + StandardContracts.interfaceSuffix
        let interface = try JSONDecoder().decode(ContractInterface.self, from: Data(contentsOf: URL(fileURLWithPath: interfacePath)))
        codec = ABICodec(interface: interface)
        chainId = manifest.chainId
        contract = registry.address
        nextNonce = Array(repeating: 0, count: keys.count)
    }

    /// Continues after licences issued earlier (a populated network): each issuer's next nonce as the chain
    /// holds it, and the next licence number.
    mutating func resume(nonces: [UInt64], number: Int) {
        nextNonce = nonces
        nextNumber = number
    }

    /// `count` signed issues dealt to the issuers in turn: transaction i of the batch goes to issuer
    /// i mod issuers, so element j of the result holds issuer j's, in nonce order.
    mutating func sign(_ count: Int) throws -> [[Transaction]] {
        var signed = Array(repeating: [Transaction](), count: keys.count)
        for number in 0..<count {
            let index = number % keys.count
            let key = keys[index]
            let licence = nextNumber + number
            let holder = Hash.sha256(Array("bench/holder/\(licence)".utf8))
            let input = try codec.encodeCall(
                method: "issue", arguments: ["BENCH-\(licence)", "driving", holder.hex, "1000", "4000000000000", "none"])
            let body = TransactionBody(
                chainId: chainId, sender: key.address, nonce: nextNonce[index], kind: .call,
                payload: CallPayload(contract: contract, input: input).canonicalBytes, fuelLimit: 1_000_000,
                expiryHeight: 1_000_000)
            signed[index].append(try Transaction(signing: body, with: key))
            nextNonce[index] += 1
        }
        nextNumber += count
        return signed
    }
}
