import ArgumentParser
import ChainTypes
import ContractVM
import Evidence
import Foundation
import Keys

/// `sbp verify FILE --genesis GENESIS`: check an evidence bundle offline and say what it proves, as of when.
///
/// The bundle proves a record as it stood after one block (`docs/evidence.md` §5): the command prints that
/// block's height and time, and can check a holder or a document against the record's salted digest
/// without sending either anywhere.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an evidence bundle with only the genesis document (no network access) and print what it proves.",
        discussion: """
            FILE is the raw bundle of `sbp evidence export`, or the 0x-hex that state_getEvidence returns (bare, \
            quoted, or the whole JSON-RPC response). A bundle proves the record as of the block that certifies it; \
            an old bundle keeps verifying after the record changes, so judge its age yourself (docs/evidence.md §5).
            """)

    @Argument(help: "The evidence file: raw (`sbp evidence export`) or the 0x-hex of state_getEvidence.")
    var file: String

    @Option(help: "The chain's genesis document.")
    var genesis: String

    @Option(help: "Check this holder identity against a licence record's salted holder digest (needs --salt).")
    var holder: String?

    @Option(help: "A file holding the holder identity (instead of --holder).")
    var holderFile: String?

    @Option(help: "Check this document against a certificate record's salted document digest (needs --salt).")
    var documentFile: String?

    @Option(help: "The salt the issuer used for the holder or document digest (the same text as at issue).")
    var salt: String?

    @Option(help: "With --holder: also give the licence registry's verify answer at this time (the licence's unit).")
    var at: UInt64?

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    func validate() throws {
        let subjects = [holder != nil, holderFile != nil, documentFile != nil].filter { $0 }.count
        guard subjects <= 1 else { throw ValidationError("give at most one of --holder, --holder-file or --document-file") }
        if subjects == 1 && salt == nil { throw ValidationError("--holder, --holder-file and --document-file need --salt") }
        if subjects == 0 && salt != nil { throw ValidationError("--salt needs --holder, --holder-file or --document-file") }
        if at != nil && holder == nil && holderFile == nil { throw ValidationError("--at needs --holder or --holder-file") }
    }

    func run() throws {
        let genesisURL = URL(fileURLWithPath: genesis)
        let document: Genesis
        do {
            document = try Genesis.load(json: try BoundedFile.read(genesis, bytesMax: Limits.genesisFileBytesMax))
        } catch let error as BoundedFileError {
            throw CommandError("cannot read genesis \(genesis): \(error.reason)")
        } catch {
            throw CommandError("cannot read genesis \(genesis): \(error)")
        }
        let verified: VerifiedRecord
        do {
            verified = try EvidenceVerifier.verify(try EvidenceFile.bundleBytes(try readEvidenceFile()), genesis: document)
        } catch {
            // A script reading --output json gets the verdict as JSON too; the reason also goes to standard error.
            if output == .json { print(JSON.object(["verified": false, "reason": .string("\(error)")]).rendered()) }
            throw CommandError("evidence does NOT verify: \(error)")
        }
        let contract = document.contracts.first { $0.address == verified.contract }
        let fields = decode(verified, contract: contract, genesisDirectory: genesisURL.deletingLastPathComponent())
        let subject = try checkSubject(verified, contractName: contract?.name)
        switch output {
        case .json: printJSON(verified, contractName: contract?.name, fields: fields, subject: subject)
        case .text: printText(verified, contractName: contract?.name, fields: fields, subject: subject)
        }
        if subject?.matches == false { throw ExitCode.failure }
    }

    private func readEvidenceFile() throws -> [UInt8] {
        do {
            return try BoundedFile.read(file, bytesMax: EvidenceLimits.fileBytesMax)
        } catch {
            switch error {
            case .unreadable(_, "no such file"): throw CommandError("no evidence file at \(file)")
            case .unreadable: throw CommandError("cannot read the evidence file \(file): \(error.reason)")
            case .tooLarge: throw CommandError("the evidence file \(file) is larger than \(EvidenceLimits.fileBytesMax) bytes")
            }
        }
    }

    /// The outcome of `--holder`/`--document-file`: whether the salted digest matches the record's.
    struct SubjectCheck {
        var kind: String
        var matches: Bool
        var outcome: LicenceRecord.Outcome?
    }

    private func checkSubject(_ verified: VerifiedRecord, contractName: String?) throws -> SubjectCheck? {
        guard let salt else { return nil }
        guard let value = verified.value else {
            throw CommandError("the bundle proves the record ABSENT after block \(verified.height): there is no digest to check against")
        }
        if let documentFile {
            guard contractName == "certificate_registry", let record = try? CertificateRecord(bytes: value) else {
                throw CommandError("--document-file needs a certificate registry record; this bundle proves another contract's value")
            }
            let digest = try LocalDigest.of(text: nil, file: documentFile, salt: salt, what: "document file")
            return SubjectCheck(kind: "document", matches: digest == record.documentDigest, outcome: nil)
        }
        guard contractName == "licence_registry", let record = try? LicenceRecord(bytes: value) else {
            throw CommandError("--holder needs a licence registry record; this bundle proves another contract's value")
        }
        let digest = try LocalDigest.of(text: holder, file: holderFile, salt: salt, what: "holder")
        return SubjectCheck(
            kind: "holder", matches: digest == record.holderDigest, outcome: at.map { record.outcome(holderDigest: digest, at: $0) })
    }

    private func printJSON(_ verified: VerifiedRecord, contractName: String?, fields: [NamedABIValue]?, subject: SubjectCheck?) {
        var object: JSON = [
            "verified": true, "chainId": .string(verified.chainId), "contract": .string(verified.contract.description),
            "key": .hex(verified.key), "height": .uint64(verified.height),
            "certifyingBlock": .string(verified.certifyingBlock.description), "certifyingHeight": .uint64(verified.certifyingHeight),
            "certifyingTimeMs": .uint64(verified.certifyingTimeMs), "certifyingTime": .string(Self.utc(verified.certifyingTimeMs)),
            "signers": .integer(Int64(verified.signers)), "validators": .integer(Int64(verified.validators)),
            "validatorSetChanges": .integer(Int64(verified.transitions)), "value": verified.value.map { JSON.hex($0) } ?? .null,
        ]
        if let contractName { object = object.adding(["contractName": .string(contractName)]) }
        if let fields { object = object.adding(["record": ABIJSON.object(fields)]) }
        if let subject {
            object = object.adding([subject.kind + "Matches": .bool(subject.matches)])
            if let outcome = subject.outcome { object = object.adding(["outcome": .string(outcome.description)]) }
        }
        print(object.rendered())
    }

    private func printText(_ verified: VerifiedRecord, contractName: String?, fields: [NamedABIValue]?, subject: SubjectCheck?) {
        print("VERIFIED against genesis of chain \(verified.chainId) (offline)")
        print("  contract  \(verified.contract)\(contractName.map { " (\($0))" } ?? "")")
        print("  key       \(printable(verified.key))")
        if verified.value == nil {
            print("  proves    the key had NO value in the state after block \(verified.height)")
        } else {
            print("  proves    this value in the state after block \(verified.height):")
            for field in fields ?? [] { print("    \(field.name) = \(field.label ?? field.value.description)") }
            if fields == nil {
                for line in Self.recordLines(verified.value ?? [], contractName: contractName) { print("    " + line) }
            }
        }
        print(
            "  certified by block \(verified.certifyingHeight) (\(verified.certifyingBlock)), \(verified.signers) of "
                + "\(verified.validators) validators, after \(verified.transitions) validator-set change(s) since genesis")
        print("  as of     block \(verified.certifyingHeight), \(Self.utc(verified.certifyingTimeMs)) (\(verified.certifyingTimeMs) ms)")
        print("            This proves the record as it stood then, not now: a later suspension, revocation or renewal")
        print("            does not stop this bundle verifying. Judge its age yourself (docs/evidence.md §5).")
        if let subject {
            print(
                "  \(subject.kind.padding(toLength: 9, withPad: " ", startingAt: 0)) \(subject.matches ? "MATCHES" : "does NOT match") "
                    + "the record's salted \(subject.kind) digest")
            if let outcome = subject.outcome, let at { print("  verify    at \(at): \(outcome)") }
        }
    }

    /// A registry record decoded by its documented layout (`docs/evidence.md` §6) when no interface file is
    /// beside the genesis; any other value as hex.
    static func recordLines(_ value: [UInt8], contractName: String?) -> [String] {
        func text(_ bytes: [UInt8]) -> String { "\"" + String(decoding: bytes, as: UTF8.self) + "\"" }
        if contractName == "licence_registry", let licence = try? LicenceRecord(bytes: value) {
            return [
                "id = \(text(licence.id))", "department = \(text(licence.department))", "licenceType = \(text(licence.licenceType))",
                "holderDigest = \(licence.holderDigest)", "validFrom = \(licence.validFrom)", "validUntil = \(licence.validUntil)",
                "conditions = \(text(licence.conditions))", "status = \(licence.status)", "reason = \(text(licence.reason))",
                "issuedHeight = \(licence.issuedHeight)", "historyCount = \(licence.historyCount)",
            ] + (licence.issuedTimeMs.map { ["issuedTimeMs = \($0)"] } ?? [])
        }
        if contractName == "certificate_registry", let certificate = try? CertificateRecord(bytes: value) {
            return [
                "id = \(text(certificate.id))", "department = \(text(certificate.department))",
                "documentDigest = \(certificate.documentDigest)", "certificateType = \(text(certificate.certificateType))",
                "metadataDigest = \(certificate.metadataDigest)", "issuedHeight = \(certificate.issuedHeight)",
                "issuedTimeMs = \(certificate.issuedTimeMs)", "status = \(certificate.revoked ? "revoked" : "valid")",
                "reason = \(text(certificate.reason))",
            ]
        }
        return ["0x" + Hex.encode(value)]
    }

    /// An ISO 8601 UTC time with milliseconds, for a block timestamp.
    static func utc(_ milliseconds: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// The record's fields through the contract's interface (`get` result), when the interface is beside genesis.
    private func decode(_ verified: VerifiedRecord, contract: Genesis.GenesisContract?, genesisDirectory: URL) -> [NamedABIValue]? {
        guard let value = verified.value, let contract else { return nil }
        let interfaceURL = genesisDirectory.appendingPathComponent(contract.codeFile).deletingPathExtension().appendingPathExtension(
            "interface.json")
        guard let bytes = try? BoundedFile.read(interfaceURL.path, bytesMax: CLILimits.inputFileBytesMax),
            let interface = try? JSONDecoder().decode(ContractInterface.self, from: Data(bytes))
        else { return nil }
        let codec = ABICodec(interface: interface)
        // A licence stored since ADR 0023 is `get`'s fields followed by the issue block's time.
        guard contract.name == "licence_registry", let stored = LicenceRecord.getResult(ofStored: value),
            let issuedTimeMs = stored.issuedTimeMs
        else { return try? codec.decodeResult(method: "get", bytes: value) }
        guard let fields = try? codec.decodeResult(method: "get", bytes: stored.result) else { return nil }
        return fields + [NamedABIValue(name: "issuedTimeMs", value: .u64(issuedTimeMs))]
    }

    private func printable(_ key: [UInt8]) -> String {
        let text = String(decoding: key, as: UTF8.self)
        return key.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? "\"\(text)\"" : "0x" + Hex.encode(key)
    }
}
