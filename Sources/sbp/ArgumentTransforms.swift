import ArgumentParser
import ChainTypes
import Foundation
import Keys

/// Parses command-line values into chain types, with messages that say what was expected.
///
/// Used as `transform:` of arguments and options, so a bad value is a usage error (exit 64) that names
/// the argument, before the command contacts any node.
enum ArgumentTransforms {
    static func address(_ text: String) throws -> Address {
        guard let address = Address(hex: text) else {
            throw ValidationError("not an address: '\(text)' (expected 0x and 40 hex digits)")
        }
        return address
    }

    static func hash(_ text: String) throws -> Hash {
        guard let hash = Hash(hex: text) else { throw ValidationError("not a hash: '\(text)' (expected 0x and 64 hex digits)") }
        return hash
    }

    /// A secp256k1 public key in hex, compressed (33 bytes) or uncompressed (65 bytes); returns the key.
    static func publicKey(_ text: String) throws -> PublicKey {
        guard let bytes = Hex.decode(text) else { throw ValidationError("not a public key: '\(text)' is not hex") }
        do {
            return try PublicKey(bytes: bytes)
        } catch {
            throw ValidationError("not a secp256k1 public key: \(error) (expected 33 or 65 bytes in hex, as `sbp keys show` prints)")
        }
    }

    /// Roles as a comma-separated list: `admin`, `issuer`, `submitter`, `auditor`; at least one, each once.
    static func roles(_ text: String) throws -> [Genesis.Role] {
        var roles: [Genesis.Role] = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let role = Genesis.Role(rawValue: name.lowercased()) else {
                throw ValidationError(
                    "unknown role '\(name)' (roles: \(Genesis.Role.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated)")
            }
            guard !roles.contains(role) else { throw ValidationError("role '\(name)' is listed twice") }
            roles.append(role)
        }
        return roles.sorted { $0.tag < $1.tag }
    }

    /// Reads a whole input file, refusing one over `CLILimits.inputFileBytesMax`; `-` reads standard input.
    static func readFile(_ path: String, what: String) throws -> [UInt8] {
        if path == "-" {
            guard let data = try? FileHandle.standardInput.read(upToCount: CLILimits.inputFileBytesMax + 1) else {
                throw CommandError("cannot read the \(what) from standard input")
            }
            guard data.count <= CLILimits.inputFileBytesMax else {
                throw CommandError("the \(what) on standard input is larger than \(CLILimits.inputFileBytesMax) bytes")
            }
            return Array(data)
        }
        do {
            return try BoundedFile.read(path, bytesMax: CLILimits.inputFileBytesMax)
        } catch {
            switch error {
            case .unreadable(_, "no such file"): throw CommandError("no \(what) at \(path)")
            default: throw CommandError("cannot read the \(what) \(path): \(error.reason)")
            }
        }
    }
}
