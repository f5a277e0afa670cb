import ChainTypes
import Foundation

/// The standard contracts a new network installs at genesis (DESIGN §6): the `.wasm` modules in
/// `Genesis/contracts`, named after their files.
///
/// A genesis contract needs an address before any account exists to deploy it, so the address is derived
/// from the name alone: the last 20 bytes of SHA-256 of `sbp/standard-contract/` + name. Every network made
/// by `sbp network init` therefore has the licence registry at the same address, and no key can own it
/// (finding a public key whose address collides would take about 2^160 tries).
public enum StandardContracts {
    /// Where the contracts are copied inside a network directory, and how genesis refers to them.
    public static let directoryName = "contracts"
    public static let moduleExtension = "wasm"
    /// The ABI description written beside each module (`docs/contracts.md`); copied when present.
    public static let interfaceSuffix = ".interface.json"

    /// The genesis address of the standard contract `name`.
    public static func address(name: String) -> Address {
        let digest = Hash.sha256(Array("sbp/standard-contract/\(name)".utf8))
        guard let address = Address(bytes: digest.bytes.suffix(Address.byteCount)) else {
            preconditionFailure("a SHA-256 digest has at least \(Address.byteCount) bytes")
        }
        return address
    }

    /// A module read from the source directory.
    struct Module {
        var name: String
        var code: [UInt8]
        /// The interface description's bytes, when the source directory has one.
        var interface: [UInt8]?

        var codeHash: Hash { Hash.sha256(code) }
    }

    /// Reads every `NAME.wasm` in `directory`, sorted by name; at least one must be there.
    static func read(directory: String) throws(NetworkInitError) -> [Module] {
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

    private static func readFile(_ path: String, limit: Int) throws(NetworkInitError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .contracts(path: path, reason: "cannot open file") }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit + 1) else { throw .contracts(path: path, reason: "cannot read file") }
        guard data.count <= limit else { throw .contracts(path: path, reason: "larger than \(limit) bytes") }
        return Array(data)
    }
}
