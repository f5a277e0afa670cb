import ChainTypes
import Foundation

/// Salted digests of personal data, computed on the caller's machine (DESIGN §6: no personal data on chain).
///
/// The digest is SHA-256 over a fixed label, the salt and the input, each length-prefixed; the salt never
/// leaves this process, and without it nobody can test a guess of the identity against the chain.
enum SaltedDigest {
    static func of(input: [UInt8], salt: String) -> Hash {
        var encoder = CanonicalEncoder()
        encoder.write(text: "sbp/salted-digest")
        encoder.write(text: salt)
        encoder.write(bytes: input)
        return Hash.sha256(encoder.bytes)
    }

    /// The digest of `--holder TEXT` or `--holder-file PATH`.
    static func of(text: String?, file: String?, salt: String, what: String) throws -> Hash {
        if let file { return of(input: try ArgumentTransforms.readFile(file, what: what), salt: salt) }
        guard let text else { throw CommandError("give the \(what) as text or as a file") }
        return of(input: Array(text.utf8), salt: salt)
    }
}
