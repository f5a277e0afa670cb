import ChainTypes

/// `contract_*` methods: read-only calls and deployed contracts' records.
enum ContractMethods {
    static let call = RPCMethod(
        name: "contract_call",
        summary: "Runs a read-only contract call against committed state and returns its outcome, decoded when possible.",
        description: "input is either the call input as 0x-hex (docs/contracts.md §ABI) or {\"method\": NAME, \"args\": [...]} "
            + "naming a method of the contract's interface, with up to \(RPCLimits.contractCallArgumentsMax) arguments as "
            + "strings, numbers or booleans (hashes, addresses and bytes as hex, enumerations by name). Arguments that do not "
            + "fit the interface, or a contract without a known interface, are -32602; no contract at the address is -32001. "
            + "A call that reverts, traps or runs out of fuel is a result with that status, not an error; writes and events "
            + "trap. decoded holds the result fields when the call named a method and succeeded. A height whose state the "
            + "node has pruned is -32003.",
        params: [
            RPCParameter(name: "contract", summary: "The contract to call.", kind: .address),
            RPCParameter(
                name: "input", summary: "Hex call input, or {method, args}.",
                kind: .structured(
                    schema: .object([
                        "oneOf": .array([
                            RPCSchemas.reference("Bytes"),
                            RPCSchemas.object(
                                "MethodCall",
                                [
                                    "method": RPCSchemas.string,
                                    "args": RPCSchemas.array(
                                        of: .object(["type": .array([.string("string"), .string("integer"), .string("boolean")])])),
                                ], required: ["method"]),
                        ])
                    ]))),
            RPCParameter(name: "height", summary: "Read the state after this block (default: the latest).", kind: .uint64, required: false),
        ],
        result: RPCResultDescriptor(name: "result", summary: "The call's outcome.", schema: RPCSchemas.reference("ContractCallResult")),
        errors: [.invalidParams, .limitExceeded, .notFound, .unknownBlock, .pruned, .internalError], cost: .contractQuery
    ) { arguments, context throws(RPCError) in
        let contract = try arguments.address("contract")
        let input = try callInput(try arguments.json("input"))
        let height = try arguments.optionalUInt64("height")
        return RPCJSON.contractCallResult(
            try await context.ask { backend throws(RPCBackendError) in
                try await backend.callContract(contract, input: input, height: height)
            })
    }

    static let getInfo = RPCMethod(
        name: "contract_getInfo",
        summary: "A deployed contract's record (name, code hash and size, owner, deployment) and its interface description if known.",
        description: "No contract at the address is -32001. interface is the NAME.interface.json document the node loaded "
            + "beside the genesis contracts, or null.",
        params: [RPCParameter(name: "address", summary: "The contract address.", kind: .address)],
        result: RPCResultDescriptor(name: "contract", summary: "The contract.", schema: RPCSchemas.reference("ContractInfo")),
        errors: [.invalidParams, .notFound, .internalError]
    ) { arguments, context throws(RPCError) in
        let address = try arguments.address("address")
        guard let info = try await context.ask({ backend throws(RPCBackendError) in try await backend.contractInfo(address) }) else {
            throw RPCError(.notFound, message: "Not found: no contract at \(address)")
        }
        return RPCJSON.contractInfo(info)
    }

    /// Reads `input`: hex bytes, or a method with arguments converted to the text `ABICodec` parses.
    static func callInput(_ value: JSONValue) throws(RPCError) -> ContractCallInput {
        if case .string(let text) = value {
            if text.utf8.count > 2 + 2 * Limits.transactionPayloadBytesMax {
                throw .limitExceeded("input bytes", limit: Limits.transactionPayloadBytesMax, received: max(0, text.utf8.count - 2) / 2)
            }
            guard let bytes = RPCJSON.bytes(from: value, maxBytes: Limits.transactionPayloadBytesMax) else {
                throw .invalidParams("input must be 0x + an even number of hex digits, or {method, args}")
            }
            return .raw(bytes)
        }
        guard case .object = value else { throw .invalidParams("input must be 0x + hex digits or an object {method, args}") }
        let object = try StructuredParameter(name: "input", value: value, allowed: ["method", "args"])
        guard case .string(let method)? = object.member("method"), !method.isEmpty, method.utf8.count <= Limits.identifierBytesMax else {
            throw .invalidParams("input.method must be a method name of at most \(Limits.identifierBytesMax) bytes")
        }
        let arguments = try object.array(
            "args", maxCount: RPCLimits.contractCallArgumentsMax, expected: "a string, a non-negative integer or a boolean"
        ) { value -> String? in
            switch value {
            case .string(let text): return text
            case .bool(let flag): return flag ? "true" : "false"
            case .number(let number): return number.uint64Value.map { String($0) }
            default: return nil
            }
        }
        return .method(name: method, arguments: arguments)
    }
}
