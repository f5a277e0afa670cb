import ArgumentParser
import ChainTypes
import Keys
import Node

/// Options every transaction-sending command shares: the node, the signing key, fuel, waiting and output.
struct SenderOptions: ParsableArguments {
    @Option(help: "JSON-RPC URL of a node (default: the first node of `sbp devnet`).")
    var rpc = ReadOptions.rpcDefault

    @Option(
        help: ArgumentHelp(
            "The sender's key: a plaintext key file (as `sbp network init` writes in accounts/) or a keystore document (.json).",
            valueName: "file"))
    var key: String

    @Option(
        help: ArgumentHelp(
            "Keystore password file, for a --key ending in .json (else $SBP_KEYSTORE_PASSWORD or a prompt).", valueName: "file"))
    var passwordFile: String?

    @Option(help: "Fuel limit of the transaction.")
    var fuel: UInt64 = CLILimits.fuelDefault

    @Option(help: "Seconds to wait for the receipt before giving up (the transaction may still commit later).")
    var timeout: Int = CLILimits.receiptWaitSecondsDefault

    @Flag(help: "Sign the transaction and print it as hex for `sbp tx send`, without submitting it.")
    var signOnly = false

    @Option(
        help: ArgumentHelp(
            "The nonce to sign with, instead of the node's pending nonce (and, with --sign-only, the nonces signed here before).",
            valueName: "n"))
    var nonce: UInt64?

    @Option(
        help: ArgumentHelp(
            "Where --sign-only remembers the nonces it signed, so the next run takes the next one (default: $SBP_NONCE_DIR, else ~/.sbp/nonces).",
            valueName: "directory"))
    var nonceDirectory: String?

    @Option(help: "Output format: text or json (json prints only the receipt's JSON on standard output; progress goes to standard error).")
    var output: OutputFormat = .text

    func validate() throws {
        guard timeout >= 1 else { throw ValidationError("--timeout must be at least 1 second") }
        guard fuel >= 1 else { throw ValidationError("--fuel must be at least 1") }
    }

    var client: JSONRPCClient { JSONRPCClient(url: rpc) }

    /// The signing key from `--key`: a plaintext key file, or a keystore document unlocked with a password.
    func signingKey() throws -> PrivateKey {
        do {
            return try KeyFile.privateKey(at: key) { () throws(KeyFileError) -> [UInt8] in
                do {
                    return try PasswordSource.read(file: passwordFile, confirm: false)
                } catch {
                    throw .unreadable(path: key, reason: "\(error)")
                }
            }
        } catch {
            throw CommandError("cannot use the key \(key): \(error)")
        }
    }
}
