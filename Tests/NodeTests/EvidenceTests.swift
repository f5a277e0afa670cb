import ChainTypes
import ContractVM
import Evidence
import Foundation
import Keys
import Ledger
import LedgerFixtures
import StateTree
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
        // The licence's fields, decoded through the registry's interface (what `sbp verify` prints): the stored
        // record is `get`'s result followed by the issue time (ADR 0023).
        let stored = try #require(LicenceRecord.getResult(ofStored: verified.value ?? []))
        let result = stored.result
        #expect(result.count + 8 == verified.value?.count)
        #expect(stored.issuedTimeMs == (try LicenceRecord(bytes: verified.value ?? [])).issuedTimeMs)
        #expect(stored.issuedTimeMs != nil)
        let fields = try ABICodec(interface: chain.licenceInterface).decodeResult(method: "get", bytes: result)
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
        try EvidenceExampleTests.rotateValidator(chain: chain, ledger: ledger)  // voted at 2, active from 4
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

    // MARK: Issue 17: what a bundle proves, and errors that name their cause

    /// A rotation announced at height 2 for activation at 4, then `L-9` issued at 4 and an empty block 5.
    func rotateThenIssue() throws {
        try EvidenceExampleTests.rotateValidator(chain: chain, ledger: ledger)
        try issueLicence("L-9")
        try chain.commit([], on: ledger)
    }

    @Test func aValidatorSetChangeActivatingAfterTheCertifiedHeaderIsNamedAsTheCause() throws {
        try rotateThenIssue()
        let key = Array("L".utf8) + Array("L-9".utf8)
        let later = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: key)
        var early = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: key, height: 1)
        #expect(try early.transitions.isEmpty && EvidenceVerifier.verify(early, genesis: chain.genesis).value == nil)
        early.transitions = later.transitions  // activates at 4, after the certified header 2
        #expect(throws: EvidenceError.transitionAfterHeader(activationHeight: 4, headerHeight: 2)) {
            try EvidenceVerifier.verify(early, genesis: chain.genesis)
        }
        #expect(
            EvidenceError.transitionAfterHeader(activationHeight: 4, headerHeight: 2).description.contains("after the certified header"))
    }

    @Test func aMissingValidatorSetChangeIsSuggestedAsTheCause() throws {
        try rotateThenIssue()
        var bundle = try EvidenceExporter.bundle(
            view: try ledger.view(), contract: chain.licenceRegistry, key: Array("L".utf8) + Array("L-9".utf8))
        bundle.transitions = []
        do {
            _ = try EvidenceVerifier.verify(bundle, genesis: chain.genesis)
            Issue.record("a bundle without its validator-set change verified")
        } catch {
            #expect("\(error)".contains("is a change missing from the bundle?"))
        }
    }

    @Test func aBundleClaimingTheLastHeightIsRefusedWithoutTrapping() throws {
        try issueLicence("L-1")
        try chain.commit([], on: ledger)
        var bundle = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: [76])
        bundle.height = .max
        #expect(throws: EvidenceError.headerMismatch(height: 2, reason: "does not carry the state after height \(UInt64.max)")) {
            try EvidenceVerifier.verify(bundle, genesis: chain.genesis)
        }
        bundle.header.height = 0
        bundle.height = 0
        #expect(throws: EvidenceError.self) { try EvidenceVerifier.verify(bundle, genesis: chain.genesis) }
    }

    @Test func theVerifiedRecordNamesTheCertifyingBlockAndItsTime() throws {
        try issueLicence("L-1")
        try chain.commit([], on: ledger)
        let view = try ledger.view()
        let bundle = try EvidenceExporter.bundle(view: view, contract: chain.licenceRegistry, key: Array("L".utf8) + Array("L-1".utf8))
        let verified = try EvidenceVerifier.verify(bundle, genesis: chain.genesis)
        let certifying = try #require(try view.block(at: 2))
        #expect(verified.height == 1 && verified.certifyingHeight == 2)
        #expect(verified.certifyingBlock == certifying.hash && verified.certifyingTimeMs == certifying.header.timestampMs)
    }

    @Test func anOldValidBundleKeepsVerifyingAfterASuspension() throws {
        try issueLicence("L-1")
        try chain.commit([], on: ledger)
        let key = Array("L".utf8) + Array("L-1".utf8)
        let old = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: key).canonicalBytes
        try chain.commit([try chain.licenceCall("suspend", ["L-1", "audit"], from: chain.issuers["TD"]!)], on: ledger)
        try chain.commit([], on: ledger)
        let fresh = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: key).canonicalBytes
        let oldRecord = try EvidenceVerifier.verify(old, genesis: chain.genesis)
        let freshRecord = try EvidenceVerifier.verify(fresh, genesis: chain.genesis)
        // Both verify: only the certifying block's height and time tell the verifier which is current.
        #expect(try LicenceRecord(bytes: oldRecord.value ?? []).status == .active)
        #expect(try LicenceRecord(bytes: freshRecord.value ?? []).status == .suspended)
        #expect(freshRecord.certifyingHeight > oldRecord.certifyingHeight && freshRecord.certifyingTimeMs > oldRecord.certifyingTimeMs)
    }

    @Test func evidenceFilesAreReadRawAsHexQuotedOrAsTheJSONRPCResponse() throws {
        try issueLicence("L-1")
        let bytes = try EvidenceExporter.bundle(view: try ledger.view(), contract: chain.licenceRegistry, key: [76]).canonicalBytes
        let hex = "0x" + Hex.encode(bytes)
        let forms: [String: [UInt8]] = [
            "raw": bytes, "hex": Array(hex.utf8), "hex with newline": Array((hex + "\n").utf8),
            "bare hex": Array(Hex.encode(bytes).utf8), "quoted": Array("\"\(hex)\"\n".utf8),
            "response": Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\(hex)\"}".utf8),
        ]
        for (name, contents) in forms {
            #expect(try EvidenceFile.bundleBytes(contents) == bytes, "form \(name)")
        }
        let refused: [String: [UInt8]] = [
            "empty": [], "not hex": Array("0xzz".utf8), "odd hex": Array("0x123".utf8),
            "error response": Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32002,\"message\":\"Unknown block\"}}".utf8),
            "binary": [0xFF, 0x00], "too large": [UInt8](repeating: 0x30, count: EvidenceLimits.fileBytesMax + 1),
        ]
        for (name, contents) in refused {
            #expect(throws: EvidenceError.self, "form \(name)") { try EvidenceFile.bundleBytes(contents) }
        }
    }

    /// The offline answer (`LicenceRecord.outcome`) against the registry's own `verify`, over every status,
    /// holder and time boundary: the precedence docs/evidence.md §6 states is the contract's.
    @Test func theOfflineLicenceVerdictIsTheRegistrysVerify() throws {
        let issuer = chain.issuers["TD"]!
        let holder = SaltedDigest.digest(of: Array("Alice Chan".utf8), salt: "my-salt")
        let other = SaltedDigest.digest(of: Array("Bob Lee".utf8), salt: "my-salt")
        var calls: [Transaction] = []
        for id in ["A", "S", "R"] {
            calls.append(try chain.licenceCall("issue", [id, "driving", holder.hex, "1000", "5000", "none"], from: issuer))
        }
        calls.append(try chain.licenceCall("suspend", ["S", "audit"], from: issuer))
        calls.append(try chain.licenceCall("revoke", ["R", "fraud"], from: issuer))
        let receipts = try chain.commit(calls, on: ledger).receipts
        #expect(receipts.allSatisfy { $0.status == .success })
        let view = try ledger.view()
        let codec = ABICodec(interface: chain.licenceInterface)
        var compared = 0
        for id in ["A", "S", "R"] {
            let value = try #require(try view.storageValue(contract: chain.licenceRegistry, key: Array("L".utf8) + Array(id.utf8)))
            let record = try LicenceRecord(bytes: value)
            for candidate in [holder, other] {
                for time: UInt64 in [0, 999, 1000, 4999, 5000, .max] {
                    let input = try codec.encodeCall(method: "verify", arguments: [id, candidate.hex, "\(time)"])
                    let outcome = try view.query(contract: chain.licenceRegistry, input: input)
                    #expect(outcome.returnData == [record.outcome(holderDigest: candidate, at: time).rawValue], "\(id) at \(time)")
                    compared += 1
                }
            }
        }
        #expect(compared == 36)
    }

    @Test func registryRecordsDecodeAsTheContractsStoreThem() throws {
        let issuer = chain.issuers["TD"]!
        let document = SaltedDigest.digest(of: Array("degree.pdf".utf8), salt: "s")
        let metadata = SaltedDigest.digest(of: [], salt: "s")
        let receipts = try chain.commit(
            [try chain.certificateCall("issue", ["C-1", document.hex, "degree", metadata.hex], from: issuer)], on: ledger
        ).receipts
        #expect(receipts[0].status == .success)
        let value = try #require(
            try ledger.view().storageValue(contract: chain.certificateRegistry, key: Array("C".utf8) + Array("C-1".utf8)))
        let record = try CertificateRecord(bytes: value)
        #expect(record.id == Array("C-1".utf8) && record.department == Array("TD".utf8) && record.documentDigest == document)
        #expect(record.certificateType == Array("degree".utf8) && record.metadataDigest == metadata && !record.revoked)
        #expect(record.issuedHeight == 1)
        #expect(throws: CanonicalDecodingError.self) { try CertificateRecord(bytes: value + [0]) }
        #expect(throws: CanonicalDecodingError.self) { try LicenceRecord(bytes: value) }
    }

    /// ADR 0023: a licence stored now ends with its issue block's time; one stored before ends at
    /// historyCount, and both decode.
    @Test func licenceRecordsDecodeWithAndWithoutTheirIssueTime() throws {
        let holder = SaltedDigest.digest(of: Array("Alice Chan".utf8), salt: "my-salt")
        let call = try chain.licenceCall("issue", ["T-1", "driving", holder.hex, "1000", "5000", "none"], from: chain.issuers["TD"]!)
        let block = try chain.commit([call], on: ledger)
        #expect(block.receipts.first?.status == .success)
        let key = Array("L".utf8) + Array("T-1".utf8)
        let value = try #require(try ledger.view().storageValue(contract: chain.licenceRegistry, key: key))
        let record = try LicenceRecord(bytes: value)
        #expect(record.issuedTimeMs == block.block.header.timestampMs && record.historyCount == 1)
        let before = try LicenceRecord(bytes: Array(value.dropLast(8)))
        #expect(before.issuedTimeMs == nil && before.issuedHeight == record.issuedHeight)
        for cut in [1, 7, 9] {
            #expect(throws: CanonicalDecodingError.self) { try LicenceRecord(bytes: Array(value.dropLast(cut))) }
        }
        #expect(throws: CanonicalDecodingError.self) { try LicenceRecord(bytes: value + [0]) }
    }
}

