import ChainTypes
import Consensus
import Dispatch
import Foundation
import Ledger
import Logging
import NIOCore
import PeerNetwork
import Synchronization
import X509

/// Sends peer messages over the `PeerHost`'s open links, by validator name.
///
/// A send that fails (too large for a frame, send queue full, link closed) is counted by the `PeerHost`
/// (`failedSendCount`, in `/metrics`) and logged here with what was being sent and to whom, never dropped
/// silently (issue 13, defect 5).
struct LinkTransport: PeerTransport {
    let host: PeerHost
    let logger: Logger

    func send(_ message: PeerMessage, to name: String) {
        guard let link = host.openLinks.first(where: { $0.identity.nodeName == name }) else { return }
        Self.send(Self.frame(message), kind: message.kind, on: link, logger: logger)
    }

    /// Sends once to each connected peer: both nodes of a pair dial each other, so two links may be open
    /// to the same peer; the oldest carries the traffic and the other stands by.
    func broadcast(_ message: PeerMessage) {
        let frame = Self.frame(message)
        var seen = Set<String>()
        for link in host.openLinks where seen.insert(link.identity.nodeName).inserted {
            Self.send(frame, kind: message.kind, on: link, logger: logger)
        }
    }

    static func frame(_ message: PeerMessage) -> ByteBuffer { ByteBuffer(bytes: message.canonicalBytes) }

    /// Sends `frame` on `link` and logs a failure with the message kind, the peer and the reason.
    static func send(_ frame: ByteBuffer, kind: String, on link: any IntakeLink, logger: Logger) {
        let bytes = frame.readableBytes
        let identity = link.identity
        link.send(frame) { error in
            logger.warning(
                "peer send failed",
                metadata: ["peer": "\(identity)", "message": "\(kind)", "bytes": "\(bytes)", "reason": "\(error)"])
        }
    }
}

/// What the peer intake needs of a link: who is at the other end, a way to answer, a way to hang up.
protocol IntakeLink: Sendable {
    var identity: PeerIdentity { get }
    /// Queues `frame`; `onFailure` runs if it is not sent.
    func send(_ frame: ByteBuffer, onFailure: @escaping @Sendable (any Error) -> Void)
    func close(reason: PeerLinkCloseReason)
}

extension PeerLink: IntakeLink {
    func send(_ frame: ByteBuffer, onFailure: @escaping @Sendable (any Error) -> Void) {
        send(frame).whenFailure(onFailure)
    }
}

/// Where the peer intake hands consensus messages and news of transactions: the replica driver.
protocol IntakeSink: AnyObject, Sendable {
    var chainId: String { get }
    /// Queues `event` from `peer` (nil: this node); false when that queue was full and it was dropped.
    @discardableResult
    func post(_ event: ReplicaDriver.Event, from peer: String?, bytes: Int) -> Bool
}

extension ReplicaDriver: IntakeSink {}

