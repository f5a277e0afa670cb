import ArgumentParser
import ChainTypes
import ContractVM
import Evidence
import Foundation
import Keys
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
        // Before asking the node and waiting for a block: a wrong --out is the user's to fix now.
        if let problem = FileWriter.problem(writing: out) { throw ValidationError("cannot write --out \(out): \(problem.reason)") }
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
        // The height is the user's or the node's: the largest one has no block after it to certify it.
        guard height < UInt64.max else { throw CommandError("no block can certify the state after block \(height), the largest height") }
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
            try FileWriter.write(bytes, to: out, replacing: true)
        } catch {
            throw CommandError("cannot write \(out): \(error.reason)")
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
