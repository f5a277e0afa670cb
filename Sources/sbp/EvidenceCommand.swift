import ArgumentParser
import ChainTypes
import ContractVM
import Evidence
import Foundation
import Node

/// `sbp evidence export`: fetch a record's evidence bundle from a node and write it to a file.
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence", abstract: "Export self-contained record proofs.", subcommands: [EvidenceExportCommand.self])
}

/// Which record an evidence command is about: a licence or certificate id, or a raw contract key.
struct RecordSelection: ParsableArguments {
    @Option(help: "Licence id (licence registry).")
    var licence: String?

    @Option(help: "Certificate id (certificate registry).")
    var certificate: String?

    @Option(help: "Contract address (default: the standard registry for --licence or --certificate).")
    var contract: String?

    @Option(help: "Raw storage key in hex, with --contract.")
    var key: String?

    func validate() throws {
        let chosen = [licence != nil, certificate != nil, key != nil].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of --licence, --certificate or --key") }
        if key != nil && contract == nil { throw ValidationError("--key needs --contract") }
    }

    /// The contract and storage key: the registries keep a licence under "L" + id, a certificate under "C" + id.
    func resolve() throws -> (contract: Address, key: [UInt8]) {
        if let licence {
            return (try address(default: "licence_registry"), Array("L".utf8) + Array(licence.utf8))
        }
        if let certificate {
            return (try address(default: "certificate_registry"), Array("C".utf8) + Array(certificate.utf8))
        }
        guard let key, let bytes = Hex.decode(key.hasPrefix("0x") ? String(key.dropFirst(2)) : key) else {
            throw CommandError("--key must be hex")
        }
        return (try address(default: ""), bytes)
    }

    private func address(default name: String) throws -> Address {
        if let contract {
            guard let address = Address(hex: contract) else { throw CommandError("--contract is not an address: \(contract)") }
            return address
        }
        return StandardContracts.address(name: name)
    }
}

struct EvidenceExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an evidence bundle (record, state proof, certified header, validator-set history) to a file.")

    @OptionGroup var record: RecordSelection

    @Option(help: "Prove the state after this block (default: the latest block when the command runs).")
    var height: UInt64?

    @Option(help: "Output file.")
    var out: String

    @Option(help: "Seconds to wait for the next block, which certifies the state to prove.")
    var timeout: Int = CLILimits.certificationWaitSecondsDefault

    @OptionGroup var read: ReadOptions

    func validate() throws {
        guard timeout >= 1 else { throw ValidationError("--timeout must be at least 1 second") }
    }

    func run() async throws {
        let (contract, key) = try record.resolve()
        let client = read.client
        let target: UInt64
        if let height {
            target = height
        } else {
            guard let latest = try await client.object("node_status")["latestHeight"]?.uint64 else {
                throw RPCClientError.unexpected(method: "node_status", reason: "no latestHeight")
            }
            target = latest
        }
        let bytes = try await Self.evidence(contract: contract, key: key, height: target, client: client, timeoutSeconds: timeout)
        try write(bytes, contract: contract, key: key, height: target)
    }

    /// The bundle proving the state after block `height`, waiting while block `height` + 1, whose header
    /// carries that state's root, is not committed yet (−32002): so a record written in the latest block,
    /// just before the export, is in the evidence instead of the state before it.
    static func evidence(contract: Address, key: [UInt8], height: UInt64, client: JSONRPCClient, timeoutSeconds: Int) async throws
        -> [UInt8]
    {
        let params: [JSON] = [.string(contract.description), .hex(key), .uint64(height)]
        let deadline = ContinuousClock.now + .seconds(timeoutSeconds)
        var announced = false
        while true {
            if let result = try await client.call("state_getEvidence", params, nilOn: RPCClientError.unknownBlockCode) {
                guard let hex = result.string, let bytes = Hex.decode(hex) else {
                    throw RPCClientError.unexpected(method: "state_getEvidence", reason: "no evidence bytes")
                }
                return bytes
            }
            guard ContinuousClock.now < deadline else {
                throw CommandError(
                    "block \(height + 1), which certifies the state after block \(height), was not committed within \(timeoutSeconds) s")
            }
            if !announced { Progress.note("waiting for block \(height + 1) to certify the state after block \(height)...") }
            announced = true
            try await Task.sleep(for: CLILimits.certificationPollInterval)  // polling a remote node for its next block
        }
    }

    private func write(_ bytes: [UInt8], contract: Address, key: [UInt8], height: UInt64) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: out))
        } catch {
            throw CommandError("cannot write \(out): \(error.localizedDescription)")
        }
        switch read.output {
        case .json:
            print(
                JSON.object([
                    "file": .string(out), "bytes": .integer(Int64(bytes.count)), "contract": .string(contract.description),
                    "key": .hex(key), "height": .uint64(height),
                ]).rendered())
        case .text: print("wrote \(bytes.count) bytes of evidence for the state after block \(height) to \(out)")
        }
    }
}