/// Turns peer events into driver events: decodes frames, checks signatures, feeds gossip to the mempool,
/// serves state transfer, and disconnects a peer that sends bytes that are not a message or gossip that is
/// not correctly signed.
///
/// Every stage is bounded per peer (issue 13, defect 9): a peer's frames wait for decoding and the
/// signature check on a serial queue of their own within `NodeLimits.verificationsPerPeerMax` messages and
/// `intakePerPeerBytesMax` bytes, its gossip within `gossipPerPeerMax` messages, and its consensus messages
/// in its own queue of the driver's inbox; what does not fit is dropped and counted (`IntakeCounters`), so
/// one flooding peer cannot crowd out the others. `fetchBlocks` is answered here, off the driver thread, on
/// the authenticated link it came in on and at most at `FetchRate` per peer.
final class PeerIntake: Sendable {
    let driver: any IntakeSink
    let mempool: Mempool
    let ledger: Ledger
    let signer: ConsensusSigner
    let activity: PeerActivity
    let validators: @Sendable () -> ValidatorSet
    /// Names of the registered observers: their consensus messages never reach the replica.
    let observers: @Sendable () -> Set<String>
    let logger: Logger
    let counters = IntakeCounters()
    private let workQueue = DispatchQueue(label: "sbp.intake", attributes: .concurrent)
    /// One serial queue per peer for decoding and checking its frames: in arrival order within a peer, in
    /// parallel across peers.
    private let frameQueues: KeyedSerialQueues
    /// One serial queue per peer for its gossip, on the concurrent queue: a peer sends a sender's
    /// transactions in nonce order, and admitting two of its messages at once could put nonce n + 1
    /// before n, which the mempool refuses as a gap (and only a re-gossip seconds later would repair).
    private let gossipQueues: KeyedSerialQueues
    /// One serial queue per peer for serving its state-transfer requests, so disk reads delay nothing else.
    private let serveQueues: KeyedSerialQueues
    private let frameBudget = PeerBudget(countMax: NodeLimits.verificationsPerPeerMax, bytesMax: NodeLimits.intakePerPeerBytesMax)
    private let gossipBudget = PeerBudget(countMax: NodeLimits.gossipPerPeerMax, bytesMax: NodeLimits.intakePerPeerBytesMax)
    /// One request served at a time per peer; the rate bounds how many follow.
    private let serveBudget = PeerBudget(countMax: 1, bytesMax: .max)
    private let fetchRate = Mutex(FetchRate<String>())
    /// Refusals are logged at most `PeerNetworkLimits.unverifiedLogLinesPerMinute` a minute: anyone who reaches
    /// the peer port can cause one (`LogThrottle`).
    private let refusedLog = LogThrottle(linesMax: PeerNetworkLimits.unverifiedLogLinesPerMinute, interval: .seconds(60))
    /// The monotonic clock `fetchRate` is read against.
    private let clockStart = ContinuousClock.now
    /// `NodeFaults.outgoing` for state-transfer replies (tests only; nil in production).
    private let rewriteServed: (@Sendable (Message) -> [Message])?
    /// `NodeFaults.withholdBlocks`: peers whose state-transfer requests go unanswered (tests only; nil in production).
    private let withholdsBlocks: (@Sendable (String) -> Bool)?
    /// The snapshots this node serves to nodes joining by state sync; nil: none.
    let snapshots: SnapshotStore?
    /// Gossip messages queued for admission and not yet admitted, which a primary's proposal waits for.
    let gossipBacklog: GossipBacklog

    init(
        driver: any IntakeSink, mempool: Mempool, ledger: Ledger, signer: ConsensusSigner, activity: PeerActivity,
        validators: @escaping @Sendable () -> ValidatorSet, observers: @escaping @Sendable () -> Set<String> = { [] }, logger: Logger,
        rewriteServed: (@Sendable (Message) -> [Message])? = nil, withholdsBlocks: (@Sendable (String) -> Bool)? = nil,
        snapshots: SnapshotStore? = nil, gossipBacklog: GossipBacklog = GossipBacklog()
    ) {
        self.snapshots = snapshots
        self.gossipBacklog = gossipBacklog
        self.observers = observers
        self.withholdsBlocks = withholdsBlocks
        self.rewriteServed = rewriteServed
        self.driver = driver
        self.mempool = mempool
        self.ledger = ledger
        self.signer = signer
        self.activity = activity
        self.validators = validators
        self.logger = logger
        frameQueues = KeyedSerialQueues(label: "sbp.frames", target: workQueue)
        gossipQueues = KeyedSerialQueues(label: "sbp.gossip", target: workQueue)
        serveQueues = KeyedSerialQueues(label: "sbp.serve", target: workQueue)
    }

