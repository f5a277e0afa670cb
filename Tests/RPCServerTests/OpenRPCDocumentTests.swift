import RPCServer
import Testing

/// The `rpc.discover` document is a well-formed OpenRPC 1.2.6 document built from the registry.
@Suite("OpenRPC document")
struct OpenRPCDocumentTests {
    let document = RPCMethodRegistry.standard.openRPCDocument()

    @Test("it has the required OpenRPC 1.2.6 members")
    func topLevel() {
        #expect(document["openrpc"] == .string("1.2.6"))
        #expect(document["info"]?["title"]?.text != nil)
        #expect(document["info"]?["version"] == .string(RPCAPI.version))
        #expect(document["methods"]?.elements != nil)
    }

    @Test("every registered method is described, in registry order, with its params, result and errors")
    func methods() throws {
        let described = try #require(document["methods"]?.elements)
        #expect(described.map { $0["name"]?.text } == RPCMethodRegistry.standard.methods.map(\.name))
        for (method, entry) in zip(RPCMethodRegistry.standard.methods, described) {
            #expect(entry["summary"] == .string(method.summary))
            #expect(entry["paramStructure"] == .string("either"))
            let params = try #require(entry["params"]?.elements)
            #expect(params.map { $0["name"]?.text } == method.params.map(\.name))
            #expect(params.map { $0["required"] } == method.params.map { .bool($0.required) })
            #expect(params.allSatisfy { $0["schema"] != nil })
            #expect(entry["result"]?["name"] == .string(method.result.name))
            #expect(entry["result"]?["schema"] != nil)
            let validator = SchemaValidator(document: document)
            let codes = (entry["errors"]?.elements ?? []).map { validator.resolve($0)["code"] }
            #expect(codes == method.documentedErrors.map { .number($0.rawValue) })
        }
    }

    @Test("the methods the node issue asks for are all there")
    func requiredMethods() {
        let names = [
            "tx_send", "tx_getReceipt", "chain_getBlockByHeight", "node_status", "rpc.discover", "node_peers", "node_health",
            "chain_getLatestHeight", "chain_getBlockByHash", "chain_getHeaders", "chain_getCommit", "chain_getGenesis", "tx_sendAndWait",
            "tx_getByHash", "tx_search", "events_query", "state_get", "state_getProof", "contract_call", "contract_getInfo",
            "consensus_getValidators", "consensus_getStatus", "consensus_getParams", "membership_getDepartments",
            "membership_getAccount", "governance_getProposals", "records_getLicence", "records_getCertificate",
        ]
        for name in names {
            #expect(RPCMethodRegistry.standard.method(named: name) != nil, "\(name)")
        }
    }

    @Test("every error code is in components.errors with its code and message")
    func errors() throws {
        let errors = try #require(document["components"]?["errors"])
        guard case .object(let object) = errors else {
            Issue.record("components.errors is not an object")
            return
        }
        #expect(object.count == RPCErrorCode.allCases.count)
        for code in RPCErrorCode.allCases {
            #expect(object.members.contains { $0.value["code"] == .number(code.rawValue) && $0.value["message"] == .string(code.message) })
        }
    }

    @Test("every $ref resolves")
    func references() {
        let validator = SchemaValidator(document: document)
        var unresolved: [String] = []
        func visit(_ value: JSONValue, path: String) {
            switch value {
            case .object(let object):
                if case .string(let reference)? = object["$ref"], validator.resolve(value) == .null {
                    unresolved.append("\(path): \(reference)")
                }
                for member in object.members { visit(member.value, path: path + "." + member.key) }
            case .array(let elements):
                for (index, element) in elements.enumerated() { visit(element, path: "\(path)[\(index)]") }
            default: break
            }
        }
        visit(document, path: "$")
        #expect(unresolved.isEmpty, "\(unresolved)")
    }

    @Test("the document serializes to the same bytes every time")
    func deterministic() {
        #expect(document.serialized() == RPCMethodRegistry.standard.openRPCDocument().serialized())
    }
}
