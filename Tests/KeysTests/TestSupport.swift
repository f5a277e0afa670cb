import ChainTypes
import Foundation

@testable import Keys

/// Deterministic keys for tests: the secret is SHA-256 of a seed string (valid with overwhelming odds).
func testKey(_ seed: Int) -> PrivateKey {
    do {
        return try PrivateKey(bytes: Hash.sha256(Array("sbp test key \(seed)".utf8)).bytes)
    } catch {
        fatalError("test key \(seed) is not a valid scalar: \(error)")
    }
}

func testDigest(_ seed: Int) -> Hash { Hash.sha256(Array("sbp test digest \(seed)".utf8)) }

/// n − value for a 32-byte big-endian scalar (0 < value < n), by schoolbook subtraction.
func negateScalar(_ value: ArraySlice<UInt8>) -> [UInt8] {
    let order = Secp256k1Order.order
    let digits = Array(value)
    var result = [UInt8](repeating: 0, count: 32)
    var borrow = 0
    for index in stride(from: 31, through: 0, by: -1) {
        var difference = Int(order[index]) - Int(digits[index]) - borrow
        borrow = difference < 0 ? 1 : 0
        if difference < 0 { difference += 256 }
        result[index] = UInt8(difference)
    }
    return result
}

/// The high-S twin r ‖ (n − s) of a compact signature.
func highSTwin(of compact: [UInt8]) -> [UInt8] {
    Array(compact[0..<32]) + negateScalar(compact[32..<64])
}

func bytes(hex: String) -> [UInt8] {
    guard let bytes = Hex.decode(hex) else { fatalError("bad hex in test: \(hex)") }
    return bytes
}

/// A fresh temporary directory, removed by the caller with `removeTemporaryDirectory`.
func makeTemporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "sbp-keys-tests-" + UUID().uuidString
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        fatalError("cannot create \(path): \(error)")
    }
    return path
}

func removeTemporaryDirectory(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Which encoding a plain signature is given in.
enum SignatureEncoding: String, CaseIterable, Sendable {
    case compact
    case der

    func encode(_ signature: Signature) -> [UInt8] {
        switch self {
        case .compact: signature.compact
        case .der: signature.der
        }
    }
}
