import ChainTypes
import Synchronization

/// Transactions whose signature this process has already recovered to their sender, so admission, the
/// proposal screen and execution each check a transaction's signature once instead of three times.
///
/// A transaction's hash covers its body, not its signature (`Transaction.hash`), so an entry is the hash
/// together with the exact signature that was checked: the same body with another signature is looked up
/// as unknown and recovered again. A hit answers what recovery would answer (the body names the sender),
/// so execution is the same with or without the cache and nodes with different caches agree.
///
/// Bounded by two generations of `generationCapacity` entries: when the current one is full it becomes
/// the previous one and the oldest is dropped, so recently admitted transactions stay until their block.
///
/// Entries are spread by hash over `shardCount` independent parts, each with its own lock and its share of
/// the generations. Why: admission threads, gossip queues and block execution's recovery on every core
/// look up and insert for every transaction, and with one lock they waited for each other (the lock's
/// slow path was 0.75 µs of a validator's CPU per transaction under four validators, issue 18). Someone
/// who grinds transaction hashes into one part only shortens that part's generations: an entry dropped
/// early is recovered again when it is next needed, never trusted wrongly.
public final class VerifiedSignatures: Sendable {
    /// Entries per generation; a node keeps at most twice this many, rounded up to a multiple of the parts
    /// (about 100 bytes each).
    public let generationCapacity: Int
    private let shards: [Shard]

    private final class Shard: Sendable {
        let capacity: Int
        let generations: Mutex<Generations>

        init(capacity: Int) {
            self.capacity = capacity
            generations = Mutex(Generations(capacity: capacity))
        }
    }

    /// Keyed by `DigestKey`: the hashes are of bodies this process hashed itself (`Transaction.hash`).
    private struct Generations {
        var current: [DigestKey: RecoverableSignature]
        var previous: [DigestKey: RecoverableSignature] = [:]

        /// The first generation has its room from the start, as every later one: grown from empty, it was
        /// rehashed a doubling at a time through a node's first `capacity` transactions.
        init(capacity: Int) {
            current = Dictionary(minimumCapacity: capacity)
        }
    }

    /// Default entries per generation: more than a full mempool's worth of transactions by default.
    public static let generationCapacityDefault = 100_000

    /// Parts the entries are spread over when each part gets at least `shardCapacityMin` entries of a
    /// generation; a smaller cache is one part, so its generations keep exactly the newest entries.
    static let shardCount = 16
    static let shardCapacityMin = 1024

    public init(generationCapacity: Int = VerifiedSignatures.generationCapacityDefault) {
        precondition(generationCapacity >= 1, "a generation must hold at least one entry")
        self.generationCapacity = generationCapacity
        let count = generationCapacity / Self.shardCount >= Self.shardCapacityMin ? Self.shardCount : 1
        // Rounded up, so the parts together hold at least `generationCapacity` per generation.
        let capacity = generationCapacity / count + (generationCapacity % count == 0 ? 0 : 1)
        shards = (0..<count).map { _ in Shard(capacity: capacity) }
    }

    /// The part holding `hash`: hashes are SHA-256 digests, so any of their bits spread them evenly.
    private func shard(_ hash: Hash) -> Shard {
        shards[Int(hash.words.3 % UInt64(shards.count))]
    }

    /// Whether `signature` over the transaction with body hash `hash` was checked and found to be the sender's.
    public func contains(_ hash: Hash, signature: RecoverableSignature) -> Bool {
        let key = DigestKey(hash)
        return shard(hash).generations.withLock { generations in
            generations.current[key] == signature || generations.previous[key] == signature
        }
    }

    /// Records a signature that recovered to its transaction's sender.
    public func insert(_ hash: Hash, signature: RecoverableSignature) {
        let shard = shard(hash)
        shard.generations.withLock { generations in
            if generations.current.count >= shard.capacity {
                generations.previous = generations.current
                generations.current = Dictionary(minimumCapacity: shard.capacity)
            }
            generations.current[DigestKey(hash)] = signature
        }
    }

    /// Entries held now (both generations; a hash in both counts twice).
    public var count: Int {
        shards.reduce(0) { total, shard in total + shard.generations.withLock { $0.current.count + $0.previous.count } }
    }
}
