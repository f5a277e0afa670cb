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
public final class VerifiedSignatures: Sendable {
    /// Entries per generation; a node keeps at most twice this many (about 100 bytes each).
    public let generationCapacity: Int
    private let generations: Mutex<Generations>

    private struct Generations {
        var current: [Hash: RecoverableSignature] = [:]
        var previous: [Hash: RecoverableSignature] = [:]
    }

    /// Default entries per generation: more than a full mempool's worth of transactions by default.
    public static let generationCapacityDefault = 100_000

    public init(generationCapacity: Int = VerifiedSignatures.generationCapacityDefault) {
        precondition(generationCapacity >= 1, "a generation must hold at least one entry")
        self.generationCapacity = generationCapacity
        generations = Mutex(Generations())
    }

    /// Whether `signature` over the transaction with body hash `hash` was checked and found to be the sender's.
    public func contains(_ hash: Hash, signature: RecoverableSignature) -> Bool {
        generations.withLock { generations in
            generations.current[hash] == signature || generations.previous[hash] == signature
        }
    }

    /// Records a signature that recovered to its transaction's sender.
    public func insert(_ hash: Hash, signature: RecoverableSignature) {
        generations.withLock { generations in
            if generations.current.count >= generationCapacity {
                generations.previous = generations.current
                generations.current = [:]
                generations.current.reserveCapacity(generationCapacity)
            }
            generations.current[hash] = signature
        }
    }

    /// Entries held now (both generations; a hash in both counts twice).
    public var count: Int { generations.withLock { $0.current.count + $0.previous.count } }
}
