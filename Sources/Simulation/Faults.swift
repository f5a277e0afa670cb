import ChainTypes
import Consensus

/// The fault schedule and the Byzantine behaviours of the simulator.
extension Cluster {
    /// Changes the network and the set of running nodes at seeded random moments of the fault phase.
    mutating func injectFaults() {
        if tick % 100 == 0 {
            dropPercent = random.below(4) == 0 ? 0 : random.below(25)
            duplicatePercent = random.below(10)
            longDelayPercent = random.below(3) == 0 ? random.below(15) : 0
        }
        if tick >= partitionEndsAt, !blockedLinks.isEmpty { blockedLinks = [] }
        if blockedLinks.isEmpty, random.chance(1) { partition() }
        for (id, at) in restartAt where at <= tick { restart(node: id) }
        if random.below(400) == 0 { crashRandomNode() }
    }

    /// Random halves, an isolated primary, or one-way links, for a random while.
    mutating func partition() {
        let ids = Array(nodes.indices)
        partitionEndsAt = tick + 20 + random.below(6 * options.replicaConfiguration.viewChangeTimeoutTicks)
        switch random.below(3) {
        case 0:
            let side = ids.filter { _ in random.chance(50) }
            for a in side {
                for b in ids where !side.contains(b) {
                    blockedLinks.insert(Link(from: a, to: b)); blockedLinks.insert(Link(from: b, to: a))
                }
            }
        case 1:
            let views = nodes.filter(\.isHonest).map(\.replica.view)
            let primary = Int((views.max() ?? 0) % UInt64(options.validators))
            for node in nodes where node.index == primary {
                for other in ids where other != node.id {
                    blockedLinks.insert(Link(from: node.id, to: other))
                    blockedLinks.insert(Link(from: other, to: node.id))
                }
            }
        default:
            for a in ids { for b in ids where a != b && random.chance(30) { blockedLinks.insert(Link(from: a, to: b)) } }
        }
    }

    mutating func crashRandomNode() {
        let id = Int(random.below(UInt64(nodes.count)))
        guard nodes[id].isUp else { return }
        nodes[id].isUp = false
        if random.chance(50) { loseUnsyncedWrites(of: id) }
        // A wipe loses the disk too: the node must rejoin by state transfer without voting twice (rule 19).
        if random.chance(15), mayWipe(node: id) {
            if nodes[id].isHonest { amnesiaUntilStable[id] = (nodes.map(\.replica.committedHeight).max() ?? 0) + 1 }
            nodes[id].journal = []
            nodes[id].chain = []
            nodes[id].committedFloor = 0
        }
        restartAt[id] = tick + 10 + random.below(8 * options.replicaConfiguration.viewChangeTimeoutTicks)
    }

    /// Whether wiping `id` keeps the run inside the fault model: at most f validators faulty at once.
    ///
    /// A wiped replica has forgotten what it voted for, so until the heights it might have voted at are
    /// settled it is as faulty as a Byzantine one (a BFT fault model counts a replica that loses its state
    /// among the f). Seed 4486 shows why: block 43 was committed with the votes of nodes 0 and 2 and the fuzzing
    /// node 3; nodes 0 and 2 were then wiped, so three of four replicas were faulty and a second block at
    /// 43 could be committed, which no protocol can prevent. The amnesia ends once an honest replica holds
    /// a stable checkpoint (2f+1 signatures) above every height reached when the wipe came: no quorum can
    /// form below it any more. The Byzantine validator itself may be wiped at any time.
    mutating func mayWipe(node id: Int) -> Bool {
        guard nodes[id].isHonest else { return true }
        let settled = nodes.filter(\.isHonest).map(\.replica.stableHeight).max() ?? 0
        amnesiaUntilStable = amnesiaUntilStable.filter { $0.value > settled }
        let faulty = (options.byzantine == .none ? 0 : 1) + amnesiaUntilStable.count
        return faulty < (options.validators - 1) / 3
    }

    /// The crash came before the last tick's journal writes reached the disk. By the `Ready` contract the
    /// messages that depended on them were not sent either, so they leave the network too.
    mutating func loseUnsyncedWrites(of id: Int) {
        nodes[id].journal.removeLast(nodes[id].journal.count - nodes[id].journalSyncedCount)
        for (deliverAt, messages) in inFlight {
            inFlight[deliverAt] = messages.filter { !($0.from == id && $0.sentAt == tick) }
        }
    }

    /// Restarts a node from its durable disk (rules 8, 9) or, if wiped, from nothing (rule 19).
    mutating func restart(node id: Int) {
        restartAt[id] = nil
        nodes[id].reloadApplication()
        let wiped = nodes[id].chain.isEmpty && nodes[id].journal.isEmpty
        nodes[id].core = makeCore(
            index: nodes[id].index, chain: nodes[id].chainPosition(genesisTimeMs: Self.genesisTimeMs),
            journal: nodes[id].journal, wiped: wiped && tick > 0)
        nodes[id].isUp = true
    }

    /// Ends every fault: links heal, crashed nodes restart, messages flow again.
    mutating func heal() {
        blockedLinks = []
        dropPercent = 0
        duplicatePercent = 0
        longDelayPercent = 0
        for id in nodes.indices where !nodes[id].isUp { restart(node: id) }
    }

    // MARK: - Byzantine behaviours

