import ChainTypes
import ContractVM
import Foundation

/// A contract the CLI calls: its address and, when known, its interface description (`docs/contracts.md` §4).
struct ContractTarget {
    let address: Address
    let interface: ContractInterface?

    /// The interface from `interfaceFile` when given, else the one the node loaded (`contract_getInfo`):
    /// the node knows the standard contracts' interfaces; for a department's own contract pass the file.
    static func resolve(_ address: Address, interfaceFile: String?, client: JSONRPCClient) async throws -> ContractTarget {
        if let interfaceFile { return ContractTarget(address: address, interface: try readInterface(interfaceFile)) }
        guard let info = try await client.object("contract_getInfo", [.string(address.description)], nilOn: RPCClientError.notFoundCode)
        else {
            throw CommandError("no contract at \(address)")
        }
        guard let interface = info["interface"], !interface.isNull else { return ContractTarget(address: address, interface: nil) }
        do {
            return ContractTarget(
                address: address, interface: try JSONDecoder().decode(ContractInterface.self, from: Data(interface.rendered().utf8)))
        } catch {
            throw CommandError("the node's interface description of \(address) does not parse: \(error)")
        }
    }

    /// Reads an interface description (`NAME.interface.json`).
    static func readInterface(_ path: String) throws -> ContractInterface {
        let bytes = try ArgumentTransforms.readFile(path, what: "interface description")
        do {
            return try JSONDecoder().decode(ContractInterface.self, from: Data(bytes))
        } catch {
            throw CommandError("\(path) is not a contract interface description ({name, methods, events}, docs/contracts.md §4): \(error)")
        }
    }

    /// The codec of the interface; without one the CLI cannot encode a call by method name.
    func codec() throws -> ABICodec {
        guard let interface else {
            throw CommandError("the node has no interface description for \(address); pass --interface FILE (NAME.interface.json)")
        }
        return ABICodec(interface: interface)
    }

    /// The call input for `method(arguments)`, checked against the interface.
    func encodeCall(method: String, arguments: [String]) throws -> [UInt8] {
        let codec = try codec()
        do {
            return try codec.encodeCall(method: method, arguments: arguments)
        } catch {
            let known = codec.interface.methods.map(\.name).joined(separator: ", ")
            throw CommandError("cannot encode \(method)(\(arguments.joined(separator: ", "))): \(error) (methods: \(known))")
        }
    }

    /// `method`'s return data decoded by the interface, or nil when there is no interface or it does not fit.
    func decodeResult(method: String, returnData: JSON?) -> JSON? {
        guard let interface, let hex = returnData?.string, let bytes = Hex.decode(hex),
            let fields = try? ABICodec(interface: interface).decodeResult(method: method, bytes: bytes)
        else { return nil }
        return ABIJSON.object(fields)
    }
}
