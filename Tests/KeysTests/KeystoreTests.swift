import ChainTypes
import Foundation
import Testing

@testable import Keys

@Suite("Encrypted keystore")
struct KeystoreTests {
    /// Cheap scrypt parameters so tests run fast; the format is identical to the standard cost.
    static let fast = ScryptParameters(cost: 16, blockSize: 1, parallelism: 1)
    static let password = Array("correct horse battery staple".utf8)

    /// What a test expects a failed decryption or read to report.
    enum Failure: String, Sendable {
        case wrongPassword, tampered, malformed, unsupported, kdfOutOfRange

        func matches(_ error: KeystoreError) -> Bool {
            switch (self, error) {
            case (.wrongPassword, .wrongPassword), (.tampered, .tampered), (.malformed, .malformed),
                (.unsupported, .unsupported), (.kdfOutOfRange, .kdfParametersOutOfRange):
                true
            default: false
            }
        }
    }

    func withKeystore(_ body: (Keystore) throws -> Void) rethrows {
        let directory = makeTemporaryDirectory()
        defer { removeTemporaryDirectory(directory) }
        try body(Keystore(directory: directory + "/keys"))
    }

    @Test("a stored key decrypts to the same key; its file is 0600 in a 0700 directory")
    func roundTrip() throws {
        try withKeystore { keystore in
            let key = testKey(0)
            let entry = try keystore.create(name: "alice", key: key, password: Self.password, parameters: Self.fast)
            #expect(entry.address == key.address)
            #expect(entry.publicKey == key.publicKey)
            let decrypted = try keystore.privateKey(named: "alice", password: Self.password)
            #expect(decrypted.publicKey == key.publicKey)
            #expect(try keystore.entry(named: "alice") == entry)
            let fileMode = try FileManager.default.attributesOfItem(atPath: keystore.path(forKey: "alice"))[.posixPermissions] as? Int
            let directoryMode = try FileManager.default.attributesOfItem(atPath: keystore.directory)[.posixPermissions] as? Int
            #expect(fileMode == 0o600)
            #expect(directoryMode == 0o700)
        }
    }

    @Test("the default parameters are the standard scrypt cost and still round-trip")
    func standardParameters() throws {
        let file = try KeystoreFile.encrypt(testKey(1), name: "standard", password: Self.password)
        #expect(file.crypto.kdfparams.n == 1 << 15 && file.crypto.kdfparams.r == 8 && file.crypto.kdfparams.p == 1)
        #expect(try file.decrypt(password: Self.password).publicKey == testKey(1).publicKey)
    }

    @Test("listing returns keys sorted by name and reports damaged files beside them")
    func listing() throws {
        try withKeystore { keystore in
            #expect(try keystore.list().entries.isEmpty, "a missing directory is an empty keystore")
            for (index, name) in ["carol", "alice", "bob"].enumerated() {
                try keystore.create(name: name, key: testKey(index), password: Self.password, parameters: Self.fast)
            }
            try Data("not json".utf8).write(to: URL(fileURLWithPath: keystore.path(forKey: "broken")))
            let listing = try keystore.list()
            #expect(listing.entries.map(\.name) == ["alice", "bob", "carol"])
            #expect(listing.problems.count == 1)
        }
    }

