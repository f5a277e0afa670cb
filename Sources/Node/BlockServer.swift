import ChainTypes
import Consensus

/// Chooses the committed blocks that answer one state-transfer request (`fetchBlocks`, PBFT-NOTES rule 18),
/// bounded by count and by bytes so the reply always fits a peer frame.
///
/// Served by the peer intake, not the replica driver: reading blocks from disk never delays consensus, and
/// the reply goes back on the authenticated link the request came in on, whatever index the request's
/// unauthenticated `requester` field names (issue 13, defect 9).
struct BlockServer {
    /// Blocks at most in one reply: the consensus decoder refuses more.
    var blocksMax = ConsensusLimits.fetchBlocksMax
    /// Bytes of blocks and certificates after which a reply stops adding blocks.
    var bytesMax = NodeLimits.fetchBlocksReplyBytesMax

    /// The committed blocks from `fromHeight` up, as many as fit the budgets; at least one when
    /// `fromHeight` is committed (the largest block with its certificate fits a frame on its own).
    ///
    /// `read` returns the block and certificate at a height, or nil above the committed height.
    func reply(from fromHeight: UInt64, read: (UInt64) throws -> CommittedBlock?) rethrows -> [CommittedBlock] {
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
    static func encodedByteCount(of committed: CommittedBlock) -> Int {
        let block = committed.block
        // header, transactions (u32 count + each), last commit (optional tag + certificate), certificate.
        return block.header.canonicalBytes.count + 4 + block.transactions.reduce(0) { $0 + $1.encodedByteCount } + 1
            + (block.lastCommit?.canonicalBytes.count ?? 0) + committed.certificate.canonicalBytes.count
    }
}

/// How often each peer may have a `fetchBlocks` answered: a token bucket per peer, refilled at `perSecond`
/// up to `burstMax`, so a peer that asks in a loop costs this node a bounded amount of disk and bandwidth.
struct FetchRate {
    var perSecond = NodeLimits.fetchBlocksPerPeerPerSecond
    var burstMax = NodeLimits.fetchBlocksBurstMax
    /// Tokens in thousandths, so refilling needs no floating point: one token is 1,000.
    private var buckets: [String: (milliTokens: Int, at: ContinuousClock.Instant)] = [:]

    init(perSecond: Int = NodeLimits.fetchBlocksPerPeerPerSecond, burstMax: Int = NodeLimits.fetchBlocksBurstMax) {
        precondition(perSecond >= 1 && burstMax >= 1)
        self.perSecond = perSecond
        self.burstMax = burstMax
    }

    /// Whether `peer` may have a request answered at `now`; takes a token when it may.
    ///
    /// Keys are authenticated peer names, at most `NodeLimits.peersMax` of them in a running node.
    mutating func allows(_ peer: String, at now: ContinuousClock.Instant) -> Bool {
        let full = burstMax * 1000
        var (milliTokens, at) = buckets[peer] ?? (full, now)
        let elapsed = (now - at).components
        // Whole milliseconds since the last request, capped at an hour (a full bucket) so nothing overflows.
        let elapsedMs =
            elapsed.seconds < 0 || elapsed.seconds >= 3600
            ? (elapsed.seconds < 0 ? 0 : 3_600_000)
            : Int(elapsed.seconds) * 1000 + Int(elapsed.attoseconds / 1_000_000_000_000_000)
        milliTokens = min(full, milliTokens + elapsedMs * perSecond)
        let allowed = milliTokens >= 1000
        if allowed { milliTokens -= 1000 }
        // Credited in whole milliseconds: a request less than 1 ms after the last refills nothing.
        buckets[peer] = (milliTokens, elapsedMs > 0 ? now : at)
        return allowed
    }
}
