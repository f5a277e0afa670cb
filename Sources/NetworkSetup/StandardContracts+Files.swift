import ChainTypes
import Foundation
import Keys
import Node

/// Reading the standard contracts' modules from a directory, for the genesis `sbp network init` writes.
extension StandardContracts {
    /// A module read from the source directory.
    struct Module {
        var name: String
        var code: [UInt8]
        /// The interface description's bytes, when the source directory has one.
        var interface: [UInt8]?

        var codeHash: Hash { Hash.sha256(code) }
    }

    /// Reads every `NAME.wasm` in `directory`, sorted by name; at least one must be there.
    static func read(directory: String) throws(SetupError) -> [Module] {
        let fileNames: [String]
        do {
            fileNames = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .contracts(path: directory, reason: "cannot list directory (pass --contracts DIR with the built .wasm modules)")
        }
        let moduleNames = fileNames.filter { $0.hasSuffix("." + moduleExtension) && !$0.hasPrefix(".") }.sorted()
        guard !moduleNames.isEmpty else { throw .contracts(path: directory, reason: "no .\(moduleExtension) modules") }
        guard moduleNames.count <= NodeLimits.contractsMax else {
            throw .contracts(path: directory, reason: "more than \(NodeLimits.contractsMax) modules")
        }
        var modules: [Module] = []
        for fileName in moduleNames {
            let name = String(fileName.dropLast(moduleExtension.count + 1))
            let path = (directory as NSString).appendingPathComponent(fileName)
            if let problem = NameRules.problem(identifier: name) { throw .contracts(path: path, reason: "contract name \(problem)") }
            let code = try readFile(path, limit: NodeLimits.contractFileBytesMax)
            guard code.starts(with: [0x00, 0x61, 0x73, 0x6d]) else { throw .contracts(path: path, reason: "not a WebAssembly module") }
            let interfacePath = (directory as NSString).appendingPathComponent(name + interfaceSuffix)
            let interface =
                FileManager.default.fileExists(atPath: interfacePath)
                ? try readFile(interfacePath, limit: NodeLimits.contractFileBytesMax) : nil
            modules.append(Module(name: name, code: code, interface: interface))
        }
        return modules
    }

    private static func readFile(_ path: String, limit: Int) throws(SetupError) -> [UInt8] {
        do {
            return try BoundedFile.read(path, bytesMax: limit)
        } catch {
            throw .contracts(path: path, reason: error.reason)
        }
    }
}
