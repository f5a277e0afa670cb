import Keys

/// How the setup commands write secp256k1 keys (consensus and account keys).
///
/// P-256 TLS and CA keys are always PEM files with mode 0600: the TLS stack reads them directly.
public enum KeyStorage: Sendable {
    /// Hex files with mode 0600: a devnet starts with no password (`docs/network-init.md`).
    case plaintext
    /// Encrypted keystore documents (`docs/keystore.md`) under `password`.
    case keystore(password: [UInt8], parameters: ScryptParameters)

    /// Checks the password and scrypt parameters; `option` names the command's password option.
    func validate(option: String) throws(SetupError) {
        guard case .keystore(let password, let parameters) = self else { return }
        guard !password.isEmpty, password.count <= KeysLimits.passwordBytesMax else {
            throw .invalidOption(option: option, reason: "the password must be 1...\(KeysLimits.passwordBytesMax) bytes")
        }
        do {
            try parameters.validate(source: "setup")
        } catch {
            throw .keystore(error)
        }
    }
}
