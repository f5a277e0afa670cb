import ChainTypes

/// Salted digests of personal data: what the registries store instead of a holder or a document
/// (DESIGN §6, `docs/evidence.md` §7).
///
/// `SHA-256(text("sbp/salted-digest") ‖ text(salt) ‖ bytes(input))`, each part a canonical `u32`-length-
/// prefixed byte string, so no two (salt, input) pairs share an encoding. The salt is the text the issuer
/// chose; without it nobody can test a guess of an identity against the chain.
public enum SaltedDigest {
    /// The label hashed in front of the salt.
    public static let label = "sbp/salted-digest"

    public static func digest(of input: [UInt8], salt: String) -> Hash {
        var encoder = CanonicalEncoder()
        encoder.write(text: label)
        encoder.write(text: salt)
        encoder.write(bytes: input)
        return Hash.sha256(encoder.bytes)
    }
}