/// Evidence limits against the values they must hold (STYLE: limits that fit together).
@Suite struct EvidenceLimitsTests {
    /// The largest encodings of the parts of a transition, from the decoders' own limits.
    static let validatorBytesMax = 4 + Limits.identifierBytesMax + 4 + Limits.identifierBytesMax + Validator.publicKeyByteCount
    static let headerBytesMax = 4 + Limits.chainIdBytesMax + 3 * 8 + 32 + 20 + 5 * 32
    static let certificateBytesMax = 8 + 8 + 32 + 4 + Limits.validatorsMax * (2 + RecoverableSignature.encodedByteCount)
    static let proofBytesMax = 4 + StateTreeLimits.proofSiblingsMax * 32 + 1 + 64
    static let transitionBytesMax =
        8 + (4 + Limits.validatorsMax * validatorBytesMax) + headerBytesMax + certificateBytesMax + proofBytesMax

    @Test func registryKeysAndRecordsFitABundle() {
        #expect(EvidenceLimits.keyBytesMax >= 1 + RegistryLimits.idBytesMax)
        let licenceBytesMax =
            4 + RegistryLimits.idBytesMax + 4 + RegistryLimits.departmentBytesMax + 4 + RegistryLimits.textBytesMax + 32 + 8 + 8 + 4
            + RegistryLimits.conditionsBytesMax + 1 + 4 + RegistryLimits.textBytesMax + 8 + 4
        #expect(licenceBytesMax <= EvidenceLimits.valueBytesMax)
        #expect(EvidenceLimits.valueBytesMax == StateTreeLimits.valueBytesMax)
    }

    @Test func aFileHoldsTheHexOfABundleWithSixtyFourLargestTransitions() {
        let tail = 20 + 4 + EvidenceLimits.keyBytesMax + 5 + EvidenceLimits.valueBytesMax + 8 + Self.proofBytesMax
        let bundleBytes = 1 + 4 + Limits.chainIdBytesMax + 32 + 4 + 64 * Self.transitionBytesMax + tail + Self.headerBytesMax
        #expect(2 * (bundleBytes + Self.certificateBytesMax) + 256 <= EvidenceLimits.fileBytesMax)
        #expect(EvidenceLimits.transitionsMax >= 64)
    }
}
