import ChainTypes

/// Notices a primary that keeps committing blocks with room while leaving out a transaction this node has
/// held, ready to run, for longer than gossip needs to bring it to every validator (rule 13, PBFT §4.4).
///
/// PBFT keeps a timer per client request that only the request's execution stops. With batched blocks
/// every commit restarts the replica's one timer, so a primary that commits everything except one
/// transaction would never be suspected. The driver therefore watches the oldest pending transaction:
/// once it is older than `grace` (enough for gossip and two re-gossips to reach the primary), every
/// finalized block that had room for it and left it out counts once, and `skipsMax` such blocks make it
/// overdue. A full block does not count: the primary had more work than room, which is no fault. The watch
/// is part of the driver core (`DriverCore`), so the simulator runs the same rule as the node.
public struct InclusionWatch: Sendable {
    /// The oldest pending transaction as the watch needs it.
    public struct Candidate: Hashable, Sendable {
        public let hash: Hash
        public let bytes: Int
        public let fuelLimit: UInt64
        /// How long this node has held it.
        public let age: Duration

        public init(hash: Hash, bytes: Int, fuelLimit: UInt64, age: Duration) {
            self.hash = hash
            self.bytes = bytes
            self.fuelLimit = fuelLimit
            self.age = age
        }
    }

    /// What a finalized block used of the block limits, and the limits a proposal is built within.
    public struct BlockUse: Hashable, Sendable {
        public let transactions: Int
        public let bytes: Int
        public let fuel: UInt64
        public let transactionsMax: Int
        public let bytesMax: Int
        public let fuelMax: UInt64

        public init(transactions: Int, bytes: Int, fuel: UInt64, transactionsMax: Int, bytesMax: Int, fuelMax: UInt64) {
            self.transactions = transactions
            self.bytes = bytes
            self.fuel = fuel
            self.transactionsMax = transactionsMax
            self.bytesMax = bytesMax
            self.fuelMax = fuelMax
        }

        /// What `block` used of `limits`, the limits a proposal is built within (`ProposalLimits`).
        public init(_ block: Block, limits: ProposalLimits) {
            self.init(
                transactions: block.transactions.count, bytes: block.transactions.reduce(0) { $0 + $1.encodedByteCount },
                fuel: block.transactions.reduce(0) { $0 &+ $1.body.fuelLimit }, transactionsMax: limits.transactionsMax,
                bytesMax: limits.bytesMax, fuelMax: limits.fuelMax)
        }

        /// Whether a proposal could have added `candidate` to this block.
        public func hasRoom(for candidate: Candidate) -> Bool {
            transactions < transactionsMax && candidate.bytes <= bytesMax - bytes && candidate.fuelLimit <= fuelMax - min(fuel, fuelMax)
        }
    }

    public let grace: Duration
    public let skipsMax: Int
    /// The transaction being counted, and how many blocks with room have left it out so far.
    public private(set) var watched: Hash?
    public private(set) var skips = 0

    public init(grace: Duration, skipsMax: Int) {
        precondition(skipsMax >= 1 && grace >= .zero, "an inclusion watch needs a non-negative grace and at least one skip")
        self.grace = grace
        self.skipsMax = skipsMax
    }

    /// Records a finalized block and the oldest transaction still pending after it; true when that
    /// transaction is now overdue, which the caller reports to the replica (`Input.requestOverdue`). The
    /// count then starts again, so the next primary gets the same chance.
    public mutating func blockFinalized(_ block: BlockUse, oldest: Candidate?) -> Bool {
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
