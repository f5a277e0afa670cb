import ChainTypes
import Consensus

/// Small-scope mutations of real consensus messages, made by a Byzantine validator with its own valid key.
///
/// ByzzFuzz (Winter et al., OOPSLA 2023) found new bugs in production BFT implementations by mutating
/// one field of real protocol messages at a time, combined with network faults; Twins (Diem) and LOKI
/// (NDSS 2023) cover equivocation and state-aware mutation. A mutated message is re-signed by the
/// Byzantine validator itself, so honest replicas see a correctly signed message from a member of the set
/// and must refuse it on its content: extreme integers (0, 1, 2^32, 2^63, 2^64−1), other heights and views,
/// oversized and duplicated blocks, far-future and past timestamps, altered transaction signatures in
/// blocks it serves. On a third of the seeds its key is rotated out of the set (`Cluster.keyRotation`) and it
/// goes on signing with the stale key.
public struct MessageFuzzer: Sendable {
    /// The Byzantine validator's index and key.
    let index: UInt16
    let authenticator: SimulatedAuthenticator
    let chainId: String

    /// The integers ByzzFuzz-style mutations favour: the edges of every width a decoder or adder handles.
    public static let extremes: [UInt64] = [0, 1, 1 << 32, 1 << 63, .max]
    /// Transactions a block is padded to when the mutation makes it oversized.
    static let oversizedTransactions = 300

    public init(index: UInt16, authenticator: SimulatedAuthenticator, chainId: String) {
        self.index = index
        self.authenticator = authenticator
        self.chainId = chainId
    }

    /// An integer near `value` or at an edge.
    func integer(near value: UInt64, _ random: inout SimulationRandom) -> UInt64 {
        switch random.below(4) {
        case 0, 1: Self.extremes[Int(random.below(UInt64(Self.extremes.count)))]
        case 2: value &+ 1 &+ random.below(40)
        default: value &- 1 &- random.below(3)
        }
    }

    func sign<Payload: SignablePayload>(_ payload: Payload) -> Signed<Payload> {
        Signed(payload: payload, signer: index, signature: authenticator.sign(payload.signingDigest(chainId: chainId)))
    }

    /// One mutation of `message`, re-signed by this validator where the message carries its signature.
    public func mutate(_ message: Message, nowMs: UInt64, _ random: inout SimulationRandom) -> Message {
        switch message {
        case .prePrepare(let signed, let block):
            return mutatePrePrepare(signed.payload, block: block, nowMs: nowMs, &random)
        case .prepare(let signed):
            return .prepare(sign(mutateVote(signed.payload, &random)))
        case .commit(let signed):
            return .commit(sign(mutateVote(signed.payload, &random)))
        case .checkpoint(let signed):
            var payload = signed.payload
            if random.chance(70) {
                payload.height = integer(near: payload.height, &random)
            } else {
                payload.stateRoot = randomHash(&random)
            }
            return .checkpoint(sign(payload))
        case .viewChange(let signed):
            return .viewChange(sign(mutateViewChange(signed.payload, nowMs: nowMs, &random)))
        case .newView(let signed):
            var payload = signed.payload
            switch random.below(3) {
            case 0: payload.view = integer(near: payload.view, &random)
            case 1: payload.viewChanges += payload.viewChanges.prefix(1)
            default:
                // V names a VIEW-CHANGE nobody sent (or another signer's): backups must not wait on it forever.
                if !payload.viewChanges.isEmpty {
                    if random.chance(50) {
                        payload.viewChanges[0].digest = randomHash(&random)
                    } else {
                        payload.viewChanges[0].signer = UInt16(truncatingIfNeeded: random.below(8))
                    }
                }
            }
            return .newView(sign(payload))
        case .fetchBlocks(let fromHeight, let requester):
            return .fetchBlocks(fromHeight: integer(near: fromHeight, &random), requester: requester)
        case .blocks(let blocks):
            return .blocks(mutateBlocks(blocks, nowMs: nowMs, &random))
        }
    }

    func mutateVote<Vote: PhaseVote>(_ vote: Vote, _ random: inout SimulationRandom) -> Vote {
        switch random.below(3) {
        case 0: Vote(view: integer(near: vote.view, &random), height: vote.height, digest: vote.digest)
        case 1: Vote(view: vote.view, height: integer(near: vote.height, &random), digest: vote.digest)
        default: Vote(view: vote.view, height: vote.height, digest: randomHash(&random))
        }
    }

    func mutatePrePrepare(_ payload: PrePrepare, block original: Block, nowMs: UInt64, _ random: inout SimulationRandom) -> Message {
        var payload = payload
        var block = original
        switch random.below(6) {
        case 0: payload.view = integer(near: payload.view, &random)
        case 1: payload.height = integer(near: payload.height, &random)
        case 2: block = mutateBlock(block, nowMs: nowMs, &random)
        case 3: block.header.view = integer(near: block.header.view, &random)
        case 4: block.header.timestampMs = farTimestamp(nowMs: nowMs, parent: block.header.timestampMs, &random)
        default: block = oversized(block, &random)
        }
        if random.chance(80) { payload.digest = block.hash }
        return .prePrepare(sign(payload), block)
    }