    /// Periodic misbehaviour that is not a transformation of the node's own messages.
    mutating func misbehave(node id: Int) {
        switch nodes[id].behaviour {
        case .hugeView where tick % 25 == 0:
            let replica = nodes[id].replica
            let change = ViewChange(
                newView: replica.view + 1_000_000 + random.below(1_000_000), stableHeight: 0, checkpointProof: [], prepared: [])
            let signed = Signed(
                payload: change, signer: UInt16(nodes[id].index),
                signature: keys.authenticator(for: nodes[id].index).sign(
                    change.signingDigest(chainId: options.replicaConfiguration.chainId)))
            for node in nodes where node.id != id { transmit(.viewChange(signed), from: id, to: node.id) }
        case .replay where !nodes[id].recorded.isEmpty && random.chance(30):
            let message = nodes[id].recorded[Int(random.below(UInt64(nodes[id].recorded.count)))]
            for node in nodes where node.id != id { transmit(message, from: id, to: node.id) }
        case .fuzz:
            fuzzUnprompted(node: id)
        default:
            break
        }
    }

    /// Rule 17's culprit: two signed pre-prepares for one (view, height), one to each half of the cluster.
    mutating func equivocate(_ signed: Signed<PrePrepare>, block: Block, from id: Int) {
        var other = block
        other.transactions = Array(block.transactions.dropLast())
        if other.transactions == block.transactions { other.header.timestampMs += 1 }
        other.header.transactionsRoot = Block.transactionsRoot(of: other.transactions)
        let payload = PrePrepare(view: signed.payload.view, height: signed.payload.height, digest: other.hash)
        let forged = Signed(
            payload: payload, signer: signed.signer,
            signature: keys.authenticator(for: nodes[id].index).sign(
                payload.signingDigest(chainId: options.replicaConfiguration.chainId)))
        for node in nodes where node.id != id {
            if node.id % 2 == 0 {
                transmit(.prePrepare(signed, block), from: id, to: node.id)
            } else {
                transmit(.prePrepare(forged, other), from: id, to: node.id)
            }
        }
    }

    /// Copies of a message claiming another signer, with a signature that cannot verify.
    mutating func sendForgeries(of message: Message, from id: Int) {
        let victim = UInt16(random.below(UInt64(options.validators)))
        let signature = SimulatedAuthenticator.signature(secret: Hash.sha256([UInt8(truncatingIfNeeded: random.next())]), digest: .zero)
        let forged: Message
        switch message {
        case .prepare(let signed): forged = .prepare(Signed(payload: signed.payload, signer: victim, signature: signature))
        case .commit(let signed): forged = .commit(Signed(payload: signed.payload, signer: victim, signature: signature))
        case .checkpoint(let signed):
            var payload = signed.payload
            payload.stateRoot = Hash.sha256(payload.stateRoot.bytes)
            forged = .checkpoint(Signed(payload: payload, signer: victim, signature: signature))
        case .viewChange(let signed):
            var payload = signed.payload
            payload.newView += 1
            forged = .viewChange(Signed(payload: payload, signer: victim, signature: signature))
        default: return
        }
        for node in nodes where node.id != id { transmit(forged, from: id, to: node.id) }
    }
}

extension Cluster {
    /// The fuzzing validator's sending: each message goes out as is, mutated, or both, to all or some peers.
    mutating func sendFuzzed(_ outgoing: Outgoing, from id: Int) {
        guard let fuzzer else { return }
        let nowMs = Self.genesisTimeMs + tick * Self.tickMs
        let targets: [Int]
        switch outgoing.target {
        case .replica(let index): targets = nodes.filter { $0.index == Int(index) && $0.id != id }.map(\.id)
        case .all: targets = nodes.map(\.id).filter { $0 != id }
        }
        for target in targets {
            if random.chance(60) { transmit(outgoing.message, from: id, to: target) }
            if random.chance(50) { transmit(fuzzer.mutate(outgoing.message, nowMs: nowMs, &random), from: id, to: target) }
        }
    }

    /// What the fuzzing validator sends unprompted: unsolicited state-transfer replies (real or mutated),
    /// replays of what it received, and floods of future-view votes.
    mutating func fuzzUnprompted(node id: Int) {
        guard let fuzzer, tick < options.faultTicks else { return }
        let nowMs = Self.genesisTimeMs + tick * Self.tickMs
        let target = Int(random.below(UInt64(nodes.count)))
        guard target != id else { return }
        let replica = nodes[id].replica
        switch random.below(40) {
        case 0:
            let chain = nodes[id].chain
            guard !chain.isEmpty else { return }
            let start = Int(random.below(UInt64(chain.count)))
            var message = Message.blocks(Array(chain[start..<min(chain.count, start + ConsensusLimits.fetchBlocksMax)]))
            if random.chance(50) { message = fuzzer.mutate(message, nowMs: nowMs, &random) }
            transmit(message, from: id, to: target)
        case 1:
            guard !nodes[id].recorded.isEmpty else { return }
            let message = nodes[id].recorded[Int(random.below(UInt64(nodes[id].recorded.count)))]
            transmit(fuzzer.mutate(message, nowMs: nowMs, &random), from: id, to: target)
        case 2:
            for message in fuzzer.flood(view: replica.view, height: replica.committedHeight + 1, count: 64, &random) {
                transmit(message, from: id, to: target)
            }
        default:
            break
        }
    }
}