/// `sbp verify FILE --genesis GENESIS`: check an evidence bundle offline and say what it proves.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an evidence bundle with only the genesis document (no network access) and print what it proves.")

    @Argument(help: "The evidence file (`sbp evidence export`).")
    var file: String

    @Option(help: "The chain's genesis document.")
    var genesis: String

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let genesisURL = URL(fileURLWithPath: genesis)
        let document: Genesis
        do {
            document = try Genesis.load(json: Array(try Data(contentsOf: genesisURL)))
        } catch {
            throw CommandError("cannot read genesis \(genesis): \(error)")
        }
        let bytes = try ArgumentTransforms.readFile(file, what: "evidence file")
        let verified: VerifiedRecord
        do {
            verified = try EvidenceVerifier.verify(bytes, genesis: document)
        } catch {
            // A script reading --output json gets the verdict as JSON too; the reason also goes to standard error.
            if output == .json { print(JSON.object(["verified": false, "reason": .string("\(error)")]).rendered()) }
            throw CommandError("evidence does NOT verify: \(error)")
        }
        let contract = document.contracts.first { $0.address == verified.contract }
        let contractName = contract?.name
        let fields = decode(verified, contract: contract, genesisDirectory: genesisURL.deletingLastPathComponent())
        switch output {
        case .json:
            var object: JSON = [
                "verified": true, "chainId": .string(verified.chainId), "contract": .string(verified.contract.description),
                "key": .hex(verified.key), "height": .uint64(verified.height),
                "certifyingBlock": .string(verified.certifyingBlock.description),
                "signers": .integer(Int64(verified.signers)), "validators": .integer(Int64(verified.validators)),
                "validatorSetChanges": .integer(Int64(verified.transitions)), "value": verified.value.map { JSON.hex($0) } ?? .null,
            ]
            if let contractName { object = object.adding(["contractName": .string(contractName)]) }
            if let fields { object = object.adding(["record": ABIJSON.object(fields)]) }
            print(object.rendered())
        case .text:
            print("VERIFIED against genesis of chain \(verified.chainId) (offline)")
            print("  contract  \(verified.contract)\(contractName.map { " (\($0))" } ?? "")")
            print("  key       \(printable(verified.key))")
            if verified.value == nil {
                print("  proves    the key had NO value in the state after block \(verified.height)")
            } else {
                print("  proves    this value in the state after block \(verified.height):")
                for field in fields ?? [] { print("    \(field.name) = \(field.label ?? field.value.description)") }
                if fields == nil { print("    0x\(Hex.encode(verified.value ?? []))") }
            }
            print(
                "  certified by block \(verified.height + 1) (\(verified.certifyingBlock)), \(verified.signers) of \(verified.validators) "
                    + "validators, after \(verified.transitions) validator-set change(s) since genesis")
        }
    }

    /// The record's fields through the contract's interface (`get` result), when the interface is beside genesis.
    private func decode(_ verified: VerifiedRecord, contract: Genesis.GenesisContract?, genesisDirectory: URL) -> [NamedABIValue]? {
        guard let value = verified.value, let contract else { return nil }
        let interfaceURL = genesisDirectory.appendingPathComponent(contract.codeFile).deletingPathExtension().appendingPathExtension(
            "interface.json")
        guard let data = try? Data(contentsOf: interfaceURL), let interface = try? JSONDecoder().decode(ContractInterface.self, from: data)
        else { return nil }
        return try? ABICodec(interface: interface).decodeResult(method: "get", bytes: value)
    }

    private func printable(_ key: [UInt8]) -> String {
        let text = String(decoding: key, as: UTF8.self)
        return key.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? "\"\(text)\"" : "0x" + Hex.encode(key)
    }
}
