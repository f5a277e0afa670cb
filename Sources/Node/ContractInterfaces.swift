import ChainTypes
import ContractVM
import Foundation
import Keys
import Logging
import RPCServer

/// The interface descriptions of the genesis contracts, by address, for decoding RPC results and events.
///
/// `sbp network init` copies each `NAME.interface.json` beside its `NAME.wasm`; the node loads the one next
/// to each genesis contract's `codeFile`. A missing or unreadable description only means that contract's
/// values are served undecoded, so loading logs and goes on rather than stopping the node.
struct ContractInterfaces: Sendable {
    /// One contract's interface, parsed for the ABI codec and as JSON for `contract_getInfo`.
    struct Entry: Sendable {
        let interface: ContractInterface
        let document: JSONValue
        var codec: ABICodec { ABICodec(interface: interface) }
    }

    private let entries: [Address: Entry]

    init(_ entries: [Address: Entry] = [:]) {
        self.entries = entries
    }

    subscript(address: Address) -> Entry? { entries[address] }

    /// Reads `CODEFILE-without-.wasm.interface.json` for each genesis contract, relative to `directory`
    /// (the genesis file's directory).
    static func load(genesis: Genesis, directory: String, logger: Logger) -> ContractInterfaces {
        var entries: [Address: Entry] = [:]
        for contract in genesis.contracts {
            let moduleSuffix = "." + StandardContracts.moduleExtension
            let base =
                contract.codeFile.hasSuffix(moduleSuffix) ? String(contract.codeFile.dropLast(moduleSuffix.count)) : contract.codeFile
            let path = (directory as NSString).appendingPathComponent(base + StandardContracts.interfaceSuffix)
            switch Self.read(path: path) {
            case .success(let entry): entries[contract.address] = entry
            case .failure(let problem):
                logger.warning(
                    "contract interface not loaded; its results and events are served undecoded",
                    metadata: ["contract": "\(contract.name)", "path": "\(path)", "reason": "\(problem.reason)"])
            }
        }
        return ContractInterfaces(entries)
    }

    /// Why a description was not loaded.
    struct LoadProblem: Error {
        let reason: String
    }

    /// Parses one description file, at most `NodeLimits.contractFileBytesMax` bytes.
    static func read(path: String) -> Result<Entry, LoadProblem> {
        let data: Data
        do {
            data = Data(try BoundedFile.read(path, bytesMax: NodeLimits.contractFileBytesMax))
        } catch {
            return .failure(LoadProblem(reason: error.reason))
        }
        do {
            let interface = try JSONDecoder().decode(ContractInterface.self, from: data)
            let document = try JSONParser.parse(Array(data))
            return .success(Entry(interface: interface, document: document))
        } catch {
            return .failure(LoadProblem(reason: "not an interface description: \(error)"))
        }
    }
}