    func handle(_ event: PeerEvent) {
        switch event {
        case .linkUp(let link):
            logger.info("peer connected", metadata: ["peer": "\(link.identity)", "direction": "\(link.direction)"])
        case .linkDown(let link, let reason):
            logger.info("peer disconnected", metadata: ["peer": "\(link.identity)", "reason": "\(reason)"])
        case .refused(let remote, let refusal):
            let admitted = refusedLog.admit()
            if admitted.write {
                logger.warning(
                    "peer refused",
                    metadata: LogThrottle.metadata(["remote": "\(remote)", "reason": "\(refusal)"], heldBack: admitted.heldBack))
            }
        case .message(let link, let buffer):
            enqueue(buffer, from: link)
        }
    }

    /// Queues one frame from `link` for decoding on the peer's own queue, within the peer's budget.
    func enqueue(_ buffer: ByteBuffer, from link: any IntakeLink) {
        let peer = link.identity.nodeName
        activity.messageArrived(from: peer)
        let bytes = buffer.readableBytes
        guard frameBudget.reserve(peer, bytes: bytes) else {
            counters.framesDropped.add(1, ordering: .relaxed)
            return
        }
        frameQueues.queue(for: peer).async { [self] in
            defer { frameBudget.release(peer, bytes: bytes) }
            receive(buffer, bytes: bytes, from: link)
        }
    }

    /// Returns once everything queued so far for `peer` has been handled (for tests).
    func drained(_ peer: String) async {
        for queues in [frameQueues, gossipQueues, serveQueues] {
            await withCheckedContinuation { continuation in queues.queue(for: peer).async { continuation.resume() } }
        }
    }

    /// Decodes one frame from `link` and hands it on; runs on the peer's serial frame queue.
    private func receive(_ buffer: ByteBuffer, bytes: Int, from link: any IntakeLink) {
        let peer = link.identity.nodeName
        let message: PeerMessage
        do {
            message = try PeerMessage(canonicalBytes: Array(buffer.readableBytesView))
        } catch {
            logger.warning("closing link: undecodable message", metadata: ["peer": "\(link.identity)", "error": "\(error)"])
            link.close(reason: .protocolViolation("undecodable message: \(error)"))
            return
        }
        switch message {
        case .consensus(.fetchBlocks(let fromHeight, _)):
            // The `requester` field is not authenticated: the reply goes back on the link that asked.
            serve(from: fromHeight, on: link)
        case .consensus(.blocks(let blocks)) where observers().contains(peer):
            // An observer may serve state transfer: its blocks carry commit certificates the replica checks.
            driver.post(.message(.blocks(blocks)), from: peer, bytes: bytes)
        case .consensus(let consensus) where observers().contains(peer):
            // DESIGN §5: an observer never votes or counts. Its key is in no validator set, so the replica
            // would refuse the vote anyway; it is dropped here, before any signature check, and logged.
            let dropped = counters.observerConsensusDropped.wrappingAdd(1, ordering: .relaxed).newValue
            if dropped == 1 || dropped % NodeLimits.observerDropLogEvery == 0 {
                logger.warning(
                    "ignored a consensus message from an observer: observers never vote",
                    metadata: ["peer": "\(link.identity)", "message": "\(PeerMessage.consensus(consensus).kind)", "ignored": "\(dropped)"])
            }
        case .consensus(let consensus):
            preverify(consensus)
            driver.post(.message(consensus), from: peer, bytes: bytes)  // a full queue counts the drop
        case .snapshotManifestRequest:
            serveSnapshot(on: link) { snapshots in .snapshotManifest(snapshots?.latestManifest?.bytes ?? []) }
        case .snapshotChunkRequest(let height, let index):
            serveSnapshot(on: link) { snapshots in
                .snapshotChunk(height: height, index: index, bytes: snapshots?.chunk(height: height, index: index) ?? [])
            }
        case .snapshotManifest, .snapshotChunk:
            // Replies go to the state-sync client, which runs before the node; a running node asked for nothing.
            break
        case .gossip(let gossip):
            let transactions: [Transaction]
            do {
                transactions = try MempoolGossip().transactions(in: gossip)
            } catch {
                logger.warning("closing link: undecodable gossip", metadata: ["peer": "\(link.identity)", "error": "\(error)"])
                link.close(reason: .protocolViolation("undecodable gossip: \(error)"))
                return
            }
            guard gossipBudget.reserve(peer, bytes: bytes) else {
                counters.framesDropped.add(1, ordering: .relaxed)
                return
            }
            gossipBacklog.arrived()
            gossipQueues.queue(for: peer).async { [self] in
                defer {
                    gossipBudget.release(peer, bytes: bytes)
                    gossipBacklog.finished()
                }
                admit(transactions, from: link)
            }
        }
    }

