import ArgumentParser
import ChainTypes
import ContractVM
import Foundation

/// `sbp contract`: deploy a department contract, call it in a transaction, or query it read-only.
struct ContractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract", abstract: "Deploy, call and query contracts.",
        subcommands: [ContractDeploy.self, ContractCall.self, ContractQuery.self])
}

/// `sbp contract deploy --wasm FILE`: a `deploy` transaction (`docs/ledger.md` §6.2).
struct ContractDeploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy",
        abstract: "Deploy a WebAssembly contract (department admins, when the chain's governance allows departments to deploy).",
        discussion: """
            The module is validated here first, with the node's own deploy-time rules. The contract's address is \
            derived from the sender and its nonce (Address.contract(deployer:nonce:)); it is printed before \
            submission and checked against the receipt. The node keeps no interface for a department contract: \
            pass the same --interface FILE to `sbp contract call` and `sbp contract query`.
            """)

    @Option(help: ArgumentHelp("The contract's WebAssembly module.", valueName: "file"))
    var wasm: String

    @Option(help: "The contract's name (default: the interface's name, else the module's file name).")
    var name: String?

    @Option(help: ArgumentHelp("The contract's interface description (NAME.interface.json), checked before deploying.", valueName: "file"))
    var interface: String?

    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let code = try ArgumentTransforms.readFile(wasm, what: "contract module")
        let module: ContractModule
        do {
            module = try ContractModule(code: code)
        } catch {
            throw CommandError("\(wasm) would be refused at deploy time: \(error)")
        }
        let interface = try self.interface.map(ContractTarget.readInterface)
        let name = self.name ?? interface?.name ?? URL(fileURLWithPath: wasm).deletingPathExtension().lastPathComponent
        guard !name.isEmpty, name.utf8.count <= Limits.identifierBytesMax else {
            throw CommandError("the contract name must be 1...\(Limits.identifierBytesMax) bytes: '\(name)'")
        }
        let payload = DeployPayload(name: name, code: code).canonicalBytes
        let interfaceFile = self.interface
        try await TransactionSender(options: sender).run(
            .deploy, payload: payload,
            announce: { transaction in
                "deploying \(name) (\(module.codeBytes) bytes, code hash \(module.codeHash)) to \(Self.address(of: transaction))"
            },
            extras: { transaction, receipt in
                guard receipt["status"]?.string == "success" else { return [:] }
                var extras: [String: JSON] = ["contractAddress": .string(Self.address(of: transaction).description)]
                if let interfaceFile { extras["interfaceFile"] = .string(interfaceFile) }
                return extras
            })
    }

    /// Where the ledger puts the contract a deploy transaction creates.
    static func address(of transaction: Transaction) -> Address {
        Address.contract(deployer: transaction.body.sender, nonce: transaction.body.nonce)
    }
}

/// `sbp contract call ADDRESS METHOD ARGS…`: a signed `call` transaction.
struct ContractCall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call a contract method in a signed transaction and wait for its receipt.",
        discussion: """
            Arguments are typed as the interface says: decimal integers, true/false, text as is, hashes, addresses \
            and bytes in hex, enumerations by name. Put `--` before arguments that start with a dash.
            """)

    @Argument(help: "The contract's address.", transform: ArgumentTransforms.address)
    var address: Address

    @Argument(help: "The method.")
    var method: String

    @Argument(help: "The method's arguments, in order.")
    var arguments: [String] = []

    @Option(help: ArgumentHelp("Interface description (default: the one the node knows, for standard contracts).", valueName: "file"))
    var interface: String?

    @OptionGroup var sender: SenderOptions

    func run() async throws {
        let signer = try TransactionSender(options: sender)
        let target = try await ContractTarget.resolve(address, interfaceFile: interface, client: sender.client)
        try await Self.send(target, method: method, arguments: arguments, signer: signer)
    }

    /// Signs and sends `method(arguments)` to `target`; the report adds the decoded result on success.
    static func send(_ target: ContractTarget, method: String, arguments: [String], signer: TransactionSender) async throws {
        let input = try target.encodeCall(method: method, arguments: arguments)
        try await signer.run(
            .call, payload: CallPayload(contract: target.address, input: input).canonicalBytes,
            extras: { _, receipt in
                guard receipt["status"]?.string == "success",
                    let result = target.decodeResult(method: method, returnData: receipt["returnData"])
                else { return [:] }
                return ["result": result]
            })
    }
}

/// `sbp contract query ADDRESS METHOD ARGS…`: a read-only `contract_call` against committed state.
struct ContractQuery: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Run a read-only contract call against committed state (no transaction, no key).")

    @Argument(help: "The contract's address.", transform: ArgumentTransforms.address)
    var address: Address

    @Argument(help: "The method.")
    var method: String

    @Argument(help: "The method's arguments, in order.")
    var arguments: [String] = []

    @Option(help: ArgumentHelp("Interface description, to encode and decode here (default: the node does it).", valueName: "file"))
    var interface: String?

    @Option(help: "Read the state after this block (default: the latest).")
    var height: UInt64?

    @OptionGroup var read: ReadOptions

    func run() async throws {
        let target = try interface.map { ContractTarget(address: address, interface: try ContractTarget.readInterface($0)) }
        let input: JSON =
            try target.map { .hex(try $0.encodeCall(method: method, arguments: arguments)) }
            ?? ["method": .string(method), "args": .array(arguments.map(JSON.string))]
        var result = try await Self.query(address, input: input, height: height, client: read.client)
        if let target {
            result = result.adding(["decoded": target.decodeResult(method: method, returnData: result["returnData"]) ?? .null])
        }
        try Self.print(result, output: read.output)
    }

    /// `contract_call` with `input` (hex, or `{method, args}` for the node to encode and decode).
    static func query(_ address: Address, input: JSON, height: UInt64? = nil, client: JSONRPCClient) async throws -> JSON {
        var params: [JSON] = [.string(address.description), input]
        if let height { params.append(.uint64(height)) }
        guard let result = try await client.object("contract_call", params, nilOn: RPCClientError.notFoundCode) else {
            throw CommandError("no contract at \(address)")
        }
        return result
    }

    /// `contract_call` of a method by name, with the node encoding the arguments and decoding the result.
    static func query(_ address: Address, method: String, arguments: [String], client: JSONRPCClient) async throws -> JSON {
        try await query(address, input: ["method": .string(method), "args": .array(arguments.map(JSON.string))], client: client)
    }

    /// Prints a `ContractCallResult`; a call that did not succeed fails the command after it is printed.
    static func print(_ result: JSON, output: OutputFormat) throws {
        let status = result["status"]?.string ?? "unknown"
        switch output {
        case .json: Swift.print(result.rendered())
        case .text: for line in textLines(result) { Swift.print(line) }
        }
        guard status == "success" else { throw ExitCode.failure }
    }

    static func textLines(_ result: JSON) -> [String] {
        var lines = [
            "\(result["status"]?.text ?? "unknown") at height \(result["height"]?.text ?? "?"), fuel used \(result["fuelUsed"]?.text ?? "?")"
        ]
        if let message = result["errorMessage"], !message.isNull { lines.append("  error: \(message.text)") }
        if let decoded = result["decoded"]?.object {
            for key in decoded.keys.sorted() { lines.append("  \(key): \(decoded[key]?.text ?? "")") }
        } else if let data = result["returnData"]?.string, data != "0x" {
            lines.append("  returnData: \(data)")
        }
        return lines
    }
}
