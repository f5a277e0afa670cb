/// The methods a server answers, in documentation order, with lookup by name.
///
/// `standard` is the node's API; tests and later issues build registries from their own method lists.
/// The OpenRPC document is derived from the registry, so a method cannot exist undocumented.
public struct RPCMethodRegistry: Sendable {
    public let methods: [RPCMethod]
    private let indexByName: [String: Int]

    public init(_ methods: [RPCMethod]) {
        var index: [String: Int] = [:]
        for (position, method) in methods.enumerated() {
            precondition(index.updateValue(position, forKey: method.name) == nil, "method \(method.name) registered twice")
        }
        self.methods = methods
        self.indexByName = index
    }

    /// The node's API (DESIGN §7), grouped by namespace, and `rpc.discover`.
    public static let standard = RPCMethodRegistry([
        NodeMethods.status, NodeMethods.peers, NodeMethods.health, NodeMethods.backup,
        ChainMethods.getLatestHeight, ChainMethods.getBlockByHeight, ChainMethods.getBlockByHash, ChainMethods.getHeaders,
        ChainMethods.getCommit, ChainMethods.getGenesis,
        TransactionMethods.send, TransactionMethods.sendAndWait, TransactionMethods.getReceipt, TransactionMethods.getByHash,
        TransactionMethods.search,
        EventMethods.query,
        StateMethods.get, StateMethods.getProof, StateMethods.getEvidence,
        ContractMethods.call, ContractMethods.getInfo,
        RecordMethods.getLicence, RecordMethods.getCertificate,
        ConsensusMethods.getValidators, ConsensusMethods.getStatus, ConsensusMethods.getParams,
        MembershipMethods.getDepartments, MembershipMethods.getNodes, MembershipMethods.getAccount, MembershipMethods.listAccounts,
        GovernanceMethods.getProposals,
        SubscriptionMethods.subscribe, SubscriptionMethods.unsubscribe,
        DiscoverMethod.discover,
    ])

    /// The method called `name`, or nil (the engine answers −32601).
    public func method(named name: String) -> RPCMethod? {
        indexByName[name].map { methods[$0] }
    }

    /// The OpenRPC 1.2.6 document describing every method, its parameters, result and errors.
    ///
    /// Shared schemas go to `components.schemas` and errors to `components.errors`, referenced from
    /// the methods, so a client generator sees each type once.
    public func openRPCDocument() -> JSONValue {
        let errorComponents = JSONObject(
            RPCErrorCode.allCases.map { code in (key: Self.componentName(of: code), value: Self.errorObject(code)) })
        return .object([
            "openrpc": .string("1.2.6"),
            "info": .object([
                "title": .string("SBP node JSON-RPC API"),
                "description": .string(
                    "JSON-RPC 2.0 over HTTP POST / and WebSocket /ws (text messages; subscribe and unsubscribe need /ws). Hashes, addresses and bytes are 0x-prefixed hex; unsigned 64-bit integers "
                        + "are JSON numbers up to 2^53 - 1 and decimal strings above it."),
                "version": .string(RPCAPI.version),
            ]),
            "methods": .array(methods.map(Self.describe)),
            "components": .object([
                "schemas": .object(RPCSchemas.components),
                "errors": .object(errorComponents),
            ]),
        ])
    }

    private static func describe(_ method: RPCMethod) -> JSONValue {
        var object = JSONObject([
            (key: "name", value: .string(method.name)),
            (key: "summary", value: .string(method.summary)),
        ])
        if !method.description.isEmpty { object.append("description", .string(method.description)) }
        object.append("paramStructure", .string("either"))
        object.append(
            "params",
            .array(
                method.params.map { parameter in
                    .object([
                        "name": .string(parameter.name),
                        "summary": .string(parameter.summary),
                        "required": .bool(parameter.required),
                        "schema": parameter.schema,
                    ])
                }))
        object.append(
            "result",
            .object([
                "name": .string(method.result.name), "summary": .string(method.result.summary), "schema": method.result.schema,
            ]))
        object.append(
            "errors", .array(method.documentedErrors.map { .object(["$ref": .string("#/components/errors/" + componentName(of: $0))]) }))
        return .object(object)
    }

    /// The name of an error in `components.errors`: its message in UpperCamelCase (`InvalidParams`).
    static func componentName(of code: RPCErrorCode) -> String {
        code.message.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    private static func errorObject(_ code: RPCErrorCode) -> JSONValue {
        .object(["code": .number(code.rawValue), "message": .string(code.message), "data": .string(code.summary)])
    }
}

/// The version of the API the OpenRPC document announces; bump the minor version when adding methods.
public enum RPCAPI {
    public static let version = "0.3.0"
}
