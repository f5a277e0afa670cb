import ArgumentParser
import ChainTypes
import Foundation
import Keys

/// `sbp keys verify`: check an ECDSA signature over SHA-256(message).
///
/// Exit codes separate the three answers a script needs: 0 valid, 1 well-formed but invalid (including
/// high-S, which this chain never accepts), 2 malformed input.
struct KeysVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a secp256k1 ECDSA signature over the SHA-256 of a message.",
        discussion: """
            The signature is compact (64 bytes, r || s) or strict DER (starts with 0x30); only low-S \
            signatures are valid. Prints "valid" and exits 0, or prints "invalid" and exits 1. \
            Malformed input (bad hex, bad public key, unparseable signature) exits 2.
            """)

    static let invalidExitCode: Int32 = 1
    static let malformedExitCode: Int32 = 2

    @Option(help: ArgumentHelp("Public key, 33 or 65 bytes in hex.", valueName: "hex"))
    var publicKey: String

    @Option(help: ArgumentHelp("Message in hex; its SHA-256 is what was signed.", valueName: "hex"))
    var message: String

    @Option(help: ArgumentHelp("Signature in hex, compact (64 bytes) or DER.", valueName: "hex"))
    var signature: String

    func run() throws {
        let key: PublicKey
        let parsedSignature: Signature
        let messageBytes: [UInt8]
        do {
            key = try PublicKey(bytes: try Self.hex(publicKey, field: "public key"))
            messageBytes = try Self.hex(message, field: "message")
            parsedSignature = try Signature(encoded: try Self.hex(signature, field: "signature"))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(Self.malformedExitCode)
        }
        if key.verify(signature: parsedSignature, digest: Hash.sha256(messageBytes)) {
            print("valid")
        } else {
            print("invalid")
            throw ExitCode(Self.invalidExitCode)
        }
    }

    private static func hex(_ text: String, field: String) throws -> [UInt8] {
        guard let bytes = Hex.decode(text) else { throw CommandError("\(field) is not valid hex") }
        return bytes
    }
}
