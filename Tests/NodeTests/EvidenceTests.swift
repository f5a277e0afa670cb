import ChainTypes
import ContractVM
import Evidence
import Foundation
import Keys
import Ledger
import LedgerFixtures
import Storage
import Testing

@testable import Node

/// Record proofs checked with only the genesis document (DESIGN §4), through a validator-set change.
@Suite struct EvidenceTests {
    let chain: FixtureChain
    let ledger: Ledger

    init() throws {
        chain = try FixtureChain()
        ledger = try Ledger(store: MemoryKeyValueStore(), genesis: chain.bundle)
    }

    func issueLicence(_ id: String) throws {
        let holder = Hash.sha256(Array("salt/alice".utf8)).hex
        let receipt = try chain.commit(
            [try chain.licenceCall("issue", [id, "driving", holder, "1000", "4000000000000", "none"], from: chain.issuers["TD"]!)],
            on: ledger
        ).receipts[0]
        try #require(receipt.status == .success)
    }

    @Test func aLicenceProofVerifiesOfflineAndNamesWhatItProves() throws {
        try issueLicence("L-1")
        try chain.commit([], on: ledger)
        let key = Array("L".utf8) + Array("L-1".utf8)
        let bundle = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: key)
        let verified = try EvidenceVerifier.verify(bundle.canonicalBytes, genesis: chain.genesis)
        #expect(verified.height == 1 && verified.contract == chain.licenceRegistry && verified.key == key)
        #expect(verified.value == (try ledger.view().storageValue(contract: chain.licenceRegistry, key: key, at: 1)))
        #expect(verified.value != nil && verified.signers >= 3 && verified.validators == 4 && verified.transitions == 0)
        // The licence's fields, decoded through the registry's interface (what `sbp verify` prints).
        let fields = try ABICodec(interface: chain.licenceInterface).decodeResult(method: "get", bytes: verified.value ?? [])
        #expect(fields.first { $0.name == "licenceType" }?.value == .text("driving"))
    }

    @Test func absenceIsProvenToo() throws {
        try issueLicence("L-1")
        let key = Array("L".utf8) + Array("L-404".utf8)
        let bundle = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: key)
        #expect(try EvidenceVerifier.verify(bundle, genesis: chain.genesis).value == nil)
    }

    @Test func changingAnyByteMakesVerificationFail() throws {
        try issueLicence("L-1")
        try chain.commit([], on: ledger)
        let bytes = try EvidenceExporter.bundle(
            view: try ledger.view(), contract: chain.licenceRegistry, key: Array("L".utf8) + Array("L-1".utf8)
        ).canonicalBytes
        _ = try EvidenceVerifier.verify(bytes, genesis: chain.genesis)
        var accepted: [Int] = []
        for position in bytes.indices {
            var tampered = bytes
            tampered[position] ^= 0x01
            if (try? EvidenceVerifier.verify(tampered, genesis: chain.genesis)) != nil { accepted.append(position) }
        }
        #expect(accepted.isEmpty, "tampered bundles accepted at byte positions \(accepted)")
        #expect(throws: EvidenceError.self) { try EvidenceVerifier.verify(bytes + [0], genesis: chain.genesis) }
    }

    @Test func anotherGenesisIsRefused() throws {
        try issueLicence("L-1")
        let bundle = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: [76])
        var other = chain.genesis
        other.genesisTimeMs += 1
        #expect(throws: EvidenceError.wrongGenesis(expected: other.hash, bundle: chain.genesis.hash)) {
            try EvidenceVerifier.verify(bundle, genesis: other)
        }
    }

    @Test func theProofWalksThroughAValidatorRotation() throws {
        let admins = chain.departments.map { chain.admins[$0]! }
        let newKey = FixtureChain.key("validator/rotated-evidence")
        let rotated = ProposalChange.rotateValidator(
            name: chain.genesis.validators[1].name, consensusKey: newKey.publicKey.compressed,
            tlsCertificate: chain.genesis.validators[1].tlsCertificate)
        try chain.commit(
            [chain.governance(.propose(change: rotated, activationHeight: 0, description: "rotate"), from: admins[0])], on: ledger)
        try chain.commit([1, 2].map { chain.governance(.vote(proposal: 1, approve: true), from: admins[$0]) }, on: ledger)  // h2 → A = 4
        chain.validatorKeys.append(newKey)
        try chain.commit([], on: ledger)
        try issueLicence("L-9")  // height 4, decided by the new set
        try chain.commit([], on: ledger)
        let bundle = try EvidenceExporter.bundle(
            view: try ledger.view(), contract: chain.licenceRegistry, key: Array("L".utf8) + Array("L-9".utf8))
        #expect(bundle.transitions.map(\.activationHeight) == [4])
        let verified = try EvidenceVerifier.verify(bundle, genesis: chain.genesis)
        #expect(verified.transitions == 1 && verified.value != nil)
        // Without the transition the header's certificate does not match the genesis set.
        var skipped = bundle
        skipped.transitions = []
        #expect(throws: EvidenceError.self) { try EvidenceVerifier.verify(skipped, genesis: chain.genesis) }
    }
}