    @Test("an existing key is never overwritten")
    func noOverwrite() throws {
        try withKeystore { keystore in
            try keystore.create(name: "alice", key: testKey(0), password: Self.password, parameters: Self.fast)
            #expect(throws: KeystoreError.keyExists(name: "alice")) {
                try keystore.create(name: "alice", key: testKey(1), password: Self.password, parameters: Self.fast)
            }
            #expect(try keystore.entry(named: "alice").publicKey == testKey(0).publicKey)
        }
    }

    @Test("a wrong password is reported as such")
    func wrongPassword() throws {
        let file = try KeystoreFile.encrypt(testKey(0), name: "alice", password: Self.password, parameters: Self.fast)
        let error = #expect(throws: KeystoreError.self) { try file.decrypt(password: Array("wrong".utf8)) }
        #expect(error.map(Failure.wrongPassword.matches) == true)
    }

    @Test("unknown keys and empty passwords are refused")
    func refusals() {
        withKeystore { keystore in
            #expect(throws: KeystoreError.keyNotFound(name: "nobody")) { try keystore.entry(named: "nobody") }
            #expect(throws: KeystoreError.invalidPassword(reason: "must not be empty")) {
                try keystore.create(name: "alice", password: [], parameters: Self.fast)
            }
        }
    }

    @Test(
        "key names are restricted to safe file names",
        arguments: ["", ".hidden", "../escape", "a/b", "spa ce", "-dash", String(repeating: "x", count: 65), "ünï"])
    func invalidNames(name: String) {
        #expect(throws: KeystoreError.self) { try Keystore.validate(name: name) }
    }

    @Test("valid names", arguments: ["alice", "Bob-2", "node.0", "x", "a_b", String(repeating: "x", count: 64)])
    func validNames(name: String) {
        #expect(throws: Never.self) { try Keystore.validate(name: name) }
    }

    /// Edits applied to a stored document, and the error each must produce with the right password.
    enum Tampering: String, CaseIterable, Sendable {
        case ciphertextByte, tagByte, nonceByte, renamed, otherAddress, otherKeyAndAddress, salt, passwordCheck
        case version, kdfName, cipherName, truncatedHex, wrongLengthCiphertext

        var expected: Failure {
            switch self {
            case .ciphertextByte, .tagByte, .nonceByte, .renamed, .otherAddress, .otherKeyAndAddress: .tampered
            // The salt and the check value only feed the password check, so a change there looks like a
            // wrong password (docs/keystore.md explains this).
            case .salt, .passwordCheck: .wrongPassword
            case .version, .kdfName, .cipherName: .unsupported
            case .truncatedHex, .wrongLengthCiphertext: .malformed
            }
        }

        func apply(to file: inout KeystoreFile) {
            func flipFirstByte(_ hex: inout String) {
                var bytes = Hex.decode(hex) ?? []
                bytes[0] ^= 0x01
                hex = Hex.encode(bytes)
            }
            switch self {
            case .ciphertextByte: flipFirstByte(&file.crypto.ciphertext)
            case .tagByte: flipFirstByte(&file.crypto.tag)
            case .nonceByte: flipFirstByte(&file.crypto.nonce)
            case .renamed: file.name = "mallory"
            case .otherAddress: file.address = testKey(9).address.description
            case .otherKeyAndAddress:
                file.address = testKey(9).address.description
                file.publicKey = Hex.encode(testKey(9).publicKey.compressed)
            case .salt: flipFirstByte(&file.crypto.kdfparams.salt)
            case .passwordCheck: flipFirstByte(&file.crypto.passwordCheck)
            case .version: file.version = 2
            case .kdfName: file.crypto.kdf = "pbkdf2"
            case .cipherName: file.crypto.cipher = "aes-128-ctr"
            case .truncatedHex: file.crypto.nonce = String(file.crypto.nonce.dropLast())
            case .wrongLengthCiphertext: file.crypto.ciphertext += "00"
            }
        }
    }

    @Test("a modified file gives a clear error, never a crash or a wrong key", arguments: Tampering.allCases)
    func tampered(tampering: Tampering) throws {
        var file = try KeystoreFile.encrypt(testKey(0), name: "alice", password: Self.password, parameters: Self.fast)
        tampering.apply(to: &file)
        let error = #expect(throws: KeystoreError.self) { try file.decrypt(password: Self.password) }
        #expect(error.map(tampering.expected.matches) == true, "got \(String(describing: error))")
    }

    @Test(
        "hostile scrypt parameters are refused before any work",
        arguments: [
            (1 << 40, 8, 1), (1000, 8, 1), (1, 8, 1), (0, 8, 1), (-16, 8, 1), (1 << 21, 1, 1),
            (16, 0, 1), (16, 1000, 1), (16, 8, 0), (16, 8, 1000), (1 << 20, 8, 1), (1 << 19, 8, 16), (Int.max, Int.max, Int.max),
        ])
    func hostileParameters(n: Int, r: Int, p: Int) throws {
        var file = try KeystoreFile.encrypt(testKey(0), name: "alice", password: Self.password, parameters: Self.fast)
        file.crypto.kdfparams.n = n
        file.crypto.kdfparams.r = r
        file.crypto.kdfparams.p = p
        let error = #expect(throws: KeystoreError.self) { try file.decrypt(password: Self.password) }
        #expect(error.map(Failure.kdfOutOfRange.matches) == true, "got \(String(describing: error))")
    }

    @Test(
        "malformed documents are refused with a reason",
        arguments: [
            "", "not json", "[]", "{}", #"{"version": 1}"#,
            String(repeating: " ", count: KeysLimits.keystoreFileBytesMax + 1),
        ])
    func malformedDocuments(text: String) {
        let error = #expect(throws: KeystoreError.self) { try KeystoreFile.decode(Data(text.utf8), source: "test") }
        #expect(error.map(Failure.malformed.matches) == true, "got \(String(describing: error))")
    }

    @Test("a file edited on disk is detected when reading from the keystore")
    func tamperedOnDisk() throws {
        try withKeystore { keystore in
            try keystore.create(name: "alice", key: testKey(0), password: Self.password, parameters: Self.fast)
            let path = keystore.path(forKey: "alice")
            var file = try KeystoreFile.decode(Data(contentsOf: URL(fileURLWithPath: path)), source: path)
            file.name = "bob"
            try file.encoded().write(to: URL(fileURLWithPath: keystore.path(forKey: "bob")))
            let error = #expect(throws: KeystoreError.self) { try keystore.privateKey(named: "bob", password: Self.password) }
            #expect(error.map(Failure.tampered.matches) == true, "got \(String(describing: error))")
        }
    }

    @Test(
        "the default directory is $SBP_HOME/keys, else ~/.sbp/keys",
        arguments: [
            (["SBP_HOME": "/srv/sbp", "HOME": "/home/u"], "/srv/sbp/keys"),
            (["HOME": "/home/u"], "/home/u/.sbp/keys"),
            (["SBP_HOME": "", "HOME": "/home/u"], "/home/u/.sbp/keys"),
        ])
    func defaultDirectory(environment: [String: String], expected: String) {
        #expect(Keystore.defaultDirectory(environment: environment) == expected)
    }
}