    /// Admits gossiped transactions; a transaction whose signature fails closes the link.
    ///
    /// A peer gossips only transactions its own mempool admitted, which checked their signatures, so an
    /// honest peer never sends a bad one; a peer that does is made to pay for the checks it caused.
    private func admit(_ transactions: [Transaction], from link: any IntakeLink) {
        var added = false
        for transaction in transactions {
            ledger.awaitBlockInProgress()
            switch mempool.add(transaction, origin: .peer) {
            case .success(.added): added = true
            case .failure(.invalidSignature(let reason)):
                counters.badSignatureDisconnects.add(1, ordering: .relaxed)
                logger.warning(
                    "closing link: gossip carries a transaction with a bad signature",
                    metadata: ["peer": "\(link.identity)", "transaction": "\(transaction.hash)", "reason": "\(reason)"])
                link.close(reason: .protocolViolation("gossiped transaction \(transaction.hash) has a bad signature: \(reason)"))
                if added { driver.post(.transactionsArrived, from: nil, bytes: 0) }
                return
            default: break
            }
        }
        if added { driver.post(.transactionsArrived, from: nil, bytes: 0) }
    }

    /// Answers a state-transfer request on `link` with committed blocks and their certificates (rule 18).
    /// Whole milliseconds from `start` to now on the monotonic clock (the clock `FetchRate` is given).
    private func milliseconds(since start: ContinuousClock.Instant) -> UInt64 {
        let elapsed = (ContinuousClock.now - start).components
        return UInt64(max(0, elapsed.seconds)) * 1000 + UInt64(max(0, elapsed.attoseconds) / 1_000_000_000_000_000)
    }

    private func serve(from fromHeight: UInt64, on link: any IntakeLink) {
        let peer = link.identity.nodeName
        if withholdsBlocks?(peer) == true {
            logger.warning("fault injection: withholding blocks", metadata: ["peer": "\(link.identity)", "from": "\(fromHeight)"])
            return
        }
        guard fetchRate.withLock({ $0.allows(peer, atMs: milliseconds(since: clockStart)) }), serveBudget.reserve(peer, bytes: 0) else {
            counters.fetchRequestsRefused.add(1, ordering: .relaxed)
            return
        }
        serveQueues.queue(for: peer).async { [self] in
            defer { serveBudget.release(peer, bytes: 0) }
            let blocks: [CommittedBlock]
            do {
                let view = try ledger.view()
                blocks = try BlockServer().reply(from: fromHeight) { height in
                    guard height <= view.height, let block = try view.block(at: height), let certificate = try view.certificate(at: height)
                    else { return nil }
                    return CommittedBlock(block: block, certificate: certificate)
                }
            } catch {
                logger.warning("cannot serve blocks", metadata: ["from": "\(fromHeight)", "error": "\(error)"])
                return
            }
            guard !blocks.isEmpty else { return }
            for reply in rewriteServed.map({ $0(.blocks(blocks)) }) ?? [.blocks(blocks)] {
                let message = PeerMessage.consensus(reply)
                LinkTransport.send(LinkTransport.frame(message), kind: message.kind, on: link, logger: logger)
            }
        }
    }

    /// Answers a snapshot request on `link` off the frame queue, one at a time per peer like block requests.
    private func serveSnapshot(on link: any IntakeLink, reply: @escaping @Sendable (SnapshotStore?) -> PeerMessage) {
        let peer = link.identity.nodeName
        guard serveBudget.reserve(peer, bytes: 0) else {
            counters.fetchRequestsRefused.add(1, ordering: .relaxed)
            return
        }
        serveQueues.queue(for: peer).async { [self] in
            defer { serveBudget.release(peer, bytes: 0) }
            let message = reply(snapshots)
            LinkTransport.send(LinkTransport.frame(message), kind: message.kind, on: link, logger: logger)
        }
    }

