import ChainTypes
import Evidence
import Foundation

/// Salted digests of personal data given on the command line, computed on the caller's machine (DESIGN §6:
/// no personal data on chain); the construction is `Evidence.SaltedDigest` (`docs/evidence.md` §7).
enum LocalDigest {
    static func of(input: [UInt8], salt: String) -> Hash { SaltedDigest.digest(of: input, salt: salt) }

    /// The digest of `--holder TEXT` or `--holder-file PATH`.
    static func of(text: String?, file: String?, salt: String, what: String) throws -> Hash {
        if let file { return of(input: try ArgumentTransforms.readFile(file, what: what), salt: salt) }
        guard let text else { throw CommandError("give the \(what) as text or as a file") }
        return of(input: Array(text.utf8), salt: salt)
    }
}
