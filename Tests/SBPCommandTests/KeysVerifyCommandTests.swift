import ChainTypes
import Keys
import Testing

@Suite("sbp keys verify exit codes")
struct KeysVerifyCommandTests {
    static let message: [UInt8] = Array("licence 42 issued".utf8)

    static func key() throws -> PrivateKey {
        try PrivateKey(bytes: Hash.sha256(Array("sbp command test key".utf8)).bytes)
    }

    /// The cases, by name; `inputs()` builds each from one key and message.
    enum Case: String, CaseIterable, Sendable {
        case validCompact, validDER, validUncompressedKey, tamperedMessage, highSCompact, highSDER
        case badSignatureHex, badMessageHex, badPublicKey, truncatedDER, shortCompact, rEqualsOrder

        /// (public key hex, message hex, signature hex, expected exit status, expected stdout)
        func inputs() throws -> (String, String, String, Int32, String) {
            let key = try KeysVerifyCommandTests.key()
            let message = KeysVerifyCommandTests.message
            let publicKey = Hex.encode(key.publicKey.compressed)
            let messageHex = Hex.encode(message)
            let signature = Signature(key.sign(Hash.sha256(message)))
            let highS = try Signature(compact: Array(signature.compact[0..<32]) + negate(signature.compact[32..<64]))
            var tamperedMessage = message
            tamperedMessage[0] ^= 1
            switch self {
            case .validCompact: return (publicKey, messageHex, Hex.encode(signature.compact), 0, "valid\n")
            case .validDER: return (publicKey, messageHex, Hex.encode(signature.der), 0, "valid\n")
            case .validUncompressedKey:
                return (Hex.encode(key.publicKey.uncompressed), messageHex, Hex.encode(signature.der), 0, "valid\n")
            case .tamperedMessage: return (publicKey, Hex.encode(tamperedMessage), Hex.encode(signature.compact), 1, "invalid\n")
            case .highSCompact: return (publicKey, messageHex, Hex.encode(highS.compact), 1, "invalid\n")
            case .highSDER: return (publicKey, messageHex, Hex.encode(highS.der), 1, "invalid\n")
            case .badSignatureHex: return (publicKey, messageHex, "zz", 2, "")
            case .badMessageHex: return (publicKey, "abc", Hex.encode(signature.compact), 2, "")
            case .badPublicKey:
                return ("02" + String(repeating: "ff", count: 32), messageHex, Hex.encode(signature.compact), 2, "")
            case .truncatedDER: return (publicKey, messageHex, Hex.encode(signature.der.dropLast()), 2, "")
            case .shortCompact: return (publicKey, messageHex, Hex.encode(signature.compact.dropLast()), 2, "")
            case .rEqualsOrder:
                return (publicKey, messageHex, Hex.encode(Secp256k1Order.order + signature.compact[32..<64]), 2, "")
            }
        }
    }

    @Test("verify exits 0 for valid, 1 for invalid and 2 for malformed input", arguments: Case.allCases)
    func exitCode(testCase: Case) throws {
        let (publicKey, message, signature, status, output) = try testCase.inputs()
        let result = try SBPProcess.run(["keys", "verify", "--public-key", publicKey, "--message", message, "--signature", signature])
        #expect(result.status == status, "stderr: \(result.standardError)")
        #expect(result.standardOutput == output)
        if status == 2 {
            #expect(result.standardError.hasPrefix("error: "))
            #expect(result.standardError.split(separator: "\n").count == 1)
        }
    }
}

/// n − value for a 32-byte big-endian scalar.
private func negate(_ value: ArraySlice<UInt8>) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: 32)
    var borrow = 0
    for index in stride(from: 31, through: 0, by: -1) {
        var difference = Int(Secp256k1Order.order[index]) - Int(value[value.startIndex + index]) - borrow
        borrow = difference < 0 ? 1 : 0
        if difference < 0 { difference += 256 }
        result[index] = UInt8(difference)
    }
    return result
}
