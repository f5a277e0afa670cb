import CSHA256

/// A running SHA-256 whose whole state is this value: hashing allocates nothing.
///
/// Why: a node hashes about forty short messages per transaction (state keys, tree nodes, receipts,
/// Merkle leaves). swift-crypto's `SHA256` allocates a context object for each and dispatches through
/// BoringSSL's generic digest layer, which cost more than the compression itself (issue 18, ADR 0020).
/// `CSHA256` compresses with the processor's SHA extensions where it has them and in portable C elsewhere;
/// the digests are FIPS 180-4's, checked against swift-crypto's in `SHA256StateTests`.
struct SHA256State: Sendable {
    private var context = csha256_context()

    init() { csha256_init(&context) }

    /// Appends the bytes of `buffer`.
    mutating func update(_ buffer: UnsafeRawBufferPointer) {
        csha256_update(&context, buffer.baseAddress, buffer.count)
    }

    /// The digest of everything appended so far; `self` can go on being appended to.
    func finalize() -> Hash {
        var finished = context
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digest) { raw in
            if let base = raw.baseAddress { csha256_final(&finished, base.assumingMemoryBound(to: UInt8.self)) }
        }
        return Hash(
            w0: UInt64(bigEndian: digest.0), w1: UInt64(bigEndian: digest.1), w2: UInt64(bigEndian: digest.2),
            w3: UInt64(bigEndian: digest.3))
    }
}
