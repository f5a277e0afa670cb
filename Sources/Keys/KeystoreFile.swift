import ChainTypes
import Crypto
import Foundation
import _CryptoExtras

/// One encrypted key as stored on disk: a JSON document (format in `docs/keystore.md`).
///
/// The private key is encrypted with AES-256-GCM under a key derived from the password with scrypt.
/// The name and address are in clear (so `keys list` needs no password) and are bound to the ciphertext
/// as authenticated data, so renaming a key or swapping its address inside the file is detected.
/// A password check value (SHA-256 of the second half of the scrypt output) tells a wrong password
/// apart from a modified file.
public struct KeystoreFile: Codable, Hashable, Sendable {
    public static let currentVersion = 1
    public static let kdfName = "scrypt"
    public static let cipherName = "aes-256-gcm"
    static let saltByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16
    static let checkByteCount = 32
    /// 32 bytes of AES-256 key followed by 32 bytes hashed into the password check.
    static let derivedByteCount = 64

    public var version: Int
    public var name: String
    /// `0x` + 40 hex digits.
    public var address: String
    /// The compressed public key, 66 hex digits.
    public var publicKey: String
    public var crypto: Crypto

    /// The encryption parameters and the encrypted key.
    public struct Crypto: Codable, Hashable, Sendable {
        public var kdf: String
        public var kdfparams: KDFParameters
        public var cipher: String
        /// Hex fields; sizes 12, 32, 16 and 32 bytes.
        public var nonce: String
        public var ciphertext: String
        public var tag: String
        public var passwordCheck: String
    }

    /// scrypt's N, r, p and the hex salt.
    public struct KDFParameters: Codable, Hashable, Sendable {
        public var n: Int
        public var r: Int
        public var p: Int
        public var salt: String
    }

    /// The additional authenticated data: `sbp-keystore-v1\n` + name + `\n` + address (lower-case hex).
    static func authenticatedData(name: String, address: Address) -> [UInt8] {
        Array("sbp-keystore-v\(currentVersion)\n\(name)\n\(address)".utf8)
    }

    /// Encrypts `key` under `password` and returns the document to store.
    public static func encrypt(
        _ key: PrivateKey, name: String, password: [UInt8], parameters: ScryptParameters = .standard
    ) throws(KeystoreError) -> KeystoreFile {
        try Keystore.validate(name: name)
        try validate(password: password, creating: true)
        try parameters.validate(source: "key \"\(name)\"")
        var salt = [UInt8](repeating: 0, count: saltByteCount)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = try deriveKeys(password: password, salt: salt, parameters: parameters, source: name)
        let nonce = AES.GCM.Nonce()
        let aad = authenticatedData(name: name, address: key.address)
        let sealed: AES.GCM.SealedBox
        do {
            sealed = try key.withUnsafeSecretBytes { secret in
                try AES.GCM.seal(secret, using: derived.encryption, nonce: nonce, authenticating: aad)
            }
        } catch {
            preconditionFailure("AES-GCM sealing 32 bytes cannot fail: \(error)")
        }
        let crypto = Crypto(
            kdf: kdfName,
            kdfparams: KDFParameters(n: parameters.cost, r: parameters.blockSize, p: parameters.parallelism, salt: Hex.encode(salt)),
            cipher: cipherName,
            nonce: Hex.encode(Array(nonce)),
            ciphertext: Hex.encode(sealed.ciphertext),
            tag: Hex.encode(sealed.tag),
            passwordCheck: Hex.encode(derived.check))
        return KeystoreFile(
            version: currentVersion, name: name, address: key.address.description,
            publicKey: Hex.encode(key.publicKey.compressed), crypto: crypto)
    }

    /// Decrypts the private key; `.wrongPassword` if the password is wrong, `.tampered` if the file was changed.
    public func decrypt(password: [UInt8]) throws(KeystoreError) -> PrivateKey {
        let source = "key \"\(name)\""
        let entry = try entry()
        try Self.validate(password: password, creating: false)
        let sealed = try sealedParts(source: source)
        let derived = try Self.deriveKeys(password: password, salt: sealed.salt, parameters: sealed.parameters, source: source)
        guard Self.constantTimeEqual(derived.check, sealed.check) else { throw .wrongPassword(source: source) }
        var plaintext: Data
        do {
            let box = try AES.GCM.SealedBox(nonce: sealed.nonce, ciphertext: sealed.ciphertext, tag: sealed.tag)
            plaintext = try AES.GCM.open(
                box, using: derived.encryption, authenticating: Self.authenticatedData(name: name, address: entry.address))
        } catch {
            throw .tampered(source: source, reason: "authentication failed (ciphertext, nonce, tag, name or address changed)")
        }
        defer { plaintext.resetBytes(in: 0..<plaintext.count) }
        let key: PrivateKey
        do {
            key = try PrivateKey(bytes: plaintext)
        } catch {
            throw .tampered(source: source, reason: "decrypted bytes are not a private key")
        }
        guard key.publicKey == entry.publicKey else {
            throw .tampered(source: source, reason: "public key does not match the encrypted key")
        }
        return key
    }

