/// The standard contracts a new network installs at genesis (DESIGN §6): the `.wasm` modules in
/// `Genesis/contracts`, named after their files.
///
/// Beside `Genesis` because their addresses are part of what a genesis means: every module that reads a
/// genesis (the ledger, the setup commands, the CLI) derives them the same way, without the node runtime.
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
}