    /// Checks the outer signature of a consensus message ahead of the replica (DESIGN §3).
    private func preverify(_ message: Message) {
        let set = validators()
        let chainId = driver.chainId
        func check<Payload: SignablePayload>(_ signed: Signed<Payload>) {
            guard Int(signed.signer) < set.count else { return }
            signer.preverify(
                signed.signature, digest: signed.payload.signingDigest(chainId: chainId), key: set.validators[Int(signed.signer)].publicKey)
        }
        switch message {
        case .prePrepare(let signed, _): check(signed)
        case .prepare(let signed): check(signed)
        case .commit(let signed): check(signed)
        case .checkpoint(let signed): check(signed)
        case .viewChange(let signed): check(signed)
        case .newView(let signed): check(signed)
        case .fetchBlocks, .blocks: break
        }
    }
}

/// What the peer intake dropped or refused, for `/metrics`.
final class IntakeCounters: Sendable {
    /// Frames dropped because the sending peer's intake or driver queue was full.
    let framesDropped = Atomic<Int>(0)
    /// State-transfer requests refused by the per-peer rate or while one was being served.
    let fetchRequestsRefused = Atomic<Int>(0)
    /// Links closed because their gossip carried a transaction with a bad signature.
    let badSignatureDisconnects = Atomic<Int>(0)
    /// Consensus messages (votes, proposals, checkpoints, view changes) from observers, ignored.
    let observerConsensusDropped = Atomic<Int>(0)
}

/// Per-peer bounds on the work one intake stage holds: a count and bytes for each peer.
///
/// A peer with nothing held may always hold one item, whatever its size, so the largest legal message
/// is never refused for its size alone.
final class PeerBudget: Sendable {
    let countMax: Int
    let bytesMax: Int
    private let held = Mutex<[String: (count: Int, bytes: Int)]>([:])

    init(countMax: Int, bytesMax: Int) {
        precondition(countMax >= 1 && bytesMax >= 1)
        self.countMax = countMax
        self.bytesMax = bytesMax
    }

    /// Takes room for one item of `bytes` from `peer`; false when the peer's budget is spent.
    func reserve(_ peer: String, bytes: Int) -> Bool {
        held.withLock { held in
            let (count, used) = held[peer] ?? (0, 0)
            guard count == 0 || (count < countMax && bytes <= bytesMax - used) else { return false }
            held[peer] = (count + 1, used + min(bytes, bytesMax))
            return true
        }
    }

    /// Gives back what `reserve(_:bytes:)` took.
    func release(_ peer: String, bytes: Int) {
        held.withLock { held in
            guard let (count, used) = held[peer] else { return }
            if count <= 1 {
                held[peer] = nil
            } else {
                held[peer] = (count - 1, max(0, used - min(bytes, bytesMax)))
            }
        }
    }

    /// Items `peer` holds now.
    func count(of peer: String) -> Int { held.withLock { $0[peer]?.count ?? 0 } }
}

/// Serial dispatch queues by key on one shared target: work for one key runs in submission order, work
/// for different keys runs in parallel on the target's threads.
final class KeyedSerialQueues: Sendable {
    private let label: String
    private let target: DispatchQueue
    private let queues = Mutex<[String: DispatchQueue]>([:])

    init(label: String, target: DispatchQueue) {
        self.label = label
        self.target = target
    }

    /// The queue of `key`, made on first use. Keys are peer names, so there are few.
    func queue(for key: String) -> DispatchQueue {
        queues.withLock { queues in
            if let queue = queues[key] { return queue }
            let queue = DispatchQueue(label: "\(label).\(key)", target: target)
            queues[key] = queue
            return queue
        }
    }
}