    func mutateViewChange(_ change: ViewChange, nowMs: UInt64, _ random: inout SimulationRandom) -> ViewChange {
        var change = change
        switch random.below(5) {
        case 0: change.newView = integer(near: change.newView, &random)
        case 1: change.stableHeight = integer(near: change.stableHeight, &random)
        case 2: change.checkpointProof = Array(change.checkpointProof.dropLast())
        case 3: change.prepared += change.prepared.prefix(1)
        default:
            if !change.prepared.isEmpty {
                // A certificate for another digest, or with one prepare too few.
                if random.chance(50) {
                    change.prepared[0].prePrepare = sign(
                        PrePrepare(view: change.prepared[0].view, height: change.prepared[0].height, digest: randomHash(&random)))
                } else {
                    change.prepared[0].prepares = Array(change.prepared[0].prepares.dropLast())
                }
            } else {
                change.newView = integer(near: change.newView, &random)
            }
        }
        return change
    }

    /// One change to a block's header, certificate or transactions; the header stays consistent with the body.
    func mutateBlock(_ block: Block, nowMs: UInt64, _ random: inout SimulationRandom) -> Block {
        var block = block
        switch random.below(6) {
        case 0: block.header.height = integer(near: block.header.height, &random)
        case 1: block.header.timestampMs = farTimestamp(nowMs: nowMs, parent: block.header.timestampMs, &random)
        case 2:
            // Duplicated transactions.
            block.transactions += block.transactions.prefix(2)
            block.header.transactionsRoot = Block.transactionsRoot(of: block.transactions)
        case 3:
            if var certificate = block.lastCommit {
                if random.chance(50) {
                    certificate.height = integer(near: certificate.height, &random)
                } else {
                    certificate.view = integer(near: certificate.view, &random)
                }
                block.lastCommit = certificate
                block.header.lastCommitHash = Block.lastCommitHash(of: certificate)
            }
        case 4:
            // An altered transaction signature (the body, and so a root over bodies, is unchanged).
            if !block.transactions.isEmpty {
                let position = Int(random.below(UInt64(block.transactions.count)))
                block.transactions[position].signature = SimulatedAuthenticator.signature(secret: randomHash(&random), digest: .zero)
            }
        default: block.header.stateRoot = randomHash(&random)
        }
        return block
    }

    func mutateBlocks(_ blocks: [CommittedBlock], nowMs: UInt64, _ random: inout SimulationRandom) -> [CommittedBlock] {
        guard !blocks.isEmpty else { return blocks }
        var blocks = blocks
        let position = Int(random.below(UInt64(blocks.count)))
        switch random.below(4) {
        case 0: blocks[position].block = mutateBlock(blocks[position].block, nowMs: nowMs, &random)
        case 1: blocks.append(blocks[position])
        case 2: blocks.swapAt(0, position)
        default:
            blocks[position].block = mutateBlock(blocks[position].block, nowMs: nowMs, &random)
            // Keep the certificate pointing at the altered block, as a forger would.
            blocks[position].certificate.blockHash = blocks[position].block.hash
        }
        return blocks
    }

    /// A timestamp days ahead of the local clock, at an edge, or not after the parent.
    func farTimestamp(nowMs: UInt64, parent: UInt64, _ random: inout SimulationRandom) -> UInt64 {
        switch random.below(3) {
        case 0: nowMs &+ 86_400_000 &* (1 + random.below(1000))
        case 1: Self.extremes[Int(random.below(UInt64(Self.extremes.count)))]
        default: parent &- random.below(2)
        }
    }

    /// The block padded with copies of its transactions beyond any sensible block size.
    func oversized(_ block: Block, _ random: inout SimulationRandom) -> Block {
        guard let first = block.transactions.first else { return block }
        var block = block
        let padding = Array(repeating: first, count: Self.oversizedTransactions + Int(random.below(50)))
        block.transactions += padding
        block.header.transactionsRoot = Block.transactionsRoot(of: block.transactions)
        return block
    }

    func randomHash(_ random: inout SimulationRandom) -> Hash {
        var encoder = CanonicalEncoder()
        encoder.write(random.next())
        return Hash.sha256(encoder.bytes)
    }

    /// A burst of PREPAREs for future views with made-up digests: fills this sender's buffer share (rule 7).
    public func flood(view: UInt64, height: UInt64, count: Int, _ random: inout SimulationRandom) -> [Message] {
        (0..<count).map { _ in
            let vote = Prepare(
                view: view &+ 1 &+ random.below(ConsensusLimits.viewJumpMax), height: height &+ random.below(8), digest: randomHash(&random)
            )
            return .prepare(sign(vote))
        }
    }
}