    /// The clear-text part (name, address, public key), checked for consistency; needs no password.
    public func entry() throws(KeystoreError) -> KeystoreEntry {
        let source = "key \"\(name)\""
        guard version == Self.currentVersion else {
            throw .unsupported(source: source, reason: "version \(version), this build reads version \(Self.currentVersion)")
        }
        do {
            try Keystore.validate(name: name)
        } catch {
            throw .malformed(source: source, reason: "invalid name")
        }
        guard let address = Address(hex: address) else {
            throw .malformed(source: source, reason: "address must be 0x + 40 hex digits")
        }
        guard let publicKeyBytes = Hex.decode(publicKey), publicKeyBytes.count == PublicKey.compressedByteCount,
            let publicKey = try? PublicKey(bytes: publicKeyBytes)
        else {
            throw .malformed(source: source, reason: "publicKey must be a 33-byte compressed secp256k1 key in hex")
        }
        guard publicKey.address == address else {
            throw .tampered(source: source, reason: "address does not belong to the public key")
        }
        return KeystoreEntry(name: name, address: address, publicKey: publicKey)
    }

    /// Reads a document from JSON bytes; `source` names the file in errors.
    public static func decode(_ data: Data, source: String) throws(KeystoreError) -> KeystoreFile {
        guard data.count <= KeysLimits.keystoreFileBytesMax else {
            throw .malformed(source: source, reason: "file is \(data.count) bytes, limit is \(KeysLimits.keystoreFileBytesMax)")
        }
        do {
            return try JSONDecoder().decode(KeystoreFile.self, from: data)
        } catch let error as DecodingError {
            throw .malformed(source: source, reason: Self.summary(of: error))
        } catch {
            throw .malformed(source: source, reason: "not valid JSON")
        }
    }

    /// The JSON bytes to store: pretty-printed with sorted keys, so equal documents are equal bytes.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(self) + Data("\n".utf8)
        } catch {
            preconditionFailure("encoding a KeystoreFile of strings and integers cannot fail: \(error)")
        }
    }

    private struct SealedParts {
        var parameters: ScryptParameters
        var salt: [UInt8]
        var nonce: AES.GCM.Nonce
        var ciphertext: [UInt8]
        var tag: [UInt8]
        var check: [UInt8]
    }

    /// Checks algorithm names, KDF limits and field sizes before any expensive work.
    private func sealedParts(source: String) throws(KeystoreError) -> SealedParts {
        guard crypto.kdf == Self.kdfName else { throw .unsupported(source: source, reason: "kdf \"\(crypto.kdf)\"") }
        guard crypto.cipher == Self.cipherName else {
            throw .unsupported(source: source, reason: "cipher \"\(crypto.cipher)\"")
        }
        let parameters = ScryptParameters(cost: crypto.kdfparams.n, blockSize: crypto.kdfparams.r, parallelism: crypto.kdfparams.p)
        try parameters.validate(source: source)
        func field(_ name: String, _ text: String, count: ClosedRange<Int>) throws(KeystoreError) -> [UInt8] {
            guard let bytes = Hex.decode(text), count.contains(bytes.count) else {
                throw .malformed(
                    source: source,
                    reason:
                        "\(name) must be \(count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound)-\(count.upperBound)") bytes of hex"
                )
            }
            return bytes
        }
        let salt = try field("salt", crypto.kdfparams.salt, count: KeysLimits.saltBytesMin...KeysLimits.saltBytesMax)
        let nonceBytes = try field("nonce", crypto.nonce, count: Self.nonceByteCount...Self.nonceByteCount)
        let ciphertext = try field("ciphertext", crypto.ciphertext, count: PrivateKey.byteCount...PrivateKey.byteCount)
        let tag = try field("tag", crypto.tag, count: Self.tagByteCount...Self.tagByteCount)
        let check = try field("passwordCheck", crypto.passwordCheck, count: Self.checkByteCount...Self.checkByteCount)
        guard let nonce = try? AES.GCM.Nonce(data: nonceBytes) else {
            throw .malformed(source: source, reason: "nonce must be 12 bytes")
        }
        return SealedParts(parameters: parameters, salt: salt, nonce: nonce, ciphertext: ciphertext, tag: tag, check: check)
    }

    /// scrypt(password, salt) → (AES key from bytes 0..<32, SHA-256 of bytes 32..<64 as the check value).
    private static func deriveKeys(
        password: [UInt8], salt: [UInt8], parameters: ScryptParameters, source: String
    ) throws(KeystoreError) -> (encryption: SymmetricKey, check: [UInt8]) {
        let derived: SymmetricKey
        do {
            derived = try KDF.Scrypt.deriveKey(
                from: password, salt: salt, outputByteCount: derivedByteCount, rounds: parameters.cost,
                blockSize: parameters.blockSize, parallelism: parameters.parallelism,
                maxMemory: KeysLimits.scryptMemoryBytesMax + 64 * 1024)
        } catch {
            throw .kdfParametersOutOfRange(source: source, reason: "scrypt failed: \(error)")
        }
        return derived.withUnsafeBytes { raw in
            let encryption = SymmetricKey(data: UnsafeRawBufferPointer(rebasing: raw[0..<32]))
            let check = Array(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: raw[32..<64])))
            return (encryption, check)
        }
    }

    private static func validate(password: [UInt8], creating: Bool) throws(KeystoreError) {
        if creating, password.isEmpty { throw .invalidPassword(reason: "must not be empty") }
        guard password.count <= KeysLimits.passwordBytesMax else {
            throw .invalidPassword(reason: "longer than \(KeysLimits.passwordBytesMax) bytes")
        }
    }

    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }

    private static func summary(of error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field \(parent.isEmpty ? "" : parent + ".")\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "field \(path(context)) has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(path(context)) is invalid"
        @unknown default:
            return "not a keystore document"
        }
    }
}
