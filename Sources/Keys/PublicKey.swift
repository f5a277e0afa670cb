import CSecp256k1
import ChainTypes

/// A secp256k1 public key that verifies ECDSA signatures and names an account by its address.
///
/// The parsed libsecp256k1 point is kept next to the compressed bytes, so verifying does not decompress
/// the point again: parsing a compressed key costs a square root, a noticeable share of one verify.
/// Equality and hashing use the compressed encoding, which is unique per point.
public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let compressedByteCount = 33
    public static let uncompressedByteCount = 65

    let raw: secp256k1_pubkey
    /// The 33-byte compressed encoding (0x02 or 0x03, then x): the canonical form on chain.
    public let compressed: [UInt8]

    /// Parses a 33-byte compressed (0x02/0x03) or 65-byte uncompressed (0x04) key.
    public init<Bytes: Collection>(bytes: Bytes) throws(PublicKeyError) where Bytes.Element == UInt8 {
        let input = Array(bytes)
        switch (input.count, input.first) {
        case (Self.compressedByteCount, 0x02), (Self.compressedByteCount, 0x03), (Self.uncompressedByteCount, 0x04):
            break
        case (Self.compressedByteCount, let prefix?), (Self.uncompressedByteCount, let prefix?):
            throw .invalidPrefix(prefix)
        default:
            throw .invalidLength(input.count)
        }
        var raw = secp256k1_pubkey()
        guard secp256k1_ec_pubkey_parse(Secp256k1Context.shared.pointer, &raw, input, input.count) == 1 else {
            throw .notOnCurve
        }
        self.init(raw: raw)
    }

    /// Wraps a point libsecp256k1 produced or validated.
    init(raw: secp256k1_pubkey) {
        self.raw = raw
        compressed = Self.serialize(raw, flags: UInt32(SECP256K1_EC_COMPRESSED), count: Self.compressedByteCount)
    }

    /// The 65-byte uncompressed encoding (0x04, x, y).
    public var uncompressed: [UInt8] {
        Self.serialize(raw, flags: UInt32(SECP256K1_EC_UNCOMPRESSED), count: Self.uncompressedByteCount)
    }

    /// The account address: the last 20 bytes of SHA-256 of the compressed encoding.
    public var address: Address { Address(publicKeyDigest: Hash.sha256(compressed)) }

    /// Whether `signature` is a valid low-S signature by this key over `digest`.
    ///
    /// The recovery id is not needed to verify against a known key and is ignored.
    public func verify(signature: RecoverableSignature, digest: Hash) -> Bool {
        var parsed = secp256k1_ecdsa_signature()
        let context = Secp256k1Context.shared.pointer
        guard secp256k1_ecdsa_signature_parse_compact(context, &parsed, signature.compact) == 1 else { return false }
        return verify(parsed, digest: digest)
    }

    /// Whether `signature` is a valid low-S signature by this key over `digest`.
    ///
    /// High-S signatures return false: libsecp256k1 rejects a non-normalized S and we deliberately do not
    /// normalize first, so each (key, digest) has one accepted signature per nonce (no malleability).
    public func verify(signature: Signature, digest: Hash) -> Bool {
        verify(signature.raw, digest: digest)
    }

    private func verify(_ signature: secp256k1_ecdsa_signature, digest: Hash) -> Bool {
        withUnsafePointer(to: raw) { key in
            withUnsafePointer(to: signature) { signature in
                secp256k1_ecdsa_verify(Secp256k1Context.shared.pointer, signature, digest.bytes, key) == 1
            }
        }
    }

    public var description: String { "PublicKey(\(Hex.encode(compressed)))" }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.compressed == rhs.compressed }

    public func hash(into hasher: inout Hasher) { hasher.combine(compressed) }

    private static func serialize(_ raw: secp256k1_pubkey, flags: UInt32, count: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: count)
        var length = count
        withUnsafePointer(to: raw) { key in
            _ = secp256k1_ec_pubkey_serialize(Secp256k1Context.shared.pointer, &output, &length, key, flags)
        }
        precondition(length == count, "secp256k1_ec_pubkey_serialize wrote \(length) bytes, expected \(count)")
        return output
    }
}
