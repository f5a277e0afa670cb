import ChainTypes

/// Chooses the committed blocks that answer one state-transfer request (`fetchBlocks`, PBFT-NOTES rule 18),
/// bounded by count and by bytes so the reply always fits a peer frame.
///
/// A decision of the driver core's family (DESIGN §1.7) that the node and the simulator share. In the node
/// it is served by the peer intake, not the replica driver: reading blocks from disk never delays
/// consensus, and the reply goes back on the authenticated link the request came in on, whatever index the
/// request's unauthenticated `requester` field names (issue 13, defect 9).
public struct BlockServer: Sendable {
    /// Blocks at most in one reply: the consensus decoder refuses more.
    public var blocksMax = ConsensusLimits.fetchBlocksMax
    /// Bytes of blocks and certificates after which a reply stops adding blocks.
    public var bytesMax = ConsensusLimits.fetchBlocksReplyBytesMax

    public init(blocksMax: Int = ConsensusLimits.fetchBlocksMax, bytesMax: Int = ConsensusLimits.fetchBlocksReplyBytesMax) {
        self.blocksMax = blocksMax
        self.bytesMax = bytesMax
    }

    /// The committed blocks from `fromHeight` up, as many as fit the budgets; at least one when
    /// `fromHeight` is committed (the largest block with its certificate fits a frame on its own).
    ///
    /// `read` returns the block and certificate at a height, or nil above the committed height.
    public func reply(from fromHeight: UInt64, read: (UInt64) throws -> CommittedBlock?) rethrows -> [CommittedBlock] {
        guard fromHeight >= 1 else { return [] }
        var blocks: [CommittedBlock] = []
        var bytes = 0
        var height = fromHeight
        while blocks.count < blocksMax, let committed = try read(height) {
            let size = Self.encodedByteCount(of: committed)
            guard blocks.isEmpty || bytes + size <= bytesMax else { break }
            blocks.append(committed)
            bytes += size
            guard height < UInt64.max else { break }
            height += 1
        }
        return blocks
    }

    /// The length of a committed block's canonical encoding, without encoding its transactions.
    public static func encodedByteCount(of committed: CommittedBlock) -> Int {
        let block = committed.block
        // header, transactions (u32 count + each), last commit (optional tag + certificate), certificate.
        return block.header.canonicalBytes.count + 4 + block.transactions.reduce(0) { $0 + $1.encodedByteCount } + 1
            + (block.lastCommit?.canonicalBytes.count ?? 0) + committed.certificate.canonicalBytes.count
    }
}

/// How often each peer may have a `fetchBlocks` answered: a token bucket per peer, refilled at `perSecond`
/// up to `burstMax`, so a peer that asks in a loop costs this node a bounded amount of disk and bandwidth.
///
/// The clock is injected (milliseconds of a monotonic clock), so the simulator runs the same rate.
public struct FetchRate<Peer: Hashable & Sendable>: Sendable {
    public let perSecond: Int
    public let burstMax: Int
    /// Tokens in thousandths, so refilling needs no floating point: one token is 1,000.
    private var buckets: [Peer: (milliTokens: Int, atMs: UInt64)] = [:]

    public init(perSecond: Int = ConsensusLimits.fetchBlocksPerPeerPerSecond, burstMax: Int = ConsensusLimits.fetchBlocksBurstMax) {
        precondition(perSecond >= 1 && burstMax >= 1)
        self.perSecond = perSecond
        self.burstMax = burstMax
    }

    /// Whether `peer` may have a request answered at `nowMs`; takes a token when it may.
    ///
    /// Keys are authenticated peers, at most `NodeLimits.peersMax` of them in a running node.
    public mutating func allows(_ peer: Peer, atMs nowMs: UInt64) -> Bool {
        let full = burstMax * 1000
        let (milliTokens, atMs) = buckets[peer] ?? (full, nowMs)
        // Whole milliseconds since the last request, capped at an hour (a full bucket) so nothing overflows;
        // a clock that went back refills nothing.
        let elapsedMs = Int(min(nowMs - min(nowMs, atMs), Self.refillMsMax))
        var tokens = min(full, milliTokens + elapsedMs * perSecond)
        let allowed = tokens >= 1000
        if allowed { tokens -= 1000 }
        // Credited in whole milliseconds: a request less than 1 ms after the last refills nothing.
        buckets[peer] = (tokens, elapsedMs > 0 ? nowMs : atMs)
        return allowed
    }

    /// An hour: more than any bucket needs to fill.
    static var refillMsMax: UInt64 { 3_600_000 }
}
