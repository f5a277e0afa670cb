import ChainTypes

/// Notices a primary that keeps committing blocks with room while leaving out a transaction this node has
/// held, ready to run, for longer than gossip needs to bring it to every validator (rule 13, PBFT §4.4).
///
/// PBFT keeps a timer per client request that only the request's execution stops. With batched blocks
/// every commit restarts the replica's one timer, so a primary that commits everything except one
/// transaction would never be suspected. The driver therefore watches the oldest pending transaction:
/// once it is older than `grace` (enough for gossip and two re-gossips to reach the primary), every
/// finalized block that had room for it and left it out counts once, and `skipsMax` such blocks make it
/// overdue. A full block does not count: the primary had more work than room, which is no fault.
struct InclusionWatch {
    /// The oldest pending transaction as the watch needs it.
    struct Candidate: Equatable {
        let hash: Hash
        let bytes: Int
        let fuelLimit: UInt64
        /// How long this node has held it.
        let age: Duration
    }

    /// What a finalized block used of the block limits, and the limits a proposal is built within.
    struct BlockUse: Equatable {
        let transactions: Int
        let bytes: Int
        let fuel: UInt64
        let transactionsMax: Int
        let bytesMax: Int
        let fuelMax: UInt64

        /// Whether a proposal could have added `candidate` to this block.
        func hasRoom(for candidate: Candidate) -> Bool {
            transactions < transactionsMax && candidate.bytes <= bytesMax - bytes && candidate.fuelLimit <= fuelMax - min(fuel, fuelMax)
        }
    }

    let grace: Duration
    let skipsMax: Int
    /// The transaction being counted, and how many blocks with room have left it out so far.
    private(set) var watched: Hash?
    private(set) var skips = 0

    init(grace: Duration, skipsMax: Int) {
        precondition(skipsMax >= 1 && grace >= .zero, "an inclusion watch needs a non-negative grace and at least one skip")
        self.grace = grace
        self.skipsMax = skipsMax
    }

    /// Records a finalized block and the oldest transaction still pending after it; true when that
    /// transaction is now overdue, which the caller reports to the replica (`Input.requestOverdue`). The
    /// count then starts again, so the next primary gets the same chance.
    mutating func blockFinalized(_ block: BlockUse, oldest: Candidate?) -> Bool {
        guard let oldest, oldest.age >= grace else {
            watched = nil
            skips = 0
            return false
        }
        if watched != oldest.hash {
            watched = oldest.hash
            skips = 0
        }
        guard block.hasRoom(for: oldest) else { return false }
        skips += 1
        guard skips >= skipsMax else { return false }
        skips = 0
        return true
    }
}
