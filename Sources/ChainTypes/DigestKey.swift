/// A `Hash` as a dictionary or set key, hashed as one word (its four words folded together) instead of four:
/// for tables whose keys are digests this process computed itself, such as a transaction's body hash.
///
/// Why: a node looks transaction hashes up in several tables for every transaction it admits, proposes and
/// executes (the verified signatures, the mempool's index, a block's transaction locations), and feeding
/// four words to `Hasher` was most of each lookup's hashing (issue 18).
///
/// Why only for digests computed here: a table is slowed down only by many keys landing on the same bucket,
/// and since `Hasher` is seeded at random per process, nobody can aim at a bucket; the only way to crowd one is
/// keys whose folded words are equal. Among SHA-256 outputs that takes about 2^32 hashings for one such pair
/// and about 2^64 more for each further key, however the hashed inputs are chosen. A `Hash` that someone else
/// supplies (a peer's digest, a revoked certificate's hash from a governance transaction) can be chosen with
/// equal folded words at no cost, so `Hash` itself keeps hashing all four words, and so must a table of such keys.
public struct DigestKey: Hashable, Sendable {
    /// The digest; equality compares all of it.
    public let hash: Hash

    /// Wraps `hash`, which must be a digest this process computed (see the type's comment).
    @inlinable public init(_ hash: Hash) {
        self.hash = hash
    }

    @inlinable public func hash(into hasher: inout Hasher) {
        let words = hash.words
        hasher.combine(words.0 ^ words.1 ^ words.2 ^ words.3)
    }
}
